import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OutageReporter } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { Pool } from 'pg';
import { DatabaseService } from './database.service';
import { createOwnerDataSource, OWNER_DATA_SOURCE, OwnerDataSourceCloser } from './owner-data-source';

/**
 * The owner's pool: table owner (or superuser) rights, for the few paths that need DDL or a right the
 * application role lacks: loading an extract into its own partition, dropping superseded ones, deleting
 * closed cases past retention. Only the worker and the CLI get it (and OWNER_DATA_SOURCE beside it).
 */
export const OWNER_POOL = Symbol('OWNER_POOL');

@Injectable()
class OwnerPoolCloser implements OnApplicationShutdown {
  constructor(@Inject(OWNER_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

export interface DatabaseModuleOptions {
  /** Also provide OWNER_POOL and OWNER_DATA_SOURCE (worker, CLI). The api never has them. */
  readonly owner?: boolean;
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions = {}): DynamicModule {
    const ownerProviders = options.owner
      ? [
          {
            provide: OWNER_POOL,
            inject: [APP_CONFIG],
            useFactory: (config: AppConfig) => {
              const pool = new Pool({ connectionString: config.database.ownerUrl, max: 4, application_name: 'tiltas-owner' });
              // An idle connection the server ends (a restart, an administrator) must not take the process down:
              // the pool drops it and the next checkout connects afresh.
              pool.on('error', (err) => new Logger('Database').warn({ err }, 'an idle owner connection was closed by the server'));
              // pg-pool listens for errors only on idle clients; one checked out (an ingest mid-COPY) whose
              // backend is terminated would emit an unhandled 'error' and end the process. Its query fails
              // and the caller decides (the job retries); the event itself needs only one line per outage.
              const lost = new OutageReporter(new Logger('Database'), 'PostgreSQL (owner connection)');
              pool.on('connect', (client) => {
                client.on('error', (err) => lost.failed(err));
                lost.recovered();
              });
              return pool;
            },
          },
          OwnerPoolCloser,
          { provide: OWNER_DATA_SOURCE, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createOwnerDataSource(config) },
          OwnerDataSourceCloser,
        ]
      : [];
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            type: 'postgres' as const,
            url: config.database.appUrl,
            // Entities come from each lib's TypeOrmModule.forFeature list: the schema comes from migrations only.
            autoLoadEntities: true,
            synchronize: false,
            migrationsRun: false,
            extra: { max: config.database.poolSize, application_name: 'tiltas' },
          }),
        }),
      ],
      providers: [DatabaseService, ...ownerProviders],
      exports: [DatabaseService, ...(options.owner ? [OWNER_POOL, OWNER_DATA_SOURCE] : [])],
    };
  }
}
