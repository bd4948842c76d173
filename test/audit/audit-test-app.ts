import { Test } from '@nestjs/testing';
import { TestingModule } from '@nestjs/testing';
import { AuditModule, AuditService } from '@tiltas/audit';
import { ClockModule } from '@tiltas/common';
import { AppConfig, ConfigModule } from '@tiltas/config';
import { DatabaseModule, DatabaseService } from '@tiltas/database';

/** The audit lib as an app composes it, on a test database, connected as the application role. */
export async function auditTestApp(config: AppConfig): Promise<{ module: TestingModule; audit: AuditService; db: DatabaseService }> {
  const module = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(config), ClockModule.forRoot(), DatabaseModule.forRoot(), AuditModule],
  }).compile();
  await module.init();
  return { module, audit: module.get(AuditService), db: module.get(DatabaseService) };
}
