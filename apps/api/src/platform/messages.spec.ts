import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Messages } from './messages';
import { VIEWS_DIR, formatDate, formatTime, smallCount } from './view-engine';

const messages = new Messages(join(VIEWS_DIR, 'i18n'));

function templates(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? templates(path) : name.endsWith('.hbs') ? [path] : [];
  });
}

/** Literal keys: `{{t "key"`, `(t "key"`; keys built with concat are checked by their enum below. */
function literalKeys(source: string): string[] {
  return [...source.matchAll(/[{(]t "([^"]+)"/g)].map((m) => m[1]);
}

describe('the message catalogue', () => {
  it('has every key in both Lithuanian and English, and no empty message', () => {
    expect(messages.keys('lt').sort()).toEqual(messages.keys('en').sort());
    for (const lang of ['lt', 'en'] as const) {
      for (const key of messages.keys(lang)) expect({ key, empty: messages.t(lang, key).trim() === '' }).toEqual({ key, empty: false });
    }
  });

  it('holds the response page, and only it, in Russian and Polish, with no empty message', () => {
    const page = messages.keys('lt').filter((key) => key.startsWith('respond.page.')).sort();
    expect(page.length).toBeGreaterThan(30);
    for (const lang of ['ru', 'pl'] as const) {
      expect(messages.keys(lang).sort()).toEqual(page);
      for (const key of page) expect({ key, empty: messages.t(lang, key).trim() === '' }).toEqual({ key, empty: false });
    }
    // Each is its own translation, not a copy of another language.
    expect(messages.t('ru', 'respond.page.answer.HELP')).not.toBe(messages.t('pl', 'respond.page.answer.HELP'));
  });

  it('holds every key a template names', () => {
    const missing: string[] = [];
    for (const file of templates(VIEWS_DIR)) {
      // sign-in.hbs is rendered with its own texts by the access controller.
      if (file.endsWith('sign-in.hbs')) continue;
      for (const key of literalKeys(readFileSync(file, 'utf8'))) if (!messages.has('lt', key)) missing.push(`${file.slice(VIEWS_DIR.length)}: ${key}`);
    }
    expect(missing).toEqual([]);
  });

  it('names every role and every error page the pages build keys for', () => {
    for (const role of ['WORKER', 'COORDINATOR', 'AUDITOR', 'ADMIN']) expect(messages.has('lt', `role.${role}`)).toBe(true);
    for (const status of [400, 401, 403, 404, 500, 503]) expect(messages.has('en', `error.${status}.title`)).toBe(true);
  });

  it('fills placeholders and refuses a key it does not have', () => {
    expect(messages.t('en', 'audit.entry.title', { seq: 42 })).toBe('Log entry 42');
    expect(messages.t('lt', 'audit.entry.title', { seq: 42 })).toBe('Žurnalo įrašas 42');
    expect(() => messages.t('lt', 'no.such.key')).toThrow('message no.such.key is missing in lt');
  });
});

describe('page formatting', () => {
  it('shows instants as Vilnius dates and times, across the daylight-saving change', () => {
    expect(formatTime('2026-07-01T21:30:00Z')).toBe('2026-07-02 00:30');
    expect(formatTime('2026-12-01T21:30:00Z')).toBe('2026-12-01 23:30');
    expect(formatDate('2026-12-31T22:30:00Z')).toBe('2027-01-01');
    expect(formatDate('2026-02-28')).toBe('2026-02-28');
  });

  it('shows counts of 1 to 4 as "<5" and 0 as 0 unless the viewer sees small counts', () => {
    expect([0, 1, 4, 5, 12].map((n) => smallCount(n, false))).toEqual(['0', '<5', '<5', '5', '12']);
    expect([0, 4, 5].map((n) => smallCount(n, true))).toEqual(['0', '4', '5']);
    // A count not there yet (an upload still being ingested) is blank, not "<5".
    expect([null, undefined, ''].map((n) => smallCount(n, false))).toEqual(['', '', '']);
    expect(smallCount('<5', true)).toBe('<5');
  });
});
