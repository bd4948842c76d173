import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { InvitationLetterService, LETTER_PAGE_STYLE_HASH, MessageRow, MessageSendingService, SEND_CHANNELS } from '@tiltas/letters';
import type { Response } from 'express';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors, IdParam } from '../platform/api-docs';
import { MESSAGE_ROW, listOf } from '../platform/api-schemas';

/**
 * Letters and messages for a case the caller holds: the printable invitation letter (an HTML page of its
 * own, not the application's layout) and email or SMS sent by a job.
 */
@ApiStandardErrors()
@ApiTags('letters')
@Controller('api/letters/cases')
@Roles('WORKER', 'COORDINATOR')
export class CaseLettersController {
  constructor(
    private readonly letters: InvitationLetterService,
    private readonly messages: MessageSendingService,
  ) {}

  /**
   * The letter to print, in the person's language. Personal data: never cached. A POST: printing reveals
   * a name and an address and is logged as a reveal, so it needs the form token and no link or prefetch
   * can set it off.
   */
  @Post(':caseId/invitation')
  @HttpCode(200)
  @ApiOperation({ summary: 'The invitation letter to print, in the person\'s language (a reveal: logged)' })
  @ApiOkResponse({ description: 'The printable letter page', content: { 'text/html': { schema: { type: 'string' } } } })
  @ApiErrorResponse(404, 'No such case held by me')
  async invitation(@CurrentActor() actor: Actor, @IdParam('caseId', 'int8') caseId: number, @Res({ passthrough: true }) res: Response): Promise<string> {
    const letter = await this.letters.render(actor, caseId);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Content-Language', letter.language);
    res.setHeader('Cache-Control', 'no-store');
    // Stricter than the application's CSP: nothing loads, and only the letter's own style applies.
    res.setHeader('Content-Security-Policy', `default-src 'none'; style-src '${LETTER_PAGE_STYLE_HASH}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`);
    return letter.html;
  }

  /** Queues an email or SMS (`{ "channel": "EMAIL" | "SMS" }`); 202 with the PENDING message. */
  @Post(':caseId/messages')
  @HttpCode(202)
  @ApiOperation({ summary: 'Queue an email or SMS to the person; a job sends it' })
  @ApiBody({ schema: { type: 'object', required: ['channel'], properties: { channel: { type: 'string', enum: [...SEND_CHANNELS] } } } })
  @ApiJsonResponse(202, 'Queued (PENDING)', MESSAGE_ROW)
  @ApiErrorResponse(404, 'No such case held by me')
  @ApiErrorResponse(403, 'I am a coordinator and do not hold the case myself')
  @ApiErrorResponse(409, 'The case is not open, or the contacts register has no address on that channel')
  @ApiErrorResponse(503, 'The channel\'s transport (SMTP, SMS gateway) is not configured, or the queue did not take the message')
  send(@CurrentActor() actor: Actor, @IdParam('caseId', 'int8') caseId: number, @Body() body: { channel?: unknown }): Promise<MessageRow> {
    return this.messages.request(actor, caseId, body?.channel);
  }

  @Get(':caseId/messages')
  @ApiOperation({ summary: 'Messages of a case, newest first' })
  @ApiJsonResponse(200, 'The messages', listOf(MESSAGE_ROW))
  @ApiErrorResponse(404, 'No such case held by me')
  list(@CurrentActor() actor: Actor, @IdParam('caseId', 'int8') caseId: number): Promise<MessageRow[]> {
    return this.messages.list(actor, caseId);
  }
}
