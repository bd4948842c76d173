import { AppConfig } from '@tiltas/config';
import { DataSource } from 'typeorm';

/**
 * A TypeORM DataSource as the table owner, for the one transaction that needs both owner rights and an
 * EntityManager: attaching an extract's partition, switching the active extract and writing the audit
 * entry, all or nothing. Only the worker and the CLI build it (RegistersModule.forRoot({ ingest: true })).
 */
export const OWNER_DATA_SOURCE = Symbol('OWNER_DATA_SOURCE');

export async function createOwnerDataSource(config: AppConfig): Promise<DataSource> {
  const ds = new DataSource({
    type: 'postgres',
    url: config.database.ownerUrl,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: 2, application_name: 'tiltas-ingest' },
  });
  return ds.initialize();
}
