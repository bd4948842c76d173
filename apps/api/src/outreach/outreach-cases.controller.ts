import { Body, Controller, Get, HttpCode, Post, Put, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import {
  AttemptRecorded,
  CaseChange,
  CaseDetail,
  CaseQueueService,
  CaseSummary,
  CaseWorkService,
  ClosedCase,
  ContactRevealService,
  DailyQueue,
  ReferralView,
  ReferralsService,
  RevealedContact,
} from '@tiltas/outreach';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors, IdParam } from '../platform/api-docs';
import { ATTEMPT_RECORDED, CASE_CHANGE, CASE_DETAIL, CASE_SUMMARY, CLOSED_CASE, DAILY_QUEUE, REFERRAL_VIEW, REVEALED_CONTACT, listOf } from '../platform/api-schemas';
import { AssignDto, AttemptDto, CaseListQueryDto, CloseDto, HandOverDto, QueueQueryDto, ReferDto, RequiredVersionDto, RevealDto, ScheduleDto, VersionDto } from './outreach.dto';

/**
 * A worker's day and a coordinator's case handling. Every route is one service call; scope, holding and
 * the case life are decided in @tiltas/outreach under row-level security. A case outside the caller's
 * scope is 404 whatever the route, so nothing tells whether it exists.
 */
@ApiStandardErrors()
@ApiTags('outreach: cases')
@Controller('api/outreach')
@Roles('WORKER', 'COORDINATOR')
export class OutreachCasesController {
  constructor(
    private readonly work: CaseWorkService,
    private readonly queue: CaseQueueService,
    private readonly reveals: ContactRevealService,
    private readonly referrals: ReferralsService,
  ) {}

  @Get('queue')
  @ApiOperation({ summary: 'The daily contact queue: cases I hold that are due today, most urgent first, with why listed, age band, cohorts, window dates, attempts; no contact details' })
  @ApiJsonResponse(200, 'Today\'s queue', DAILY_QUEUE)
  dailyQueue(@CurrentActor() actor: Actor, @Query() query: QueueQueryDto): Promise<DailyQueue> {
    return this.queue.dailyQueue(actor, query.limit);
  }

  @Post('cases/claim-next')
  @HttpCode(200)
  @ApiOperation({ summary: 'Take the most urgent unassigned case of my municipality' })
  @ApiErrorResponse(409, 'No unassigned case left to claim')
  @ApiJsonResponse(200, 'The case now held', CASE_CHANGE)
  claimNext(@CurrentActor() actor: Actor): Promise<CaseChange> {
    return this.work.claimNext(actor);
  }

  @Get('cases')
  @ApiOperation({ summary: 'Cases of my scope: a coordinator\'s municipality, a worker\'s own' })
  @ApiJsonResponse(200, 'The cases, most urgent first', listOf(CASE_SUMMARY))
  list(@CurrentActor() actor: Actor, @Query() query: CaseListQueryDto): Promise<CaseSummary[]> {
    return this.queue.list(actor, query);
  }

  @Get('cases/:id')
  @ApiOperation({ summary: 'A case: why listed, age band, attempts, referrals and history (no contact details)' })
  @ApiErrorResponse(404, 'No such case in my scope')
  @ApiJsonResponse(200, 'The case', CASE_DETAIL)
  detail(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number): Promise<CaseDetail> {
    return this.queue.detail(actor, id);
  }

  @Post('cases/:id/claim')
  @HttpCode(200)
  @ApiOperation({ summary: 'Take one unassigned case at the version I read' })
  @ApiErrorResponse(409, 'The case was claimed, assigned or changed meanwhile')
  @ApiJsonResponse(200, 'The case now held', CASE_CHANGE)
  @ApiErrorResponse(404, 'No such case in my scope')
  claim(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: RequiredVersionDto): Promise<CaseChange> {
    return this.work.claim(actor, id, body.version);
  }

  @Post('cases/:id/reveal')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reveal the person\'s contact details for a case I hold, with a stated purpose (logged, rate-limited)' })
  @ApiErrorResponse(403, 'I do not hold the case (coordinator), or I am not a worker or coordinator')
  @ApiErrorResponse(404, 'No such case in my scope, or no contact details in the active contacts extract')
  @ApiErrorResponse(429, 'Hourly reveal limit reached')
  @ApiJsonResponse(200, 'The contact details (logged)', REVEALED_CONTACT)
  reveal(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: RevealDto): Promise<RevealedContact> {
    return this.reveals.reveal(actor, id, body.purpose);
  }

  @Post('cases/:id/attempts')
  @ApiOperation({ summary: 'Record a contact attempt (channel, time, result, note, next attempt date)' })
  @ApiErrorResponse(409, 'The case is NEW or CLOSED, or changed since the version given')
  @ApiJsonResponse(201, 'The attempt recorded and the case after it', ATTEMPT_RECORDED)
  @ApiErrorResponse(404, 'No such case in my scope')
  attempt(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: AttemptDto): Promise<AttemptRecorded> {
    return this.work.recordAttempt(actor, id, body);
  }

  @Put('cases/:id/next-attempt')
  @ApiOperation({ summary: 'Schedule the next attempt (or clear it to make the case due now)' })
  @ApiJsonResponse(200, 'The case after it', CASE_CHANGE)
  @ApiErrorResponse(404, 'No such case in my scope')
  @ApiErrorResponse(409, 'The case is closed, or changed since the version given')
  schedule(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: ScheduleDto): Promise<CaseChange> {
    return this.work.scheduleNext(actor, id, body.on ?? null, body.version);
  }

  @Post('cases/:id/close')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close with an outcome: UNREACHABLE after the configured unanswered attempts, SUPPORT_ACCEPTED with a referral, NOT_ELIGIBLE with a reason, MOVED_AWAY hands over, OPTED_OUT records a national opt-out' })
  @ApiErrorResponse(409, 'The outcome\'s rule is not met, or the case cannot close in its status')
  @ApiJsonResponse(200, 'The closed case', CLOSED_CASE)
  @ApiErrorResponse(404, 'No such case in my scope')
  close(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: CloseDto): Promise<ClosedCase> {
    return this.work.close(actor, id, body);
  }

  @Post('cases/:id/opt-out')
  @HttpCode(200)
  @ApiOperation({ summary: 'The person asked not to be contacted: close as OPTED_OUT and record a national opt-out' })
  @ApiJsonResponse(200, 'The closed case and the opt-out recorded', CLOSED_CASE)
  @ApiErrorResponse(404, 'No such case in my scope')
  @ApiErrorResponse(409, 'The case is closed, or changed since the version given')
  optOut(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: VersionDto): Promise<ClosedCase> {
    return this.work.optOut(actor, id, body.version);
  }

  @Get('cases/:id/referrals')
  @ApiOperation({ summary: 'Referrals of a case' })
  @ApiJsonResponse(200, 'The referrals, oldest first', listOf(REFERRAL_VIEW))
  @ApiErrorResponse(404, 'No such case in my scope')
  caseReferrals(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number): Promise<ReferralView[]> {
    return this.referrals.listReferrals(actor, id);
  }

  @Post('cases/:id/referrals')
  @ApiOperation({ summary: 'Refer the person to a service of the municipality\'s directory (status SENT)' })
  @ApiJsonResponse(201, 'The referral (SENT)', REFERRAL_VIEW)
  @ApiErrorResponse(404, 'No such case in my scope')
  @ApiErrorResponse(409, 'The service is no longer active, or the case cannot take a referral in its status')
  refer(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: ReferDto): Promise<ReferralView> {
    return this.referrals.refer(actor, id, body.serviceId, body.note);
  }

  @Post('cases/:id/assign')
  @HttpCode(200)
  @Roles('COORDINATOR')
  @ApiOperation({ summary: 'Assign (NEW) or reassign (ASSIGNED, IN_PROGRESS) a case to a worker, at the version read' })
  @ApiErrorResponse(409, 'The case was claimed or changed meanwhile, or the worker is at their caseload limit')
  @ApiJsonResponse(200, 'The case after it', CASE_CHANGE)
  @ApiErrorResponse(404, 'No such case in my scope, or no such enabled worker of its municipality')
  assign(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: AssignDto): Promise<CaseChange> {
    return this.work.assign(actor, id, body.userId, body.version);
  }

  @Post('cases/:id/hand-over')
  @HttpCode(200)
  @Roles('COORDINATOR')
  @ApiOperation({ summary: 'Hand the case over to the municipality the person moved to, with its history (closed here as MOVED_AWAY)' })
  @ApiJsonResponse(200, 'The case closed here and the new case there', CLOSED_CASE)
  @ApiErrorResponse(404, 'No such case in my scope')
  @ApiErrorResponse(409, 'The case is closed, or changed since the version given, or the municipality is its own')
  handOver(@CurrentActor() actor: Actor, @IdParam('id', 'int8') id: number, @Body() body: HandOverDto): Promise<ClosedCase> {
    return this.work.handOver(actor, id, body.toMunicipality, body.version, body.reason);
  }
}
