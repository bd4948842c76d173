import { Module } from '@nestjs/common';
import { AnchorExporter } from './anchor-exporter';
import { AuditLogRepository } from './audit-log.repository';
import { AuditSealer } from './audit-sealer';
import { AuditService } from './audit.service';

/**
 * The audit log. Needs the global ConfigModule, ClockModule and DatabaseModule. The anchor and seal jobs'
 * handler (AuditAnchorHandler) is not provided here: the worker provides it, so no other app grows a second one.
 */
@Module({
  providers: [AuditLogRepository, AuditSealer, AuditService, AnchorExporter],
  exports: [AuditService, AnchorExporter],
})
export class AuditModule {}
