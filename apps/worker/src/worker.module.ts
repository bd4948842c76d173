import { DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { Clock, ClockModule } from '@tiltas/common';
import { AppConfig, ConfigModule } from '@tiltas/config';
import { AuditAnchorHandler, AuditModule } from '@tiltas/audit';
import { DatabaseModule } from '@tiltas/database';
import { IdentificationModule, IdentifyHandler } from '@tiltas/identification';
import { LettersModule, SendMessageHandler } from '@tiltas/letters';
import { CaseRetentionModule } from '@tiltas/outreach';
import { QueueModule } from '@tiltas/queue';
import { RegistersModule } from '@tiltas/registers';
import { Registry } from 'prom-client';
import { AuditAnchorSchedule } from './audit-anchor.schedule';
import { IdentifySchedule } from './identify.schedule';
import { IngestUploadHandler } from './ingest-upload.handler';
import { JobHandlerRegistry } from './job-handler-registry';
import { JobRunnerService, WORKER_METRICS } from './job-runner.service';
import { PingHandler } from './ping.handler';
import { RetentionHandler } from './retention.handler';
import { RetentionSchedule } from './retention.schedule';
import { SchedulesService } from './schedules.service';
import { WorkerHealthService } from './worker-health.service';

export interface WorkerModuleOptions {
  readonly config?: AppConfig;
  readonly clock?: Clock;
  /** Tests turn the cron schedules off and tick by hand. */
  readonly schedules?: boolean;
}

@Module({})
export class WorkerModule {
  static forRoot(options: WorkerModuleOptions = {}): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(options.config),
        ClockModule.forRoot(options.clock),
        DatabaseModule.forRoot({ owner: true }),
        QueueModule,
        AuditModule,
        IdentificationModule,
        LettersModule,
        RegistersModule.forRoot({ ingest: true }),
        CaseRetentionModule,
        DiscoveryModule,
        ...(options.schedules === false ? [] : [ScheduleModule.forRoot()]),
      ],
      providers: [
        { provide: WORKER_METRICS, useValue: new Registry() },
        JobHandlerRegistry,
        JobRunnerService,
        WorkerHealthService,
        SchedulesService,
        PingHandler,
        AuditAnchorHandler,
        AuditAnchorSchedule,
        IngestUploadHandler,
        RetentionHandler,
        RetentionSchedule,
        IdentifyHandler,
        IdentifySchedule,
        SendMessageHandler,
      ],
      exports: [IdentifySchedule, AuditAnchorSchedule, RetentionSchedule, SchedulesService, JobRunnerService, WorkerHealthService],
    };
  }
}
