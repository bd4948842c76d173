import { Module } from '@nestjs/common';
import { AuditLogRepository } from './audit-log.repository';
import { AuditService } from './audit.service';

/**
 * The audit log. Needs the global ConfigModule, ClockModule and DatabaseModule. The anchor job's handler
 * (AuditAnchorHandler) is not provided here: the worker provides it, so no other app grows a second one.
 */
@Module({
  providers: [AuditLogRepository, AuditService],
  exports: [AuditService],
})
export class AuditModule {}
