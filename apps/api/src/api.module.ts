import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuthGuard, RolesGuard } from '@tiltas/access';
import { TerminusModule } from '@nestjs/terminus';
import { Clock, ClockModule } from '@tiltas/common';
import { AppConfig, ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { QueueModule } from '@tiltas/queue';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { AuditHttpModule } from './audit/audit-http.module';
import { AuthHttpModule } from './auth/auth-http.module';
import { ExtractsHttpModule } from './extracts/extracts-http.module';
import { CriteriaHttpModule } from './criteria/criteria-http.module';
import { LawfulBasesHttpModule } from './lawful-bases/lawful-bases-http.module';
import { LettersHttpModule } from './letters/letters-http.module';
import { PagesModule } from './pages/pages.module';
import { OutreachHttpModule } from './outreach/outreach-http.module';
import { DomainErrorFilter } from './platform/domain-error.filter';
import { RunsHttpModule } from './runs/runs-http.module';
import { StatsHttpModule } from './stats/stats-http.module';
import { HealthController } from './system/health.controller';
import { API_METRICS, MetricsController } from './system/metrics.controller';
import { StatusPageController } from './system/status-page.controller';
import { SystemController } from './system/system.controller';
import { SystemStatusService } from './system/system-status.service';

export interface ApiModuleOptions {
  readonly config?: AppConfig;
  readonly clock?: Clock;
}

function metricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tiltas_' });
  return registry;
}

@Module({})
export class ApiModule {
  static forRoot(options: ApiModuleOptions = {}): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(options.config),
        ClockModule.forRoot(options.clock),
        DatabaseModule.forRoot(),
        QueueModule,
        // A load balancer probes readiness every few seconds: a red one is in the response, and the outage is
        // already logged once by the connection that lost it (OutageReporter), not once per probe.
        TerminusModule.forRoot({ logger: false }),
        AuthHttpModule,
        LawfulBasesHttpModule,
        AuditHttpModule,
        CriteriaHttpModule,
        RunsHttpModule,
        LettersHttpModule,
        OutreachHttpModule,
        PagesModule,
        ExtractsHttpModule,
        StatsHttpModule,
      ],
      controllers: [HealthController, MetricsController, StatusPageController, SystemController],
      providers: [
        { provide: API_METRICS, useFactory: metricsRegistry },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
        // Order matters: who is asking (AuthGuard, with the CSRF check) before what their role allows.
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_GUARD, useExisting: RolesGuard },
        SystemStatusService,
      ],
    };
  }
}
