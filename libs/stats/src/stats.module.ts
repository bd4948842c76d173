import { Module } from '@nestjs/common';
import { AuditModule } from '@tiltas/audit';
import { LawfulBasesModule } from '@tiltas/lawful-bases';
import { ComparisonRepository } from './comparison.repository';
import { ComparisonService } from './comparison.service';
import { FindingsRepository } from './findings.repository';
import { FindingsService } from './findings.service';
import { StatsRepository } from './stats.repository';
import { StatsService } from './stats.service';

/**
 * The statistics: funnels, outcomes, referrals and the follow-up evaluation, with small-cell suppression.
 * Needs ConfigModule, ClockModule and DatabaseModule (global) in the composing application.
 */
@Module({
  imports: [AuditModule, LawfulBasesModule],
  providers: [StatsRepository, StatsService, FindingsRepository, FindingsService, ComparisonRepository, ComparisonService],
  exports: [StatsService, FindingsService, ComparisonService],
})
export class StatsModule {}
