import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@tiltas/config';
import { DataSource } from 'typeorm';

/**
 * A TypeORM DataSource as the table owner, for the transactions that need both owner rights and an
 * EntityManager (so the audit entry commits with them): attaching an extract's partition and switching the
 * active extract, dropping superseded extracts, deleting closed cases past their retention period. Only the
 * worker and the CLI build it (DatabaseModule.forRoot({ owner: true })); the api never has it.
 */
export const OWNER_DATA_SOURCE = Symbol('OWNER_DATA_SOURCE');

export async function createOwnerDataSource(config: AppConfig): Promise<DataSource> {
  const ds = new DataSource({
    type: 'postgres',
    url: config.database.ownerUrl,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: 2, application_name: 'tiltas-owner-tx' },
  });
  return ds.initialize();
}

@Injectable()
export class OwnerDataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(OWNER_DATA_SOURCE) private readonly ds: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}
