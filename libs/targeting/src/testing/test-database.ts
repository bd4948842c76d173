import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Test-only: a fresh PostgreSQL database with a unique name, created through the `postgres` superuser on
 * 127.0.0.1:5432 and dropped after, so tests never share or leave state.
 */
export interface TestDatabase {
  readonly name: string;
  readonly client: Client;
  drop(): Promise<void>;
}

const server = { host: '127.0.0.1', port: 5432, user: 'postgres' };

export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const admin = new Client({ ...server, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const client = new Client({ ...server, database: name });
  await client.connect();
  return {
    name,
    client,
    async drop() {
      await client.end();
      const again = new Client({ ...server, database: 'postgres' });
      await again.connect();
      try {
        await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.end();
      }
    },
  };
}
