import { Body, Controller, Get, Headers, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@tiltas/access';
import { PartnerReferral, ReferralsService } from '@tiltas/outreach';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors, IdParam } from '../platform/api-docs';
import { PARTNER_REFERRAL, listOf } from '../platform/api-schemas';
import { PartnerReferralsQueryDto, ReferralStatusDto } from './outreach.dto';

const PARTNER_TOKEN_REFUSED = 'No partner token (Authorization: Bearer tsv_…), or it is unknown, expired or revoked';

/**
 * The partner organisation's API: its service's referrals and their answers, with the service's own
 * token (`tsv_…`), not a Tiltas user's. Public to the user sign-in (so the document lists no user
 * sign-in scheme for it); the token is checked by the service, which answers 401 itself.
 */
@ApiStandardErrors()
@ApiTags('partner')
@Controller('api/partner/referrals')
@Public()
export class PartnerReferralsController {
  constructor(private readonly referrals: ReferralsService) {}

  @Get()
  @ApiOperation({ summary: 'The referrals to the token\'s service, newest first (no person named); the service token as Authorization: Bearer tsv_…' })
  @ApiJsonResponse(200, 'The referrals', listOf(PARTNER_REFERRAL))
  @ApiErrorResponse(401, PARTNER_TOKEN_REFUSED)
  list(@Headers('authorization') authorization: string | undefined, @Query() query: PartnerReferralsQueryDto): Promise<PartnerReferral[]> {
    return this.referrals.referralsForToken(authorization ?? '', query.limit);
  }

  @Post(':id/status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move a referral of the token\'s service forward: ACCEPTED, STARTED, COMPLETED, or REJECTED with a reason' })
  @ApiJsonResponse(200, 'The referral after the step', PARTNER_REFERRAL)
  @ApiErrorResponse(401, PARTNER_TOKEN_REFUSED)
  @ApiErrorResponse(404, 'No such referral to the token\'s service')
  @ApiErrorResponse(409, 'Not a step the referral can take from its status, or changed since the version given')
  move(@Headers('authorization') authorization: string | undefined, @IdParam('id', 'int8') id: number, @Body() body: ReferralStatusDto): Promise<PartnerReferral> {
    return this.referrals.moveByToken(authorization ?? '', id, { status: body.status, rejectReason: body.rejectReason ?? null, note: body.note, version: body.version });
  }
}
