import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { Actor, CurrentActor, Roles, UsersService, actorScope } from '@tiltas/access';
import { Clock } from '@tiltas/common';
import { APP_CONFIG as APP_CONFIG_TOKEN, AppConfig } from '@tiltas/config';
import { DatabaseService } from '@tiltas/database';
import { IsString, MaxLength } from 'class-validator';
import request from 'supertest';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApp } from '../../apps/api/src/configure-app';

export class NoteDto {
  @IsString()
  @MaxLength(100)
  note!: string;
}

/** Test-only routes: one per role, one for anyone signed in, a form post, and a scoped read. */
@Controller()
class ProbeController {
  constructor(private readonly db: DatabaseService) {}

  @Get('api/probe/any')
  any(@CurrentActor() actor: Actor) {
    return actor;
  }

  @Roles('WORKER')
  @Get('api/probe/worker')
  worker() {
    return { ok: 'WORKER' };
  }

  @Roles('COORDINATOR')
  @Get('api/probe/coordinator')
  coordinator() {
    return { ok: 'COORDINATOR' };
  }

  @Roles('AUDITOR')
  @Get('api/probe/auditor')
  auditor() {
    return { ok: 'AUDITOR' };
  }

  @Roles('ADMIN')
  @Get('api/probe/admin')
  admin() {
    return { ok: 'ADMIN' };
  }

  @Roles('COORDINATOR', 'ADMIN')
  @Get('api/probe/coordinator-or-admin')
  coordinatorOrAdmin() {
    return { ok: 'COORDINATOR or ADMIN' };
  }

  @Post('probe/form')
  form(@CurrentActor() actor: Actor, @Body() body: NoteDto) {
    return { by: actor.username, note: body.note };
  }

  @Get('probe/page')
  page() {
    return { page: true };
  }

  /** No municipality filter: row-level security alone decides what comes back. */
  @Get('api/probe/scoped')
  scoped(@CurrentActor() actor: Actor) {
    return this.db.transaction(actorScope(actor), (m) => m.query('SELECT municipality FROM scope_probe ORDER BY id'));
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

export async function startApp(config: AppConfig, clock?: Clock): Promise<NestExpressApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [ApiModule.forRoot({ config, clock }), ProbeModule] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
  configureApp(app, { logLevel: 'silent' });
  await app.init();
  return app;
}

export async function addUser(app: NestExpressApplication, username: string, role: string, municipality: string | null, password = 'a-long-test-password'): Promise<string> {
  const created = await app.get(UsersService).addUser({ username, role, municipality, password });
  return created.user.id;
}

export interface SignedInAgent {
  readonly cookie: string;
  readonly csrfToken: string;
}

export function sessionCookie(res: request.Response): string {
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  const session = setCookie.find((c) => c.startsWith('tiltas_session='));
  if (!session) throw new Error(`no session cookie in ${JSON.stringify(setCookie)}`);
  return session.split(';')[0];
}

export async function signIn(app: NestExpressApplication, username: string, password = 'a-long-test-password'): Promise<SignedInAgent> {
  const res = await request(app.getHttpServer()).post('/api/auth/sign-in').send({ username, password }).expect(200);
  return { cookie: sessionCookie(res), csrfToken: (res.body as { csrfToken: string }).csrfToken };
}

/** A signed-in user's own API token, created as they would create it: a session post with the form token. */
export async function createOwnToken(app: NestExpressApplication, agent: SignedInAgent, body: Record<string, unknown> = {}): Promise<{ id: string; token: string }> {
  const origin = new URL(app.get(APP_CONFIG_TOKEN).http.publicUrl).origin;
  const res = await request(app.getHttpServer()).post('/api/tokens').set('Cookie', agent.cookie).set('Origin', origin).set('X-CSRF-Token', agent.csrfToken).send(body).expect(201);
  return res.body as { id: string; token: string };
}
