import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { AutoAssignment, CaseWorkService, CaseQueueService, CaseloadBoard, CreatedServiceToken, PartnerLink, ReferralView, ReferralsService, ServiceTokenView, ServiceView } from '@tiltas/outreach';
import { NewServiceDto, ReferralStatusDto, ServiceChangesDto, ServiceTokenDto } from './outreach.dto';

/** What coordinators balance and keep: caseloads, automatic assignment, the service directory; and referral follow-up. */
@ApiTags('outreach: coordination')
@ApiCookieAuth()
@Controller('api/outreach')
export class OutreachCoordinationController {
  constructor(
    private readonly work: CaseWorkService,
    private readonly queue: CaseQueueService,
    private readonly referrals: ReferralsService,
  ) {}

  @Get('board')
  @Roles('COORDINATOR')
  @ApiOperation({ summary: 'Caseload board: every worker\'s open and due cases against their limit, and the unassigned backlog' })
  board(@CurrentActor() actor: Actor): Promise<CaseloadBoard> {
    return this.queue.board(actor);
  }

  @Post('assignments/auto')
  @HttpCode(200)
  @Roles('COORDINATOR')
  @ApiOperation({ summary: 'Assign the backlog automatically: most urgent cases to the least-loaded workers, within caseload limits' })
  autoAssign(@CurrentActor() actor: Actor): Promise<AutoAssignment> {
    return this.work.autoAssign(actor);
  }

  @Get('services')
  @Roles('WORKER', 'COORDINATOR', 'ADMIN')
  @ApiOperation({ summary: 'The municipality\'s directory of services and partners with the national ones (active ones unless all=true)' })
  services(@CurrentActor() actor: Actor, @Query('all') all?: string): Promise<ServiceView[]> {
    return this.referrals.listServices(actor, all !== 'true');
  }

  @Post('services')
  @Roles('COORDINATOR', 'ADMIN')
  @ApiOperation({ summary: 'Add a service or partner: a coordinator to the municipality\'s directory, the national administrator to the national one' })
  @ApiConflictResponse({ description: 'A service of that name is listed already' })
  addService(@CurrentActor() actor: Actor, @Body() body: NewServiceDto): Promise<ServiceView> {
    return this.referrals.addService(actor, body);
  }

  @Patch('services/:id')
  @Roles('COORDINATOR', 'ADMIN')
  @ApiOperation({ summary: 'Change or retire (active=false) a service' })
  updateService(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: ServiceChangesDto): Promise<ServiceView> {
    const { version, ...changes } = body;
    return this.referrals.updateService(actor, id, changes, version);
  }

  @Post('services/:id/tokens')
  @Roles('COORDINATOR', 'ADMIN')
  @ApiOperation({ summary: 'An API token for the service\'s partner organisation, good for that service\'s referrals only (shown once)' })
  createToken(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: ServiceTokenDto): Promise<CreatedServiceToken> {
    return this.referrals.createServiceToken(actor, id, body);
  }

  @Get('services/:id/tokens')
  @Roles('COORDINATOR', 'ADMIN')
  @ApiOperation({ summary: 'The partner tokens of a service (never their secrets)' })
  tokens(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number): Promise<ServiceTokenView[]> {
    return this.referrals.serviceTokens(actor, id);
  }

  @Delete('services/:id/tokens/:tokenId')
  @HttpCode(204)
  @Roles('COORDINATOR', 'ADMIN')
  @ApiOperation({ summary: 'Revoke a partner token of the service' })
  revokeToken(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Param('tokenId') tokenId: string): Promise<void> {
    return this.referrals.revokeServiceToken(actor, id, tokenId);
  }

  @Post('referrals/:id/link')
  @HttpCode(200)
  @Roles('WORKER', 'COORDINATOR')
  @ApiOperation({ summary: 'A signed, expiring link for the partner organisation to answer the referral (names no person)' })
  link(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number): Promise<PartnerLink> {
    return this.referrals.issueLink(actor, id);
  }

  @Patch('referrals/:id')
  @Roles('WORKER', 'COORDINATOR')
  @ApiOperation({ summary: 'Record the service\'s answer: SENT → ACCEPTED → STARTED → COMPLETED, or REJECTED' })
  @ApiConflictResponse({ description: 'Not a step the referral can take from its status' })
  updateReferral(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: ReferralStatusDto): Promise<ReferralView> {
    return this.referrals.updateStatus(actor, id, { status: body.status, rejectReason: body.rejectReason ?? null, note: body.note, version: body.version });
  }
}
