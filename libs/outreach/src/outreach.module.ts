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
import { RevealsRepository } from './reveals.repository';
import { SubjectCasesModule } from './subject-cases.module';

/**
 * Case work: assignment, the daily queue, contact reveal, attempts, outcomes, referrals, opt-outs and
 * hand-over, and outcomes imported from another system. Needs ConfigModule, ClockModule and DatabaseModule (global) in the composing application.
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
  ],
  exports: [CaseWorkService, CaseQueueService, ReferralsService, ContactRevealService, OutcomeImportService],
})
export class OutreachModule {}
