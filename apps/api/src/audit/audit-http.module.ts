import { Module } from '@nestjs/common';
import { AuditModule } from '@tiltas/audit';
import { AuditController } from './audit.controller';

@Module({ imports: [AuditModule], controllers: [AuditController] })
export class AuditHttpModule {}
