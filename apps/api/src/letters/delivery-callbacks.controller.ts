import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@tiltas/access';
import { CallbackOutcome, DeliveryCallbacksService, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '@tiltas/letters';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors } from '../platform/api-docs';

const CALLBACK_BODY = {
  schema: {
    type: 'object',
    required: ['id', 'reference', 'status'],
    properties: {
      id: { type: 'string', description: "The sender's own id of this callback; a repeated id is refused as a replay" },
      reference: { type: 'string', format: 'uuid', description: 'The message id Tiltas sent with the message' },
      status: { type: 'string' },
      reason: { type: 'string', nullable: true, description: 'A short reason code, never a server reply text' },
    },
  },
};
const OUTCOME = { type: 'object', properties: { messageId: { type: 'string', format: 'uuid' }, delivery: { type: 'string' } } };
const SIGNED = [
  { name: TIMESTAMP_HEADER, required: true, description: 'Unix seconds; within 5 minutes of the server clock' },
  { name: SIGNATURE_HEADER, required: true, description: 'sha256=<hex HMAC-SHA256 of "<timestamp>.<id>.<reference>.<status>.<reason>">' },
];

/**
 * Delivery reports from the SMS gateway and bounces from the mail system. No session and no token: the
 * HMAC signature under SMS_CALLBACK_SECRET / EMAIL_BOUNCE_SECRET is the authentication.
 */
@ApiStandardErrors()
@ApiTags('letters')
@Public()
@Controller('api/letters/delivery')
export class DeliveryCallbacksController {
  constructor(private readonly callbacks: DeliveryCallbacksService) {}

  @Post('sms')
  @HttpCode(200)
  @ApiOperation({ summary: "The SMS gateway's delivery report (status DELIVERED or FAILED), signed" })
  @ApiHeader(SIGNED[0])
  @ApiHeader(SIGNED[1])
  @ApiBody(CALLBACK_BODY)
  @ApiJsonResponse(200, 'Taken: the message\'s delivery status now', OUTCOME)
  @ApiErrorResponse(401, 'Forged, stale or unsigned, or callbacks are not configured')
  @ApiErrorResponse(409, 'A replay of a callback already taken, or the message was never handed over')
  sms(@Headers(SIGNATURE_HEADER) signature: unknown, @Headers(TIMESTAMP_HEADER) timestamp: unknown, @Body() body: unknown): Promise<CallbackOutcome> {
    return this.callbacks.receive('SMS', { signature, timestamp }, body);
  }

  @Post('email')
  @HttpCode(200)
  @ApiOperation({ summary: "The mail system's delivery or bounce report (status DELIVERED or BOUNCED), signed" })
  @ApiHeader(SIGNED[0])
  @ApiHeader(SIGNED[1])
  @ApiBody(CALLBACK_BODY)
  @ApiJsonResponse(200, 'Taken: the message\'s delivery status now', OUTCOME)
  @ApiErrorResponse(401, 'Forged, stale or unsigned, or callbacks are not configured')
  @ApiErrorResponse(409, 'A replay of a callback already taken, or the message was never handed over')
  email(@Headers(SIGNATURE_HEADER) signature: unknown, @Headers(TIMESTAMP_HEADER) timestamp: unknown, @Body() body: unknown): Promise<CallbackOutcome> {
    return this.callbacks.receive('EMAIL', { signature, timestamp }, body);
  }
}
