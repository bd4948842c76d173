import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AuthGuard, RolesGuard } from '@tiltas/access';
import { ClockModule, FixedClock } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { DeliveryCallback, MessageSendingService, SIGNATURE_HEADER, TIMESTAMP_HEADER, signCallback } from '@tiltas/letters';
import { QueueModule } from '@tiltas/queue';
import { Registry } from 'prom-client';
import request from 'supertest';
import { addUser, signIn, SignedInAgent } from '../../../../test/access/access-test-app';
import { TestDatabase, createTestDatabase } from '../../../../test/support/test-database';
import { insertCase, insertContact, pseudonymOf, startSmsGateway, startSmtpServer } from '../../../../libs/letters/src/testing/letters-fixtures';
import { AuthHttpModule } from '../auth/auth-http.module';
import { configureApp } from '../configure-app';
import { DomainErrorFilter } from '../platform/domain-error.filter';
import { API_METRICS, MetricsController } from '../system/metrics.controller';
import { LettersHttpModule } from './letters-http.module';

jest.setTimeout(60_000);

const NOW = new Date('2026-11-02T08:00:00Z');
const NOW_SECONDS = String(Math.floor(NOW.getTime() / 1000));
const SMS_SECRET = 'sms-callback-secret-for-tests-0123456789abcdef';
const EMAIL_SECRET = 'email-bounce-secret-for-tests-0123456789abcdef';

describe('delivery statuses: SMTP on loopback, an SMS gateway stub and signed callbacks', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let sending: MessageSendingService;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let gateway: Awaited<ReturnType<typeof startSmsGateway>>;
  let origin: string;
  let worker: SignedInAgent;
  let workerId: string;
  const http = () => request(app.getHttpServer());
  const q = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => db.query<T>(sql, params);
  const asWorker = {
    get: (path: string) => http().get(path).set('Cookie', worker.cookie),
    post: (path: string) => http().post(path).set('Cookie', worker.cookie).set('Origin', origin).set('X-CSRF-Token', worker.csrfToken),
  };
  const callback = (source: 'sms' | 'email', body: DeliveryCallback, o: { secret?: string; timestamp?: string; signature?: string } = {}) => {
    const timestamp = o.timestamp ?? NOW_SECONDS;
    const signature = o.signature ?? signCallback(o.secret ?? (source === 'sms' ? SMS_SECRET : EMAIL_SECRET), timestamp, body);
    return http().post(`/api/letters/delivery/${source}`).set(TIMESTAMP_HEADER, timestamp).set(SIGNATURE_HEADER, signature).send(body);
  };
  const deliveryOf = async (id: string) =>
    (await q<{ status: string; delivery: string; delivery_reason: string | null }>('SELECT status, delivery, delivery_reason FROM outgoing_message WHERE id = $1', [id]))[0];

  /** A held case with a contact, a message asked for through HTTP and handed to the transport. */
  async function sentMessage(label: string, channel: 'EMAIL' | 'SMS'): Promise<{ caseId: number; messageId: string }> {
    const caseId = await insertCase(q, label, { assignedTo: workerId });
    await insertContact(q, db.config.secrets, label, { language: 'lt' });
    const queued = await asWorker.post(`/api/letters/cases/${caseId}/messages`).send({ channel }).expect(202);
    expect(queued.body).toMatchObject({ status: 'PENDING', delivery: 'QUEUED', deliveryAt: null });
    const result = await sending.deliver(queued.body.id, 1);
    expect(result).toMatchObject({ status: 'SENT', sentNow: true });
    return { caseId, messageId: queued.body.id };
  }

  beforeAll(async () => {
    smtp = await startSmtpServer();
    gateway = await startSmsGateway();
    db = await createTestDatabase({
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      SMS_GATEWAY_URL: gateway.url,
      MAIL_FROM: 'Tiltas <no-reply@tiltas.example>',
      SMS_CALLBACK_SECRET: SMS_SECRET,
      EMAIL_BOUNCE_SECRET: EMAIL_SECRET,
    });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(new FixedClock(NOW)), DatabaseModule.forRoot(), QueueModule, AuthHttpModule, LettersHttpModule],
      controllers: [MetricsController],
      providers: [
        { provide: API_METRICS, useValue: new Registry() },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_GUARD, useExisting: RolesGuard },
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    configureApp(app, { logLevel: 'silent' });
    await app.init();
    sending = app.get(MessageSendingService);
    origin = new URL(db.config.http.publicUrl).origin;
    workerId = await addUser(app, 'worker57', 'WORKER', 'LT-57');
    worker = await signIn(app, 'worker57');
  });

  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    await gateway?.close();
    await db?.drop();
  });

  beforeEach(() => {
    smtp.received.length = 0;
    gateway.requests.length = 0;
    smtp.refuse.recipients = false;
  });

  it('an SMS goes QUEUED → ACCEPTED by the gateway → DELIVERED by its signed report, logged', async () => {
    const { caseId, messageId } = await sentMessage('sms-delivered', 'SMS');
    expect(gateway.requests).toHaveLength(1);
    expect(gateway.requests[0].body.reference).toBe(messageId);
    expect(await deliveryOf(messageId)).toEqual({ status: 'SENT', delivery: 'ACCEPTED', delivery_reason: null });

    const res = await callback('sms', { id: 'gw-1001', reference: messageId, status: 'DELIVERED', reason: null }).expect(200);
    expect(res.body).toEqual({ messageId, delivery: 'DELIVERED' });
    const listed = await asWorker.get(`/api/letters/cases/${caseId}/messages`).expect(200);
    expect(listed.body).toEqual([expect.objectContaining({ id: messageId, status: 'SENT', delivery: 'DELIVERED', deliveryAt: NOW.toISOString(), deliveryReason: null })]);
    const audit = await q<{ actor: string; role: string; municipality: string; subject: string; details: Record<string, unknown> }>(
      `SELECT actor, role, municipality, subject, details FROM audit_log WHERE action = 'message.delivery' AND object_id = $1`,
      [messageId],
    );
    expect(audit).toEqual([
      {
        actor: 'system:letters.delivery-sms',
        role: 'SYSTEM',
        municipality: 'LT-57',
        subject: pseudonymOf('sms-delivered'),
        details: { caseId, channel: 'SMS', from: 'ACCEPTED', to: 'DELIVERED', reason: null, callbackId: 'gw-1001' },
      },
    ]);
  });

  it('an email accepted by the SMTP server on loopback is ACCEPTED, and a signed bounce makes it BOUNCED', async () => {
    const { messageId } = await sentMessage('email-bounced', 'EMAIL');
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0].to).toEqual(['zydrune@example.invalid']);
    expect(smtp.received[0].raw).toContain(`Message-ID: <${messageId}@tiltas.example>`);
    expect(await deliveryOf(messageId)).toEqual({ status: 'SENT', delivery: 'ACCEPTED', delivery_reason: null });

    await callback('email', { id: 'bounce-77', reference: messageId, status: 'BOUNCED', reason: 'MAILBOX_UNKNOWN' }).expect(200);
    expect(await deliveryOf(messageId)).toEqual({ status: 'SENT', delivery: 'BOUNCED', delivery_reason: 'MAILBOX_UNKNOWN' });
  });

  it('a recipient the SMTP server refuses leaves the message FAILED, with the reply code as reason', async () => {
    smtp.refuse.recipients = true;
    const caseId = await insertCase(q, 'email-refused', { assignedTo: workerId });
    await insertContact(q, db.config.secrets, 'email-refused', {});
    const queued = await asWorker.post(`/api/letters/cases/${caseId}/messages`).send({ channel: 'EMAIL' }).expect(202);
    const result = await sending.deliver(queued.body.id, 1);
    expect(result).toMatchObject({ status: 'FAILED', sentNow: false });
    expect(await deliveryOf(queued.body.id)).toEqual({ status: 'FAILED', delivery: 'FAILED', delivery_reason: 'SMTP_550' });
    // A callback cannot pretend a message that never left was delivered.
    await callback('email', { id: 'late-1', reference: queued.body.id, status: 'DELIVERED', reason: null }).expect(409);
    expect(await deliveryOf(queued.body.id)).toMatchObject({ delivery: 'FAILED' });
  });

  it('refuses a replayed callback and changes nothing', async () => {
    const { messageId } = await sentMessage('sms-replayed', 'SMS');
    const body: DeliveryCallback = { id: 'gw-2002', reference: messageId, status: 'FAILED', reason: 'NUMBER_UNREACHABLE' };
    await callback('sms', body).expect(200);
    await q(`UPDATE outgoing_message SET delivery = 'DELIVERED', delivery_reason = NULL WHERE id = $1`, [messageId]);
    const replay = await callback('sms', body).expect(409);
    expect(replay.body.message).toMatch(/received before/);
    expect(await deliveryOf(messageId)).toMatchObject({ delivery: 'DELIVERED', delivery_reason: null });
    const logged = await q(`SELECT 1 FROM audit_log WHERE action = 'message.delivery' AND object_id = $1`, [messageId]);
    expect(logged).toHaveLength(1);
  });

  it('refuses forged, tampered, stale, unsigned and wrong-channel callbacks, and changes nothing', async () => {
    const { messageId } = await sentMessage('sms-forged', 'SMS');
    const body: DeliveryCallback = { id: 'gw-3003', reference: messageId, status: 'FAILED', reason: null };
    // Signed with another key (the email one, or a guess).
    await callback('sms', body, { secret: EMAIL_SECRET }).expect(401);
    await callback('sms', body, { secret: 'guessed-secret' }).expect(401);
    // A valid signature over other fields.
    const signedDelivered = signCallback(SMS_SECRET, NOW_SECONDS, { ...body, status: 'DELIVERED' });
    await callback('sms', body, { signature: signedDelivered }).expect(401);
    // Correctly signed but ten minutes old: a captured callback replayed later.
    const old = String(Number(NOW_SECONDS) - 600);
    await callback('sms', body, { timestamp: old }).expect(401);
    // No signature at all.
    await http().post('/api/letters/delivery/sms').send(body).expect(401);
    // An SMS message id sent to the email endpoint, signed with the email key.
    await callback('email', { ...body, status: 'BOUNCED' }).expect(404);
    // A status the gateway cannot report.
    await callback('sms', { ...body, status: 'BOUNCED' }).expect(400);

    expect(await deliveryOf(messageId)).toEqual({ status: 'SENT', delivery: 'ACCEPTED', delivery_reason: null });
    expect(await q(`SELECT 1 FROM delivery_callback WHERE message_id = $1`, [messageId])).toEqual([]);
    expect(await q(`SELECT 1 FROM audit_log WHERE action = 'message.delivery' AND object_id = $1`, [messageId])).toEqual([]);
  });
});
