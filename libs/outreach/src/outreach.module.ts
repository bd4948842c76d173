import { Module } from '@nestjs/common';
import { AuditModule } from '@tiltas/audit';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { ContactsModule } from '@tiltas/contacts';
import { createRedis } from '@tiltas/queue';
import { CaseQueueService } from './case-queue.service';
import { CaseWorkService } from './case-work.service';
import { CasesRepository } from './cases.repository';
import { ContactRevealService, OUTREACH_REDIS, OutreachRedisCloser } from './contact-reveal.service';
import { OutcomeImportRepository } from './outcome-import/outcome-import.repository';
import { OutcomeImportService } from './outcome-import/outcome-import.service';
import { ReferralsRepository } from './referrals.repository';
import { ReferralsService } from './referrals.service';
import { ResponseLinkLimits } from './response-links/response-link-limits';
import { ResponseLinksRepository } from './response-links/response-links.repository';
import { ResponseLinksService } from './response-links/response-links.service';
import { RevealsRepository } from './reveals.repository';
import { SubjectCasesModule } from './subject-cases.module';
import { WorkListsRepository } from './work-lists/work-lists.repository';
import { WorkListsService } from './work-lists/work-lists.service';

/**
 * Case work: assignment, the daily queue, contact reveal, attempts, outcomes, referrals, opt-outs and
 * hand-over, outcomes imported from another system, and the answers people give through response links. Needs ConfigModule, ClockModule and DatabaseModule (global) in the composing application.
 */
@Module({
  imports: [AuditModule, ContactsModule, SubjectCasesModule],
  providers: [
    { provide: OUTREACH_REDIS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createRedis(config, 'app') },
    OutreachRedisCloser,
    CasesRepository,
    ReferralsRepository,
    RevealsRepository,
    CaseWorkService,
    CaseQueueService,
    ReferralsService,
    ContactRevealService,
    OutcomeImportRepository,
    OutcomeImportService,
    ResponseLinksRepository,
    ResponseLinkLimits,
    ResponseLinksService,
    WorkListsRepository,
    WorkListsService,
  ],
  exports: [WorkListsService, CaseWorkService, CaseQueueService, ReferralsService, ContactRevealService, OutcomeImportService, ResponseLinksService],
})
export class OutreachModule {}
