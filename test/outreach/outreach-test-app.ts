import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { UsersService } from '@tiltas/access';
import { Clock } from '@tiltas/common';
import { AppConfig } from '@tiltas/config';
import request from 'supertest';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApp } from '../../apps/api/src/configure-app';

/** The api as main.ts runs it, for e2e tests of case work. */
export async function startApi(config: AppConfig, clock?: Clock): Promise<NestExpressApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [ApiModule.forRoot({ config, clock })] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
  configureApp(app, { logLevel: 'silent' });
  await app.init();
  return app;
}

export const PASSWORD = 'a-long-outreach-test-password';

export async function addUser(app: NestExpressApplication, username: string, role: string, municipality: string | null, caseloadLimit?: number): Promise<string> {
  return (await app.get(UsersService).addUser({ username, role, municipality, password: PASSWORD, caseloadLimit })).user.id;
}

/** A signed-in client: the session cookie and its CSRF token on every request. */
export interface Agent {
  get(path: string): request.Test;
  post(path: string, body?: object): request.Test;
  put(path: string, body?: object): request.Test;
  patch(path: string, body?: object): request.Test;
  delete(path: string): request.Test;
  /** Follows a page form's 303 as a browser would: a GET of its location with the flash cookie the post left. */
  follow(res: request.Response): request.Test;
}

export async function signIn(app: NestExpressApplication, username: string): Promise<Agent> {
  const res = await request(app.getHttpServer()).post('/api/auth/sign-in').send({ username, password: PASSWORD }).expect(200);
  const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('tiltas_session='))!.split(';')[0];
  const csrf = (res.body as { csrfToken: string }).csrfToken;
  const http = () => request(app.getHttpServer());
  return {
    get: (path) => http().get(path).set('Cookie', cookie),
    post: (path, body = {}) => http().post(path).set('Cookie', cookie).set('X-CSRF-Token', csrf).send(body),
    put: (path, body = {}) => http().put(path).set('Cookie', cookie).set('X-CSRF-Token', csrf).send(body),
    patch: (path, body = {}) => http().patch(path).set('Cookie', cookie).set('X-CSRF-Token', csrf).send(body),
    delete: (path) => http().delete(path).set('Cookie', cookie).set('X-CSRF-Token', csrf),
    follow: (res) => {
      const flash = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('tiltas_flash='))?.split(';')[0];
      return http()
        .get(String(res.headers.location))
        .set('Cookie', flash ? `${cookie}; ${flash}` : cookie);
    },
  };
}
