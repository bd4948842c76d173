import { NestExpressApplication } from '@nestjs/platform-express';
import { ApiTokensService, UsersService, signedInRequester, toActor } from '@tiltas/access';
import { CriteriaService } from '@tiltas/identification';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { insertCase, insertPerson } from '../outreach/outreach-factory';
import { startApi } from '../outreach/outreach-test-app';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import type { OpenApiDocument } from './openapi-schema';

/** Who the contract is checked as: one signed-in user of each role kind (by API token), and nobody. */
export const IDENTITIES = ['anonymous', 'worker', 'coordinator', 'auditor', 'admin'] as const;
export type Identity = (typeof IDENTITIES)[number];

export interface ContractApp {
  readonly db: TestDatabase;
  readonly app: NestExpressApplication;
  readonly doc: OpenApiDocument;
  /** The Authorization header of each signed-in identity. */
  readonly bearer: Record<Exclude<Identity, 'anonymous'>, string>;
  close(): Promise<void>;
}

const PASSWORD = 'a-long-contract-test-password';

/**
 * The api as main.ts runs it over a small municipality: users of every role in LT-57 (auditor and admin
 * national), a token each, cases in every open status (one held by the worker, with a person and
 * contacts behind it), a service and a referral, so generated small ids reach real rows as well as
 * missing ones. The document is read from the running app, as a client reads it.
 */
export async function startContractApp(env: NodeJS.ProcessEnv = {}): Promise<ContractApp> {
  const storage = await mkdtemp(join(tmpdir(), 'tiltas-contract-'));
  const db = await createTestDatabase({ STORAGE_DIR: storage, REVEALS_PER_HOUR: '1000', ...env });
  const app = await startApi(db.config);
  const users = app.get(UsersService);
  const tokens = app.get(ApiTokensService);
  const people: Array<[Exclude<Identity, 'anonymous'>, string, string | null]> = [
    ['worker', 'WORKER', 'LT-57'],
    ['coordinator', 'COORDINATOR', 'LT-57'],
    ['auditor', 'AUDITOR', null],
    ['admin', 'ADMIN', null],
  ];
  const bearer = {} as Record<Exclude<Identity, 'anonymous'>, string>;
  const ids = {} as Record<Exclude<Identity, 'anonymous'>, string>;
  for (const [who, role, municipality] of people) {
    const { user } = await users.addUser({ username: `contract-${who}`, role, municipality, password: PASSWORD });
    ids[who] = user.id;
    // A person's token is created by that person signed in (the CLI makes tokens for service accounts only).
    bearer[who] = `Bearer ${(await tokens.create({ name: 'contract test' }, signedInRequester(toActor(user), 'session'))).token}`;
  }
  // The standard cohorts with their real definitions, before the case factory names neet-youth: its
  // placeholder version would otherwise stand in for a definition no criterion could have.
  await app.get(CriteriaService).seedStandard();
  await insertPerson(db, 'held');
  const held = await insertCase(db, 'held', { status: 'ASSIGNED', assignedTo: ids.worker, priority: 3 });
  await insertPerson(db, 'in-progress');
  await insertCase(db, 'in-progress', { status: 'IN_PROGRESS', assignedTo: ids.worker, nextAttemptOn: '2026-10-05' });
  await insertPerson(db, 'new');
  await insertCase(db, 'new', { priority: 7 });
  await insertCase(db, 'kaunas', { municipality: 'LT-15' });
  const service = await request(app.getHttpServer())
    .post('/api/outreach/services')
    .set('Authorization', bearer.coordinator)
    .send({ kind: 'PES', name: 'Užimtumo tarnyba' })
    .expect(201);
  await request(app.getHttpServer())
    .post(`/api/outreach/cases/${held}/referrals`)
    .set('Authorization', bearer.worker)
    .send({ serviceId: (service.body as { id: number }).id })
    .expect((res) => {
      if (res.status !== 201) throw new Error(`referral: ${res.status} ${res.text}`);
    });
  const doc = (await request(app.getHttpServer()).get('/api/docs/openapi.json').expect(200)).body as OpenApiDocument;
  return {
    db,
    app,
    doc,
    bearer,
    close: async () => {
      await app.close();
      await db.drop();
      await rm(storage, { recursive: true, force: true });
    },
  };
}
