import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { UsersService } from '@tiltas/access';
import { systemActor } from '@tiltas/audit';
import { LawfulBasisService } from '@tiltas/lawful-bases';
import { CriteriaService } from '@tiltas/identification';
import { IngestService } from '@tiltas/registers';
import { STANDARD_CRITERION_IDS } from '@tiltas/targeting';
import { generateNation, personalCodeOf } from '@tiltas/synth';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressInfo } from 'node:net';
import { ApiModule } from '../../../apps/api/src/api.module';
import { configureApp } from '../../../apps/api/src/configure-app';
import { WorkerModule } from '../../../apps/worker/src/worker.module';
import { TestDatabase, createTestDatabase } from '../../support/test-database';

export const PASSWORD = 'browser-test-password';
export const NATION = { people: 400, asOf: '2026-10-01', seed: 'browser' } as const;

export interface TestUser {
  readonly username: string;
  readonly role: 'WORKER' | 'COORDINATOR' | 'AUDITOR' | 'ADMIN';
  readonly municipality: string | null;
  readonly language?: 'lt' | 'en';
}

export const USERS: readonly TestUser[] = [
  { username: 'worker-vilnius', role: 'WORKER', municipality: 'LT-57' },
  { username: 'worker-kaunas', role: 'WORKER', municipality: 'LT-19' },
  { username: 'coordinator-vilnius', role: 'COORDINATOR', municipality: 'LT-57' },
  { username: 'auditor', role: 'AUDITOR', municipality: null, language: 'en' },
  { username: 'admin', role: 'ADMIN', municipality: null },
];

/**
 * The real api (listening on a loopback port) and the real worker, over a fresh migrated database with a
 * small synthetic nation ingested through the ingest service, and one user per role.
 */
export interface BrowserStack {
  readonly db: TestDatabase;
  readonly api: NestExpressApplication;
  readonly worker: INestApplicationContext;
  readonly baseUrl: string;
  readonly nationDir: string;
  readonly lawfulBasisId: string;
  personalCode(index: number): string;
  close(): Promise<void>;
}

export async function startStack(): Promise<BrowserStack> {
  const nationDir = await mkdtemp(join(tmpdir(), 'tiltas-browser-nation-'));
  const summary = await generateNation({ ...NATION, outDir: nationDir });
  const db = await createTestDatabase({ PSEUDONYM_KEY_FILE: join(nationDir, 'demo-pseudonym-key.json') });
  const worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config: db.config, schedules: false }), { logger: false });
  const api = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot({ config: db.config }), { logger: false, abortOnError: false });
  configureApp(api, { logLevel: 'silent' });
  await api.listen(0, '127.0.0.1');
  const port = (api.getHttpServer().address() as AddressInfo).port;

  const actor = systemActor('browser-test');
  const basis = JSON.parse(await readFile(join(nationDir, 'lawful-basis.json'), 'utf8')) as { id: string };
  await worker.get(LawfulBasisService).add(undefined, basis, actor);
  await worker.get(IngestService).loadDirectory(nationDir, actor);
  // The national cohorts live, as the demo has them, so a municipality's copy has a national original.
  const criteria = worker.get(CriteriaService);
  await criteria.seedStandard();
  for (const id of STANDARD_CRITERION_IDS) await criteria.activate(id, summary.lawfulBasisId, actor);
  const users = api.get(UsersService);
  for (const u of USERS) await users.addUser({ username: u.username, role: u.role, municipality: u.municipality, password: PASSWORD, language: u.language ?? 'lt' });

  return {
    db,
    api,
    worker,
    baseUrl: `http://127.0.0.1:${port}`,
    nationDir,
    lawfulBasisId: summary.lawfulBasisId,
    personalCode: (index) => personalCodeOf(NATION, index),
    async close() {
      await api.close();
      await worker.close();
      await db.drop();
      await rm(nationDir, { recursive: true, force: true });
    },
  };
}
