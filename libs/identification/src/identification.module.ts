import { Module } from '@nestjs/common';
import { AuditModule } from '@tiltas/audit';
import { LawfulBasesModule } from '@tiltas/lawful-bases';
import { CaseExportService } from './cases/case-export.service';
import { CriteriaRepository } from './criteria/criteria.repository';
import { CriteriaService } from './criteria/criteria.service';
import { PreviewService } from './preview/preview.service';
import { IdentificationService } from './runs/identification.service';
import { RunsRepository } from './runs/runs.repository';

/**
 * Criteria versions, preview, identification runs and the case export. Needs the global ConfigModule,
 * ClockModule and DatabaseModule. The worker adds IdentifyHandler itself, so only it handles the job.
 */
@Module({
  imports: [AuditModule, LawfulBasesModule],
  providers: [CriteriaRepository, CriteriaService, RunsRepository, IdentificationService, PreviewService, CaseExportService],
  exports: [CriteriaService, IdentificationService, PreviewService, CaseExportService],
})
export class IdentificationModule {}
