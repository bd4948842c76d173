import { Module } from '@nestjs/common';
import { AuditModule } from '@tiltas/audit';
import { CaseRetentionRepository } from './case-retention.repository';
import { CaseRetentionService } from './case-retention.service';

/**
 * Retention of closed cases, apart from OutreachModule so the worker gets it without case work's Redis
 * counters. Needs ConfigModule, ClockModule and DatabaseModule.forRoot({ owner: true }) (global).
 */
@Module({
  imports: [AuditModule],
  providers: [CaseRetentionRepository, CaseRetentionService],
  exports: [CaseRetentionService],
})
export class CaseRetentionModule {}
