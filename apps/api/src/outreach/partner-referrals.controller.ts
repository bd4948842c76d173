import { Body, Controller, Get, Headers, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@tiltas/access';
import { PartnerReferral, ReferralsService } from '@tiltas/outreach';
import { ReferralStatusDto } from './outreach.dto';

/**
 * The partner organisation's API: its service's referrals and their answers, with the service's own
 * token (`tsv_…`), not a Tiltas user's. Public to the user sign-in; the token is checked by the service.
 */
@ApiTags('partner')
@ApiBearerAuth()
@Controller('api/partner/referrals')
@Public()
export class PartnerReferralsController {
  constructor(private readonly referrals: ReferralsService) {}

  @Get()
  @ApiOperation({ summary: 'The referrals to the token\'s service, newest first (no person named)' })
  list(@Headers('authorization') authorization: string | undefined, @Query('limit') limit?: string): Promise<PartnerReferral[]> {
    return this.referrals.referralsForToken(authorization ?? '', limit ? Number(limit) : undefined);
  }

  @Post(':id/status')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move a referral of the token\'s service forward: ACCEPTED, STARTED, COMPLETED, or REJECTED with a reason' })
  move(@Headers('authorization') authorization: string | undefined, @Param('id', ParseIntPipe) id: number, @Body() body: ReferralStatusDto): Promise<PartnerReferral> {
    return this.referrals.moveByToken(authorization ?? '', id, { status: body.status, rejectReason: body.rejectReason ?? null, note: body.note, version: body.version });
  }
}
