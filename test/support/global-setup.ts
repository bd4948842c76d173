import './register-paths';
import { runMigrations } from '@tiltas/database';
import { MIGRATIONS } from '@tiltas/migrations';
import { adminQuery, testConfig } from './test-database';

/**
 * Migrates one template database for this test run; each test file clones it (CREATE DATABASE … TEMPLATE),
 * which is much faster than migrating per file. The name carries the run's pid, so parallel runs on one
 * machine (CI and a developer) do not collide.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TILTAS_TEST_TEMPLATE) return;
  const prefix = process.env.TILTAS_TEST_DB_PREFIX ?? 'tiltas_test';
  const template = `${prefix}_tpl_${process.pid}`;
  await adminQuery(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE ${template}`);
  await runMigrations(testConfig(template), MIGRATIONS);
  process.env.TILTAS_TEST_TEMPLATE = template;
}
