import { Controller, Get, INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApp } from '../../apps/api/src/configure-app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { ApiTokensService, Public, UsersService } from '@tiltas/access';

const METRICS_TOKEN = 'metrics-scraper-token-0123456789abcdef';

@Controller('api/test-failure')
class FailingController {
  @Public()
  @Get()
  fail(): never {
    throw new Error('connection to 10.0.0.7 refused for user tiltas_owner');
  }
}

describe('the api and the worker together', () => {
  let db: TestDatabase;
  let api: NestExpressApplication;
  let worker: INestApplicationContext;
  let probe: string;

  beforeAll(async () => {
    db = await createTestDatabase({ METRICS_TOKEN });
    const moduleRef = await Test.createTestingModule({ imports: [ApiModule.forRoot({ config: db.config })], controllers: [FailingController] }).compile();
    api = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    configureApp(api, { logLevel: 'silent' });
    await api.init();
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config: db.config, schedules: false }), { logger: false });
    // The deployment probe: an ADMIN service account's token, as an operator would set it up.
    await api.get(UsersService).addServiceAccount({ username: 'deploy-probe', role: 'ADMIN' });
    probe = `Bearer ${(await api.get(ApiTokensService).create({ username: 'deploy-probe' })).token}`;
  });

  afterAll(async () => {
    await worker.close();
    await api.close();
    await db.drop();
  });

  it('has a job enqueued by the api processed by the worker', async () => {
    await request(api.getHttpServer()).post('/api/system/ping').set('Authorization', probe).send({ token: 'e2e-1' }).expect(202);
    let processed: request.Response | undefined;
    for (let i = 0; i < 100 && processed?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      processed = await request(api.getHttpServer()).get('/api/system/ping/e2e-1').set('Authorization', probe);
    }
    expect(processed?.status).toBe(200);
    expect(processed?.body).toMatchObject({ token: 'e2e-1', processedBy: 'system.ping@e2e-1' });
  });

  it('turns an unknown error into a clean 500 that leaks nothing of the internals', async () => {
    const res = await request(api.getHttpServer()).get('/api/test-failure').expect(500);
    expect(res.body).toEqual({ statusCode: 500, code: 'INTERNAL', message: expect.stringContaining('request id'), requestId: res.headers['x-request-id'] });
    expect(JSON.stringify(res.body)).not.toMatch(/10\.0\.0\.7|tiltas_owner|stack|Error:/);
  });

  it('rejects a request body with fields nobody declared', async () => {
    const res = await request(api.getHttpServer()).post('/api/system/ping').set('Authorization', probe).send({ token: 'x', extra: 1 }).expect(400);
    expect(res.body.message).toContain('property extra should not exist');
  });

  it('reports ready when PostgreSQL and Redis answer, and serves the OpenAPI document', async () => {
    const ready = await request(api.getHttpServer()).get('/health/ready').expect(200);
    expect(ready.body.info).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
    const docs = await request(api.getHttpServer()).get('/api/docs/openapi.json').expect(200);
    expect(docs.body.info.title).toBe('Tiltas API');
    expect(Object.keys(docs.body.paths)).toContain('/api/system/ping');
  });

  it('puts security headers on every response, errors included', async () => {
    const res = await request(api.getHttpServer()).get('/no-such-page').expect(404);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('exposes HTTP metrics by route template', async () => {
    const res = await request(api.getHttpServer()).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
    expect(res.text).toMatch(/tiltas_http_requests_total\{method="GET",route="\/health\/ready",status="200"\} \d+/);
  });
});
