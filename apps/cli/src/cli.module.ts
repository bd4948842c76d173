import { DynamicModule, Module } from '@nestjs/common';
import { AccessModule } from '@tiltas/access';
import { AuditModule } from '@tiltas/audit';
import { Clock, ClockModule } from '@tiltas/common';
import { AppConfig, ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { IdentificationModule } from '@tiltas/identification';
import { LawfulBasesModule } from '@tiltas/lawful-bases';
import { CaseRetentionModule, OutreachModule } from '@tiltas/outreach';
import { QueueModule } from '@tiltas/queue';
import { RegistersModule } from '@tiltas/registers';

/** The operator's tool composes the same lib modules as the worker, with the owner's pool for loading. */
@Module({})
export class CliModule {
  static forRoot(config: AppConfig, clock?: Clock): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), ClockModule.forRoot(clock), DatabaseModule.forRoot({ owner: true }), QueueModule, AuditModule, LawfulBasesModule, AccessModule, RegistersModule.forRoot({ ingest: true }), IdentificationModule, OutreachModule, CaseRetentionModule],
    };
  }
}
