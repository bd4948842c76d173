import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Put, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCookieAuth, ApiForbiddenResponse, ApiNotFoundResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
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
import { AssignDto, AttemptDto, CaseListQueryDto, CloseDto, HandOverDto, QueueQueryDto, ReferDto, RequiredVersionDto, RevealDto, ScheduleDto, VersionDto } from './outreach.dto';

/**
 * A worker's day and a coordinator's case handling. Every route is one service call; scope, holding and
 * the case life are decided in @tiltas/outreach under row-level security. A case outside the caller's
 * scope is 404 whatever the route, so nothing tells whether it exists.
 */
@ApiTags('outreach: cases')
@ApiCookieAuth()
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
  dailyQueue(@CurrentActor() actor: Actor, @Query() query: QueueQueryDto): Promise<DailyQueue> {
    return this.queue.dailyQueue(actor, query.limit);
  }

  @Post('cases/claim-next')
  @HttpCode(200)
  @ApiOperation({ summary: 'Take the most urgent unassigned case of my municipality' })
  @ApiConflictResponse({ description: 'No unassigned case left to claim' })
  claimNext(@CurrentActor() actor: Actor): Promise<CaseChange> {
    return this.work.claimNext(actor);
  }

  @Get('cases')
  @ApiOperation({ summary: 'Cases of my scope: a coordinator\'s municipality, a worker\'s own' })
  list(@CurrentActor() actor: Actor, @Query() query: CaseListQueryDto): Promise<CaseSummary[]> {
    return this.queue.list(actor, query);
  }

  @Get('cases/:id')
  @ApiOperation({ summary: 'A case: why listed, age band, attempts, referrals and history (no contact details)' })
  @ApiNotFoundResponse({ description: 'No such case in my scope' })
  detail(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number): Promise<CaseDetail> {
    return this.queue.detail(actor, id);
  }

  @Post('cases/:id/claim')
  @HttpCode(200)
  @ApiOperation({ summary: 'Take one unassigned case at the version I read' })
  @ApiConflictResponse({ description: 'The case was claimed, assigned or changed meanwhile' })
  claim(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: RequiredVersionDto): Promise<CaseChange> {
    return this.work.claim(actor, id, body.version);
  }

  @Post('cases/:id/reveal')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reveal the person\'s contact details for a case I hold, with a stated purpose (logged, rate-limited)' })
  @ApiForbiddenResponse({ description: 'I do not hold the case (coordinator), or I am not a worker or coordinator' })
  @ApiNotFoundResponse({ description: 'No such case in my scope, or no contact details in the active contacts extract' })
  @ApiTooManyRequestsResponse({ description: 'Hourly reveal limit reached' })
  reveal(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: RevealDto): Promise<RevealedContact> {
    return this.reveals.reveal(actor, id, body.purpose);
  }

  @Post('cases/:id/attempts')
  @ApiOperation({ summary: 'Record a contact attempt (channel, time, result, note, next attempt date)' })
  @ApiConflictResponse({ description: 'The case is NEW or CLOSED, or changed since the version given' })
  attempt(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: AttemptDto): Promise<AttemptRecorded> {
    return this.work.recordAttempt(actor, id, body);
  }

  @Put('cases/:id/next-attempt')
  @ApiOperation({ summary: 'Schedule the next attempt (or clear it to make the case due now)' })
  schedule(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: ScheduleDto): Promise<CaseChange> {
    return this.work.scheduleNext(actor, id, body.on ?? null, body.version);
  }

  @Post('cases/:id/close')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close with an outcome: UNREACHABLE after the configured unanswered attempts, SUPPORT_ACCEPTED with a referral, NOT_ELIGIBLE with a reason, MOVED_AWAY hands over, OPTED_OUT records a national opt-out' })
  @ApiConflictResponse({ description: 'The outcome\'s rule is not met, or the case cannot close in its status' })
  close(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: CloseDto): Promise<ClosedCase> {
    return this.work.close(actor, id, body);
  }

  @Post('cases/:id/opt-out')
  @HttpCode(200)
  @ApiOperation({ summary: 'The person asked not to be contacted: close as OPTED_OUT and record a national opt-out' })
  optOut(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: VersionDto): Promise<ClosedCase> {
    return this.work.optOut(actor, id, body.version);
  }

  @Get('cases/:id/referrals')
  @ApiOperation({ summary: 'Referrals of a case' })
  caseReferrals(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number): Promise<ReferralView[]> {
    return this.referrals.listReferrals(actor, id);
  }

  @Post('cases/:id/referrals')
  @ApiOperation({ summary: 'Refer the person to a service of the municipality\'s directory (status SENT)' })
  refer(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: ReferDto): Promise<ReferralView> {
    return this.referrals.refer(actor, id, body.serviceId, body.note);
  }

  @Post('cases/:id/assign')
  @HttpCode(200)
  @Roles('COORDINATOR')
  @ApiOperation({ summary: 'Assign (NEW) or reassign (ASSIGNED, IN_PROGRESS) a case to a worker, at the version read' })
  @ApiConflictResponse({ description: 'The case was claimed or changed meanwhile, or the worker is at their caseload limit' })
  assign(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: AssignDto): Promise<CaseChange> {
    return this.work.assign(actor, id, body.userId, body.version);
  }

  @Post('cases/:id/hand-over')
  @HttpCode(200)
  @Roles('COORDINATOR')
  @ApiOperation({ summary: 'Hand the case over to the municipality the person moved to, with its history (closed here as MOVED_AWAY)' })
  handOver(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: HandOverDto): Promise<ClosedCase> {
    return this.work.handOver(actor, id, body.toMunicipality, body.version, body.reason);
  }
}
