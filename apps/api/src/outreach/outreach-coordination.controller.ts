import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { AutoAssignment, CaseWorkService, CaseQueueService, CaseloadBoard, CreatedServiceToken, PartnerLink, ReferralView, ReferralsService, ServiceTokenView, ServiceView } from '@tiltas/outreach';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors, IdParam } from '../platform/api-docs';
import { AUTO_ASSIGNMENT, CASELOAD_BOARD, CREATED_SERVICE_TOKEN, PARTNER_LINK, REFERRAL_VIEW, SERVICE_TOKEN_VIEW, SERVICE_VIEW, listOf } from '../platform/api-schemas';
import { NewServiceDto, ReferralStatusDto, ServiceChangesDto, ServiceTokenDto, ServicesQueryDto } from './outreach.dto';

/** What coordinators balance and keep: caseloads, automatic assignment, the service directory; and referral follow-up. */
@ApiStandardErrors()
@ApiTags('outreach: coordination')
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
  @ApiJsonResponse(200, 'The board', CASELOAD_BOARD)
  board(@CurrentActor() actor: Actor): Promise<CaseloadBoard> {
    return this.queue.board(actor);
  }

  @Post('assignments/auto')
  @HttpCode(200)
  @Roles('COORDINATOR')
  @ApiOperation({ summary: 'Assign the backlog automatically: most urgent cases to the least-loaded workers, within caseload limits' })
  @ApiJsonResponse(200, 'What was assigned to whom', AUTO_ASSIGNMENT)
  autoAssign(@CurrentActor() actor: Actor): Promise<AutoAssignment> {
    return this.work.autoAssign(actor);
  }

  @Get('services')
  @Roles('WORKER', 'COORDINATOR', 'ADMIN')
  @ApiOperation({ summary: 'The municipality\'s directory of services and partners with the national ones (active ones unless all=true)' })
  @ApiJsonResponse(200, 'The services', listOf(SERVICE_VIEW))
  services(@CurrentActor() actor: Actor, @Query() query: ServicesQueryDto): Promise<ServiceView[]> {
    return this.referrals.listServices(actor, query.all !== 'true');
  }

  @Post('services')
  @Roles('COORDINATOR', 'ADMIN')
  @ApiOperation({ summary: 'Add a service or partner: a coordinator to the municipality\'s directory, the national administrator to the national one' })
  @ApiErrorResponse(409, 'A service of that name is listed already')
  @ApiJsonResponse(201, 'The service added', SERVICE_VIEW)
  addService(@CurrentActor() actor: Actor, @Body() body: NewServiceDto): Promise<ServiceView> {
    return this.referrals.addService(actor, body);
  }

  @Patch('services/:id')
  @Roles('COORDINATOR', 'ADMIN')
  @ApiOperation({ summary: 'Change or retire (active=false) a service' })
  @ApiJsonResponse(200, 'The service after the change', SERVICE_VIEW)
  @ApiErrorResponse(404, 'No such service in my municipality')
  @ApiErrorResponse(409, 'Changed since the version given, or another service has that name')
  updateService(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: ServiceChangesDto): Promise<ServiceView> {
    const { version, ...changes } = body;
    return this.referrals.updateService(actor, id, changes, version);
  }

  @Post('services/:id/tokens')
  @Roles('COORDINATOR', 'ADMIN')
  @ApiOperation({ summary: 'An API token for the service\'s partner organisation, good for that service\'s referrals only (shown once)' })
  @ApiJsonResponse(201, 'The token, shown this once', CREATED_SERVICE_TOKEN)
  @ApiErrorResponse(404, 'No such service in my scope')
  @ApiErrorResponse(409, 'The service is retired')
  createToken(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: ServiceTokenDto): Promise<CreatedServiceToken> {
    return this.referrals.createServiceToken(actor, id, body);
  }

  @Get('services/:id/tokens')
  @Roles('COORDINATOR', 'ADMIN')
  @ApiOperation({ summary: 'The partner tokens of a service (never their secrets)' })
  @ApiJsonResponse(200, 'The tokens', listOf(SERVICE_TOKEN_VIEW))
  @ApiErrorResponse(404, 'No such service in my scope')
  tokens(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number): Promise<ServiceTokenView[]> {
    return this.referrals.serviceTokens(actor, id);
  }

  @Delete('services/:id/tokens/:tokenId')
  @HttpCode(204)
  @Roles('COORDINATOR', 'ADMIN')
  @ApiOperation({ summary: 'Revoke a partner token of the service' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrorResponse(404, 'No such service or token in my scope')
  revokeToken(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Param('tokenId') tokenId: string): Promise<void> {
    return this.referrals.revokeServiceToken(actor, id, tokenId);
  }

  @Post('referrals/:id/link')
  @HttpCode(200)
  @Roles('WORKER', 'COORDINATOR')
  @ApiOperation({ summary: 'A signed, expiring link for the partner organisation to answer the referral (names no person)' })
  @ApiJsonResponse(200, 'The link', PARTNER_LINK)
  @ApiErrorResponse(404, 'No such referral in my scope')
  @ApiErrorResponse(409, 'The referral is closed')
  link(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number): Promise<PartnerLink> {
    return this.referrals.issueLink(actor, id);
  }

  @Patch('referrals/:id')
  @Roles('WORKER', 'COORDINATOR')
  @ApiOperation({ summary: 'Record the service\'s answer: SENT → ACCEPTED → STARTED → COMPLETED, or REJECTED' })
  @ApiErrorResponse(409, 'Not a step the referral can take from its status')
  @ApiJsonResponse(200, 'The referral after the step', REFERRAL_VIEW)
  @ApiErrorResponse(404, 'No such referral in my scope')
  updateReferral(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: ReferralStatusDto): Promise<ReferralView> {
    return this.referrals.updateStatus(actor, id, { status: body.status, rejectReason: body.rejectReason ?? null, note: body.note, version: body.version });
  }
}
