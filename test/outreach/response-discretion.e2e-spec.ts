import { NestExpressApplication } from '@nestjs/platform-express';
import { REGISTER_CODES } from '@tiltas/contract';
import { FORBIDDEN_WORDS, MessageSendingService, forbiddenWordsIn } from '@tiltas/letters';
import { STANDARD_CRITERION_IDS } from '@tiltas/targeting';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { readMail, startSmsGateway, startSmtpServer } from '../../libs/letters/src/testing/letters-fixtures';
import { clearRedisPrefix, createTestDatabase, TestDatabase } from '../support/test-database';
import { Agent, addUser, signIn, startApi } from './outreach-test-app';
import { insertCase, insertPerson } from './outreach-factory';

jest.setTimeout(120_000);

const LANGUAGES = ['lt', 'ru', 'pl', 'en'] as const;
const MAX_PER_ADDRESS = 5;
const LINK = /https?:\/\/[^\s"<]+\/r\/([0-9A-Z-]+)/g;
const TOKEN = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;
/**
 * Words of the register names that name no register in particular: every invitation speaks of work and
 * services by design (the national templates' wording), and "register" itself is a forbidden word
 * checked on its own.
 */
const GENERIC = new Set(['register', 'registras', 'service', 'services', 'tarnyba', 'paslaugų', 'darbo', 'įstaigų']);

/** What must never appear in a link, a title or a message: cohort ids, register codes and the words that name registers, in every catalogue. */
function revealingTerms(): string[] {
  const words = new Set<string>();
  for (const lang of ['lt', 'en']) {
    const catalogue = JSON.parse(readFileSync(join(__dirname, '..', '..', 'apps', 'api', 'views', 'i18n', `${lang}.json`), 'utf8')) as Record<string, string>;
    for (const [key, text] of Object.entries(catalogue)) {
      if (!/^(register|wrongRegister)\./.test(key) || key === 'wrongRegister.NONE') continue;
      for (const word of text.toLowerCase().split(/[^\p{L}]+/u)) if (word.length >= 4 && !GENERIC.has(word)) words.add(word);
    }
  }
  return [...STANDARD_CRITERION_IDS, ...REGISTER_CODES, ...REGISTER_CODES.map((c) => c.replace(/_/g, ' ')), ...words];
}

/** The text a person reads: tags dropped, attribute values a browser shows or speaks (title, aria-label, alt) kept. */
function readable(html: string): string {
  const spoken = [...html.matchAll(/\s(?:aria-label|title|alt)="([^"]*)"/g)].map((m) => m[1]).join(' ');
  return `${html.replace(/<style[\s\S]*?<\/style>/g, ' ').replace(/<[^>]+>/g, ' ')} ${spoken}`.replace(/&[a-z]+;|&#x?[0-9a-f]+;/gi, ' ');
}

/**
 * Nothing a person receives or opens says why they were written to: every generated letter, email and SMS
 * in the four languages, and the public response page in every state and language, is scanned for cohort
 * ids, register codes and register names (from the catalogues), and for the letters' forbidden words. A
 * link is nothing but its random token.
 */
describe('discretion of letters, messages and the response page', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let worker: Agent;
  let workerId: string;
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  let gateway: Awaited<ReturnType<typeof startSmsGateway>>;
  const terms = revealingTerms();
  const q = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => db.query<T>(sql, params);
  let address = 0;
  const from = () => `203.0.113.${++address}`;
  /** Everything scanned, by where it came from, for the assertions and their messages. */
  const scanned: Array<{ what: string; text: string }> = [];
  const links: string[] = [];

  function collect(what: string, text: string): void {
    for (const m of text.matchAll(LINK)) links.push(m[1]);
    scanned.push({ what, text: text.replace(LINK, ' ') });
  }

  beforeAll(async () => {
    smtp = await startSmtpServer();
    gateway = await startSmsGateway();
    db = await createTestDatabase({ TRUST_PROXY: 'loopback', RESPONSE_LINK_MAX_PER_ADDRESS: String(MAX_PER_ADDRESS), SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, SMS_GATEWAY_URL: gateway.url });
    app = await startApi(db.config);
    workerId = await addUser(app, 'worker57', 'WORKER', 'LT-57');
    worker = await signIn(app, 'worker57');
    const sending = app.get(MessageSendingService, { strict: false });
    const page = async (path: string, what: string, status: number) => {
      const res = await request(app.getHttpServer()).get(path).set('X-Forwarded-For', from());
      expect({ what, status: res.status }).toEqual({ what, status });
      collect(what, readable(res.text));
      return res;
    };
    const answer = async (path: string, fields: Record<string, string>, what: string) => {
      const address = from();
      const opened = await request(app.getHttpServer()).get(path).set('X-Forwarded-For', address);
      const cookie = ([] as string[]).concat(opened.headers['set-cookie'] ?? []).find((c) => c.startsWith('tiltas_csrf='))!.split(';')[0];
      const token = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(opened.text)![1];
      const res = await request(app.getHttpServer())
        .post(path)
        .set('X-Forwarded-For', address)
        .set('Origin', new URL(db.config.http.publicUrl).origin)
        .set('Cookie', cookie)
        .type('form')
        .send({ _csrf: token('_csrf'), formToken: token('formToken'), ...fields });
      expect({ what, status: res.status }).toEqual({ what, status: 200 });
      collect(what, readable(res.text));
    };

    for (const [i, language] of LANGUAGES.entries()) {
      // Listed by the most telling cohorts: nothing of that may show anywhere the person looks.
      await insertPerson(db, `person-${language}`, { contact: { language, email: `person-${language}@example.invalid`, phone: `+3706000000${i}` } });
      const caseId = await insertCase(db, `person-${language}`, { status: 'ASSIGNED', assignedTo: workerId, cohorts: ['recent-release', 'care-leaver', 'disability-unserved'] });
      const letter = await worker.post(`/api/letters/cases/${caseId}/invitation`).expect(200);
      collect(`letter ${language}`, readable(letter.text));
      for (const channel of ['EMAIL', 'SMS'] as const) {
        const message = await worker.post(`/api/letters/cases/${caseId}/messages`, { channel }).expect(202);
        expect((await sending.deliver(message.body.id, 1)).status).toBe('SENT');
      }
      const mail = readMail(smtp.received[smtp.received.length - 1].raw);
      collect(`email ${language}`, `${mail.header('subject')}\n${mail.text}\n${readable(mail.html)}`);
      collect(`sms ${language}`, gateway.requests[gateway.requests.length - 1].body.text);

      const path = new URL(/<p class="url">([^<]+)<\/p>/.exec(letter.text)![1]).pathname;
      for (const lang of LANGUAGES) await page(`${path}?lang=${lang}`, `page ${language} in ${lang}`, 200);
      await answer(path, { answer: (['HELP', 'LATER', 'STOP', 'HELP'] as const)[i], phone: '+370 611 22333' }, `answered ${language}`);
      await page(path, `used ${language}`, 410);
    }
    await insertPerson(db, 'person-expired', { contact: { language: 'lt' } });
    const expiredCase = await insertCase(db, 'person-expired', { status: 'ASSIGNED', assignedTo: workerId, cohorts: ['pre-release'] });
    const expiredLetter = await worker.post(`/api/letters/cases/${expiredCase}/invitation`).expect(200);
    collect('letter lt, second', readable(expiredLetter.text));
    await q(`UPDATE response_link SET issued_at = now() - interval '90 days', expires_at = now() - interval '1 day' WHERE case_id = $1`, [expiredCase]);
    const expiredPath = new URL(/<p class="url">([^<]+)<\/p>/.exec(expiredLetter.text)![1]).pathname;
    for (const lang of LANGUAGES) {
      await page(`${expiredPath}?lang=${lang}`, `expired in ${lang}`, 410);
      await page(`/r/AAAA-BBBB-CCCC-DDDD?lang=${lang}`, `forged in ${lang}`, 404);
    }
    // One address past its limit sees the limit's page.
    const busy = from();
    let last = 0;
    for (let i = 0; i <= MAX_PER_ADDRESS; i++) last = (await request(app.getHttpServer()).get(`/r/AAAA-BBBB-CCCC-${1000 + i}?lang=en`).set('X-Forwarded-For', busy)).status;
    expect(last).toBe(429);
    const limited = await request(app.getHttpServer()).get(`/r/AAAA-BBBB-CCCC-DDDD?lang=ru`).set('X-Forwarded-For', busy).expect(429);
    collect('limited ru', readable(limited.text));
  });

  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    await gateway?.close();
    if (db) await clearRedisPrefix(db.config.redis.prefix);
    await db?.drop();
  });

  it('scanned a letter, an email and an SMS in each language, and the page in each state and language', () => {
    const kinds = (prefix: string) => scanned.filter((s) => s.what.startsWith(prefix)).length;
    expect([kinds('letter'), kinds('email'), kinds('sms'), kinds('page'), kinds('answered'), kinds('used'), kinds('expired'), kinds('forged'), kinds('limited')]).toEqual([
      5, 4, 4, 16, 4, 4, 4, 4, 1,
    ]);
    expect(terms).toEqual(expect.arrayContaining(['recent-release', 'prison', 'social services', 'neįgalumo', 'globos', 'disability']));
  });

  it('puts nothing in a link but its random token', () => {
    // Four letters, four emails (both parts) and four SMS carry links; each is its token alone.
    expect(links.length).toBeGreaterThanOrEqual(12);
    for (const token of links) expect(token).toMatch(TOKEN);
  });

  const termsIn = (text: string): string[] => {
    const lower = text.toLowerCase();
    return terms.filter((term) => new RegExp(`(?<![\\p{L}\\p{N}-])${term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}-])`, 'u').test(lower));
  };

  it('would find a cohort, a register code or a register name where there is one', () => {
    expect(termsIn('Sveiki! Jūs esate recent-release, kviečiame.')).toEqual(['recent-release']);
    expect(termsIn('From the Prison register: social services.')).toEqual(expect.arrayContaining(['prison', 'social services', 'social']));
    expect(termsIn('Neįgalumo byla')).toEqual(['neįgalumo']);
  });

  it('names no cohort and no register in any letter, message, page or title', () => {
    const found = scanned.flatMap(({ what, text }) => termsIn(text).map((term) => `${what}: ${term}`));
    expect(found).toEqual([]);
  });

  it('uses none of the words that would say why a person was written to, in any of the four languages', () => {
    expect(Object.keys(FORBIDDEN_WORDS).sort()).toEqual(['en', 'lt', 'pl', 'ru']);
    const found = scanned.flatMap(({ what, text }) => forbiddenWordsIn(text).map((word) => `${what}: ${word}`));
    expect(found).toEqual([]);
  });
});
