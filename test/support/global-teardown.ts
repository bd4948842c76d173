import './register-paths';
import { adminQuery } from './test-database';

export default async function globalTeardown(): Promise<void> {
  const template = process.env.TILTAS_TEST_TEMPLATE;
  if (!template) return;
  await adminQuery(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  delete process.env.TILTAS_TEST_TEMPLATE;
}
