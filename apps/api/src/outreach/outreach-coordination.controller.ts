import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { AutoAssignment, CaseWorkService, CaseQueueService, CaseloadBoard, ReferralView, ReferralsService, ServiceView } from '@tiltas/outreach';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors, IdParam } from '../platform/api-docs';
import { AUTO_ASSIGNMENT, CASELOAD_BOARD, REFERRAL_VIEW, SERVICE_VIEW, listOf } from '../platform/api-schemas';
import { NewServiceDto, ReferralStatusDto, ServiceChangesDto, ServicesQueryDto } from './outreach.dto';

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
  @Roles('WORKER', 'COORDINATOR')
  @ApiOperation({ summary: 'The municipality\'s directory of services and partners (active ones unless all=true)' })
  @ApiJsonResponse(200, 'The services', listOf(SERVICE_VIEW))
  services(@CurrentActor() actor: Actor, @Query() query: ServicesQueryDto): Promise<ServiceView[]> {
    return this.referrals.listServices(actor, query.all !== 'true');
  }

  @Post('services')
  @Roles('COORDINATOR')
  @ApiOperation({ summary: 'Add a service or partner to the directory' })
  @ApiErrorResponse(409, 'A service of that name is listed already')
  @ApiJsonResponse(201, 'The service added', SERVICE_VIEW)
  addService(@CurrentActor() actor: Actor, @Body() body: NewServiceDto): Promise<ServiceView> {
    return this.referrals.addService(actor, body);
  }

  @Patch('services/:id')
  @Roles('COORDINATOR')
  @ApiOperation({ summary: 'Change or deactivate a service' })
  @ApiJsonResponse(200, 'The service after the change', SERVICE_VIEW)
  @ApiErrorResponse(404, 'No such service in my municipality')
  @ApiErrorResponse(409, 'Changed since the version given, or another service has that name')
  updateService(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: ServiceChangesDto): Promise<ServiceView> {
    const { version, ...changes } = body;
    return this.referrals.updateService(actor, id, changes, version);
  }

  @Patch('referrals/:id')
  @Roles('WORKER', 'COORDINATOR')
  @ApiOperation({ summary: 'Record the service\'s answer: SENT → ACCEPTED → STARTED → COMPLETED, or REJECTED' })
  @ApiErrorResponse(409, 'Not a step the referral can take from its status')
  @ApiJsonResponse(200, 'The referral after the step', REFERRAL_VIEW)
  @ApiErrorResponse(404, 'No such referral in my scope')
  updateReferral(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: ReferralStatusDto): Promise<ReferralView> {
    return this.referrals.updateStatus(actor, id, body.status, body.note, body.version);
  }
}
