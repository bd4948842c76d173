import request from 'supertest';
import { ContractApp, startContractApp } from './contract-app';
import { Operation, resolve } from './openapi-schema';

jest.setTimeout(120_000);

const INT4_MAX = 2_147_483_647;
const INT8_JSON_MAX = Number.MAX_SAFE_INTEGER;

describe('the OpenAPI document', () => {
  let ctx: ContractApp;
  const http = () => request(ctx.app.getHttpServer());
  const operations = (): Array<{ name: string; op: Operation }> =>
    Object.entries(ctx.doc.paths).flatMap(([route, item]) => Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${route}`, op })));

  beforeAll(async () => {
    ctx = await startContractApp();
  });

  afterAll(async () => {
    await ctx?.close();
  });

  it('lists 400 for every operation, and 401 with both ways to sign in for every operation that needs it', () => {
    const problems: string[] = [];
    for (const { name, op } of operations()) {
      const statuses = Object.keys(op.responses);
      if (!statuses.includes('400')) problems.push(`${name}: no 400`);
      const signedIn = (op.security ?? []).length > 0;
      // A public route (health, sign-in, the partner API) declares no user sign-in; only sign-in and the
      // partner API, which checks its service's own token, answer 401.
      if (signedIn && !statuses.includes('401')) problems.push(`${name}: no 401`);
      if (signedIn && JSON.stringify(op.security) !== JSON.stringify([{ bearer: [] }, { cookie: [] }])) problems.push(`${name}: security ${JSON.stringify(op.security)}`);
      if (statuses.includes('500')) problems.push(`${name}: documents a 500`);
    }
    expect(problems).toEqual([]);
    const publicOps = operations().filter(({ op }) => (op.security ?? []).length === 0).map(({ name }) => name).sort();
    expect(publicOps).toEqual(['GET /api/partner/referrals', 'GET /health/live', 'GET /health/ready', 'POST /api/auth/sign-in', 'POST /api/letters/delivery/email', 'POST /api/letters/delivery/sms', 'POST /api/partner/referrals/{id}/status']);
  });

  it('has a success code and a response schema for it on every operation (204 and 303 carry no body)', () => {
    const problems: string[] = [];
    for (const { name, op } of operations()) {
      const successes = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      if (successes.length === 0) problems.push(`${name}: no success code`);
      for (const [status, response] of successes) {
        if (status === '204') continue;
        const media = Object.entries(response.content ?? {});
        if (media.length === 0) problems.push(`${name} ${status}: no content`);
        for (const [type, m] of media) if (!m.schema) problems.push(`${name} ${status} ${type}: no schema`);
      }
      for (const [status, response] of Object.entries(op.responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        const schema = response.content?.['application/json']?.schema;
        if (!schema) problems.push(`${name} ${status}: no schema`);
        // Health answers 503 with its own report (terminus's), which is the point of asking it.
        else if (!name.includes('/health/') && resolve(ctx.doc, schema).required?.join() !== 'statusCode,code,message') problems.push(`${name} ${status}: not the error body`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has a request body for every operation whose controller reads one', () => {
    const withoutBody = operations()
      .filter(({ name, op }) => /^(POST|PUT|PATCH) /.test(name) && !op.requestBody)
      .map(({ name }) => name)
      .sort();
    // These take nothing but the path and the caller.
    expect(withoutBody).toEqual([
      'POST /api/auth/sign-out',
      'POST /api/letters/cases/{caseId}/invitation',
      'POST /api/outreach/assignments/auto',
      'POST /api/outreach/cases/claim-next',
      'POST /api/outreach/opt-outs/{id}/withdraw',
      'POST /api/outreach/referrals/{id}/link',
      'POST /api/users/{username}/disable',
      'POST /api/users/{username}/unlock',
    ]);
  });

  it('describes the bearer token as the opaque token it is, not a JWT', () => {
    const bearer = ctx.doc.components?.securitySchemes?.bearer as { scheme: string; bearerFormat?: string };
    expect(bearer.scheme).toBe('bearer');
    expect(bearer.bearerFormat).not.toMatch(/jwt/i);
    expect(bearer.bearerFormat).toMatch(/^tlt_/);
  });

  it('types every id as an integer bounded by its column, and marks optional query parameters optional', () => {
    const ids = operations().flatMap(({ name, op }) =>
      (op.parameters ?? []).filter((p) => p.in === 'path' && /^(id|caseId|version)$/.test(p.name)).map((p) => ({ name: `${name} ${p.name}`, schema: p.schema })),
    );
    // Tokens and uploads have uuids, lawful bases and criteria (and their findings) names: those ids are strings by design.
    const untyped = ids
      .filter(({ name }) => !/ \/api\/(tokens|extracts\/uploads|lawful-bases|criteria|findings\/criteria)\/\{id\}\S* id$/.test(name))
      .filter(({ schema }) => schema?.type !== 'integer' || schema.minimum !== 1 || (schema.maximum !== INT4_MAX && schema.maximum !== INT8_JSON_MAX));
    expect(ids.length).toBeGreaterThan(20);
    expect(untyped).toEqual([]);
    expect(ctx.doc.paths['/api/runs/{id}'].get.parameters?.find((p) => p.name === 'id')?.schema).toEqual({ type: 'integer', minimum: 1, maximum: INT4_MAX });
    expect(ctx.doc.paths['/api/outreach/cases/{id}'].get.parameters?.find((p) => p.name === 'id')?.schema).toEqual({ type: 'integer', minimum: 1, maximum: INT8_JSON_MAX });
    const requiredQueries = operations().flatMap(({ name, op }) => (op.parameters ?? []).filter((p) => p.in === 'query' && p.required).map((p) => `${name} ?${p.name}`));
    expect(requiredQueries).toEqual([]);
  });

  describe('input past a column\'s range is a 400 naming the parameter, never a 500', () => {
    it.each([
      ['/api/runs/2147483648', 'coordinator', 'id'],
      ['/api/runs/1e10', 'coordinator', 'id'],
      ['/api/runs/0', 'admin', 'id'],
      ['/api/outreach/cases/9223372036854775808', 'coordinator', 'id'],
      ['/api/outreach/cases/9007199254740992', 'coordinator', 'id'],
      ['/api/outreach/cases/1e3', 'coordinator', 'id'],
      ['/api/outreach/cases/0x10', 'coordinator', 'id'],
      ['/api/outreach/cases/9223372036854775808/referrals', 'worker', 'id'],
      ['/api/letters/cases/9223372036854775808/messages', 'worker', 'caseId'],
      ['/api/criteria/neet-youth/versions/2147483648', 'admin', 'version'],
      ['/api/outreach/cases?offset=1e21', 'coordinator', 'offset'],
      ['/api/outreach/cases?limit=501', 'coordinator', 'limit'],
      ['/api/outreach/queue?limit=1e10', 'worker', 'limit'],
      ['/api/runs?limit=abc', 'admin', 'limit'],
    ] as const)('GET %s as %s', async (path, who, param) => {
      const res = await http().get(path).set('Authorization', ctx.bearer[who]).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      expect(res.body.message).toContain(param);
    });

    it.each([
      ['patch', '/api/outreach/services/9223372036854775808', { name: 'x' }],
      ['patch', '/api/outreach/referrals/9223372036854775808', { status: 'ACCEPTED' }],
      ['post', '/api/outreach/opt-outs/9223372036854775808/withdraw', undefined],
      ['post', '/api/outreach/cases/1/referrals', { serviceId: 9223372036854775808 }],
      ['post', '/api/outreach/cases/1/claim', { version: 2147483648 }],
    ] as const)('%s %s', async (method, path, body) => {
      const who = path.includes('opt-outs') ? 'admin' : path.includes('services') ? 'coordinator' : 'worker';
      const call = http()[method](path).set('Authorization', ctx.bearer[who]);
      const res = await (body === undefined ? call : call.send(body)).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it('answers 404 for a well-formed id with no row in scope', async () => {
      const res = await http().get('/api/outreach/cases/999999').set('Authorization', ctx.bearer.coordinator).expect(404);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND', message: 'case 999999 not found' });
      await http().get(`/api/runs/${INT4_MAX}`).set('Authorization', ctx.bearer.admin).expect(404);
      await http().get(`/api/outreach/cases/${INT8_JSON_MAX}`).set('Authorization', ctx.bearer.coordinator).expect(404);
    });
  });

  describe('null in an optional field of POST /api/users', () => {
    it.each(['password', 'displayName'])('refuses %s: null with a 400 naming it, and adds nobody', async (field) => {
      const username = `null-${field.toLowerCase()}`;
      const res = await http()
        .post('/api/users')
        .set('Authorization', ctx.bearer.admin)
        .send({ username, role: 'AUDITOR', [field]: null })
        .expect(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { problems: { [field]: expect.stringContaining('left out') } } });
      expect(await ctx.db.query('SELECT id FROM users WHERE username = $1', [username])).toEqual([]);
    });

    it('still generates a password when none is given, and returns it once', async () => {
      const res = await http().post('/api/users').set('Authorization', ctx.bearer.admin).send({ username: 'no-password-given', role: 'AUDITOR' }).expect(201);
      expect(res.body.generatedPassword).toEqual(expect.any(String));
      expect(res.body.user).toMatchObject({ username: 'no-password-given', displayName: 'no-password-given', role: 'AUDITOR' });
    });
  });

  it('refuses displayName: null on POST /api/service-accounts with a 400 naming it, and adds nobody', async () => {
    const res = await http().post('/api/service-accounts').set('Authorization', ctx.bearer.admin).send({ username: 'null-service', role: 'AUDITOR', displayName: null }).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', details: { problems: { displayName: expect.stringContaining('left out') } } });
    expect(await ctx.db.query('SELECT id FROM users WHERE username = $1', ['null-service'])).toEqual([]);
  });

  it('refuses active: null on a service with a 400 and leaves the service as it was', async () => {
    const [service] = await ctx.db.query<{ id: string; active: boolean }>('SELECT id::text AS id, active FROM outreach_service ORDER BY id LIMIT 1');
    const res = await http().patch(`/api/outreach/services/${service.id}`).set('Authorization', ctx.bearer.coordinator).send({ active: null }).expect(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', message: 'active must be true or false, or left out' });
    expect(await ctx.db.query('SELECT active FROM outreach_service WHERE id = $1', [service.id])).toEqual([{ active: service.active }]);
  });

  it('answers a refused audit export as a JSON error, not as an attachment of JSON lines', async () => {
    const res = await http().get('/api/audit/export?from=yesterday').set('Authorization', ctx.bearer.auditor).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('from must be YYYY-MM-DD') });
  });

  it('answers a run that has counted nothing yet with an empty list of counts, as documented', async () => {
    const res = await http().get('/api/runs').set('Authorization', ctx.bearer.admin).expect(200);
    expect(res.body.length).toBeGreaterThan(0);
    for (const run of res.body as Array<{ counts: unknown }>) expect(run.counts).toEqual([]);
  });
});
