import { Test, TestingModule } from '@nestjs/testing';
import { Actor } from '@tiltas/access';
import { ClockModule, DomainError, ErrorCode, FixedClock } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { JobName, JobProducer, LETTERS_RATE_LIMIT, QueueModule, QueueName } from '@tiltas/queue';
import { Worker } from 'bullmq';
import { TestDatabase, createTestDatabase } from '../../../test/support/test-database';
import { LettersModule } from './letters.module';
import { MessageSendingService, SEND_ATTEMPTS, sendJobId } from './message-sending.service';
import { SendMessageHandler } from './send-message.handler';
import { insertCase, insertContact, insertUser, pseudonymOf, readMail, startSmsGateway, startSmtpServer } from './testing/letters-fixtures';
import { TransportError } from './transport/message-transport';
import { createRedis } from '@tiltas/queue';

jest.setTimeout(60_000);

const NOW = new Date('2026-11-02T09:30:00Z');

describe('sending email and SMS for a case', () => {
  let db: TestDatabase;
  let module: TestingModule;
  let sending: MessageSendingService;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let gateway: Awaited<ReturnType<typeof startSmsGateway>>;
  const ids: Record<string, string> = {};
  const actor = (name: string, role: Actor['role'] = 'WORKER', municipality = 'LT-57'): Actor => ({
    userId: ids[name],
    username: name,
    role,
    municipality,
    scope: 'municipal',
    language: 'lt',
  });
  const q = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => db.query<T>(sql, params);
  const messageRow = async (id: string) =>
    (await q<{ status: string; attempts: number; last_error: string | null; language: string | null }>('SELECT status, attempts, last_error, language FROM outgoing_message WHERE id = $1', [id]))[0];
  const attemptsOf = (caseId: number) => q<{ channel: string; result: string; recorded_by: string }>('SELECT channel, result, recorded_by FROM case_attempt WHERE case_id = $1 ORDER BY id', [caseId]);
  const auditOf = (action: string, objectId: string) =>
    q<{ actor: string; role: string; municipality: string; subject: string | null; details: Record<string, unknown> }>(
      'SELECT actor, role, municipality, subject, details FROM audit_log WHERE action = $1 AND object_id = $2 ORDER BY seq',
      [action, objectId],
    );

  /** A held case with a sealed contact; returns its id. */
  async function heldCaseWith(label: string, holder = 'worker', contact: Parameters<typeof insertContact>[3] = {}): Promise<number> {
    const caseId = await insertCase(q, label, { assignedTo: ids[holder] });
    await insertContact(q, db.config.secrets, label, contact);
    return caseId;
  }

  beforeAll(async () => {
    smtp = await startSmtpServer();
    gateway = await startSmsGateway();
    db = await createTestDatabase({ SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMS_GATEWAY_URL: gateway.url, MAIL_FROM: 'Tiltas <no-reply@tiltas.example>' });
    module = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(new FixedClock(NOW)), DatabaseModule.forRoot(), QueueModule, LettersModule],
      providers: [SendMessageHandler],
    }).compile();
    await module.init();
    sending = module.get(MessageSendingService);
    ids.worker = await insertUser(q, 'worker57', 'WORKER', 'LT-57', 'Rūta Petrauskienė');
    ids.other = await insertUser(q, 'worker57b', 'WORKER', 'LT-57');
    ids.coordinator = await insertUser(q, 'coordinator57', 'COORDINATOR', 'LT-57');
    ids.worker15 = await insertUser(q, 'worker15', 'WORKER', 'LT-15');
    await q(
      `INSERT INTO letter_sender (municipality, municipality_name, contact_phone, contact_email, office_address, updated_by)
       VALUES ('LT-57', 'Vilniaus miesto savivaldybė', '+370 5 211 1111', 'pagalba@vilnius.example', 'Konstitucijos pr. 3, Vilnius', 'test')`,
    );
  });

  afterAll(async () => {
    await module?.close();
    await smtp?.close();
    await gateway?.close();
    await db?.drop();
  });

  beforeEach(() => {
    smtp.received.length = 0;
    smtp.refuse.recipients = false;
    gateway.requests.length = 0;
    gateway.statuses.length = 0;
  });

  it('queues an email as a PENDING message and one job named by the message', async () => {
    const caseId = await heldCaseWith('queued');
    const message = await sending.request(actor('worker'), caseId, 'EMAIL');
    expect(message).toMatchObject({ caseId, municipality: 'LT-57', channel: 'EMAIL', status: 'PENDING', attempts: 0, requestedBy: ids.worker });
    const job = await module.get(JobProducer).queue(QueueName.LETTERS).getJob(sendJobId(message.id));
    expect(job?.name).toBe(JobName.SEND_MESSAGE);
    expect(job?.data).toEqual({ messageId: message.id });
    expect(job?.opts.attempts).toBe(SEND_ATTEMPTS);
    const [requested] = await auditOf('message.requested', message.id);
    expect(requested).toMatchObject({ actor: ids.worker, role: 'WORKER', municipality: 'LT-57', subject: pseudonymOf('queued'), details: { caseId, channel: 'EMAIL' } });
    await job?.remove();
  });

  it('sends the email through SMTP in the person language, records MESSAGE_LEFT on the case and logs message.sent without the address', async () => {
    const caseId = await heldCaseWith('email-ok', 'worker', { given_name: 'Ирина', email: 'irina@example.invalid', language: 'ru' });
    const message = await sending.request(actor('worker'), caseId, 'EMAIL');
    const result = await sending.deliver(message.id, 1);
    expect(result).toEqual({ messageId: message.id, status: 'SENT', sentNow: true, reason: null });

    expect(smtp.received).toHaveLength(1);
    const mail = readMail(smtp.received[0].raw);
    expect(smtp.received[0].to).toEqual(['irina@example.invalid']);
    expect(smtp.received[0].from).toBe('no-reply@tiltas.example');
    expect(mail.header('Subject')).toBe('Приглашение к разговору');
    expect(mail.header('Message-ID')).toBe(`<${message.id}@tiltas.example>`);
    expect(mail.header('Content-Language')).toBe('ru');
    expect(mail.text).toContain('Здравствуйте, Ирина!');
    expect(mail.text).toContain('Вам пишет Rūta Petrauskienė, Vilniaus miesto savivaldybė.');
    expect(mail.text).toContain('Мой телефон: +370 5 211 1111');
    expect(mail.html).toContain('<p>Здравствуйте, Ирина!</p>');

    expect(await messageRow(message.id)).toEqual({ status: 'SENT', attempts: 1, last_error: null, language: 'ru' });
    expect(await attemptsOf(caseId)).toEqual([{ channel: 'EMAIL', result: 'MESSAGE_LEFT', recorded_by: ids.worker }]);
    const [c] = await q<{ status: string; attempts: number }>('SELECT status, attempts FROM cases WHERE id = $1', [caseId]);
    expect(c).toEqual({ status: 'IN_PROGRESS', attempts: 1 });
    const [sent] = await auditOf('message.sent', message.id);
    expect(sent).toMatchObject({ actor: ids.worker, role: 'WORKER', municipality: 'LT-57', subject: pseudonymOf('email-ok'), details: { caseId, channel: 'EMAIL', language: 'ru', attempt: 1 } });
    const leaks = await q(`SELECT seq FROM audit_log WHERE details::text LIKE '%irina@%' OR details::text LIKE '%Ирина%' OR coalesce(purpose, '') LIKE '%irina@%'`);
    expect(leaks).toEqual([]);
  });

  it('does nothing when the job runs again after SENT: no second email, no second attempt', async () => {
    const caseId = await heldCaseWith('email-twice');
    const message = await sending.request(actor('worker'), caseId, 'EMAIL');
    await sending.deliver(message.id, 1);
    const again = await sending.deliver(message.id, 2);
    expect(again).toEqual({ messageId: message.id, status: 'SENT', sentNow: false, reason: null });
    expect(smtp.received).toHaveLength(1);
    expect(await attemptsOf(caseId)).toHaveLength(1);
    expect(await auditOf('message.sent', message.id)).toHaveLength(1);
  });

  it('sends once when two deliveries of the same message race', async () => {
    const caseId = await heldCaseWith('email-race');
    const message = await sending.request(actor('worker'), caseId, 'EMAIL');
    const results = await Promise.all([sending.deliver(message.id, 1), sending.deliver(message.id, 1)]);
    expect(results.map((r) => r.sentNow).sort()).toEqual([false, true]);
    expect(smtp.received).toHaveLength(1);
    expect(await attemptsOf(caseId)).toHaveLength(1);
  });

  it('retries an SMS after the gateway fails, with the same idempotency key, and records one attempt when it goes through', async () => {
    const caseId = await heldCaseWith('sms-retry', 'worker', { given_name: 'Jonas', phone: '+37060000777', language: 'lt' });
    const message = await sending.request(actor('worker'), caseId, 'SMS');
    gateway.statuses.push(503);
    await expect(sending.deliver(message.id, 1)).rejects.toThrow(TransportError);
    expect(await messageRow(message.id)).toEqual({ status: 'PENDING', attempts: 1, last_error: 'SMS_GATEWAY_503', language: null });
    expect(await attemptsOf(caseId)).toEqual([]);
    const [failed] = await auditOf('message.failed', message.id);
    expect(failed.details).toEqual({ caseId, channel: 'SMS', reason: 'SMS_GATEWAY_503', attempt: 1, final: false });

    const second = await sending.deliver(message.id, 2);
    expect(second.status).toBe('SENT');
    expect(gateway.requests).toHaveLength(2);
    expect(gateway.requests.map((r) => r.headers['idempotency-key'])).toEqual([message.id, message.id]);
    expect(gateway.requests[1].body).toEqual({
      to: '+37060000777',
      reference: message.id,
      text: expect.stringMatching(
        /^Laba diena, Jonas\. Čia Rūta Petrauskienė, Vilniaus miesto savivaldybė\. Kviečiu pasikalbėti apie galimybes mokytis, dirbti ir gauti konsultacijų\. Tel\. \+370 5 211 1111\. Jei nenorite, kad susisiektume, tiesiog praneškite\. Atsakyti: http:\/\/127\.0\.0\.1:\d+\/r\/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/,
      ),
    });
    // The failed try's link went with its transaction: the SMS that went out carries the case's one link.
    expect(await q(`SELECT kind, language FROM response_link WHERE case_id = $1`, [caseId])).toEqual([{ kind: 'SMS', language: 'lt' }]);
    expect(await messageRow(message.id)).toEqual({ status: 'SENT', attempts: 2, last_error: null, language: 'lt' });
    expect(await attemptsOf(caseId)).toEqual([{ channel: 'SMS', result: 'MESSAGE_LEFT', recorded_by: ids.worker }]);
    const leaks = await q(`SELECT seq FROM audit_log WHERE details::text LIKE '%60000777%'`);
    expect(leaks).toEqual([]);
  });

  it('gives up at once when the gateway refuses the message for good', async () => {
    const caseId = await heldCaseWith('sms-refused');
    const message = await sending.request(actor('worker'), caseId, 'SMS');
    gateway.statuses.push(400);
    expect(await sending.deliver(message.id, 1)).toEqual({ messageId: message.id, status: 'FAILED', sentNow: false, reason: 'SMS_GATEWAY_400' });
    expect(await messageRow(message.id)).toMatchObject({ status: 'FAILED', attempts: 1, last_error: 'SMS_GATEWAY_400' });
    expect((await auditOf('message.failed', message.id))[0].details).toMatchObject({ final: true });
    expect(await attemptsOf(caseId)).toEqual([]);
  });

  it('marks the message FAILED on the last try of a passing failure', async () => {
    const caseId = await heldCaseWith('sms-last');
    const message = await sending.request(actor('worker'), caseId, 'SMS');
    gateway.statuses.push(502);
    expect(await sending.deliver(message.id, SEND_ATTEMPTS)).toMatchObject({ status: 'FAILED', reason: 'SMS_GATEWAY_502' });
  });

  it('gives up when the SMTP server refuses the recipient', async () => {
    const caseId = await heldCaseWith('email-refused');
    const message = await sending.request(actor('worker'), caseId, 'EMAIL');
    smtp.refuse.recipients = true;
    const result = await sending.deliver(message.id, 1);
    expect(result.status).toBe('FAILED');
    expect(result.reason).toMatch(/^SMTP_(550|ENVELOPE_REFUSED)$/);
    expect(smtp.received).toEqual([]);
  });

  it('sends nothing when the case changed hands after the request', async () => {
    const caseId = await heldCaseWith('reassigned');
    const message = await sending.request(actor('worker'), caseId, 'EMAIL');
    await q('UPDATE cases SET assigned_to = $1 WHERE id = $2', [ids.other, caseId]);
    expect(await sending.deliver(message.id, 1)).toMatchObject({ status: 'FAILED', reason: 'CASE_NOT_HELD' });
    expect(smtp.received).toEqual([]);
    expect(await messageRow(message.id)).toMatchObject({ status: 'FAILED', attempts: 0, last_error: 'CASE_NOT_HELD' });
  });

  it('refuses requests for cases the actor does not hold, without saying whose they are', async () => {
    const others = await heldCaseWith('others', 'other');
    const kaunas = await insertCase(q, 'kaunas', { municipality: 'LT-15', assignedTo: ids.worker15 });
    const unassigned = await insertCase(q, 'unassigned');
    const code = async (p: Promise<unknown>) => p.then(() => 'OK', (e: DomainError) => e.code);
    expect(await code(sending.request(actor('worker'), others, 'EMAIL'))).toBe(ErrorCode.NOT_FOUND);
    expect(await code(sending.request(actor('worker'), kaunas, 'EMAIL'))).toBe(ErrorCode.NOT_FOUND);
    expect(await code(sending.request(actor('worker'), unassigned, 'EMAIL'))).toBe(ErrorCode.NOT_FOUND);
    expect(await code(sending.request(actor('coordinator', 'COORDINATOR'), others, 'EMAIL'))).toBe(ErrorCode.FORBIDDEN);
    expect(await code(sending.request(actor('worker'), others, 'FAX'))).toBe(ErrorCode.VALIDATION_FAILED);
    const noEmail = await heldCaseWith('no-email', 'worker', { email: null });
    expect(await code(sending.request(actor('worker'), noEmail, 'EMAIL'))).toBe(ErrorCode.CONFLICT);
    const count = await q<{ n: number }>('SELECT count(*)::int AS n FROM outgoing_message WHERE case_id = ANY($1)', [[others, kaunas, unassigned, noEmail]]);
    expect(count[0].n).toBe(0);
  });

  it('runs through the letters queue: the handler sends, and the queue carries the global rate limit', async () => {
    const handler = module.get(SendMessageHandler);
    const producer = module.get(JobProducer);
    expect(await producer.queue(QueueName.LETTERS).getGlobalRateLimit()).toMatchObject({ max: LETTERS_RATE_LIMIT.max, duration: LETTERS_RATE_LIMIT.duration });
    // Earlier tests queued jobs for messages they delivered by hand: only this test's job should run.
    await producer.queue(QueueName.LETTERS).drain(true);
    const connection = createRedis(db.config, 'worker');
    const worker = new Worker(QueueName.LETTERS, (job) => handler.handle(job.data, { attempt: job.attemptsMade + 1 }), {
      connection,
      prefix: db.config.redis.prefix,
    });
    try {
      const caseId = await heldCaseWith('through-queue');
      const message = await sending.request(actor('worker'), caseId, 'EMAIL');
      for (let i = 0; i < 100 && (await messageRow(message.id)).status === 'PENDING'; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await messageRow(message.id)).toMatchObject({ status: 'SENT', attempts: 1 });
      expect(smtp.received.map((m) => m.to)).toEqual([['zydrune@example.invalid']]);
    } finally {
      await worker.close();
      connection.disconnect();
    }
  });
});
