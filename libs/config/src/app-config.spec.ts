import { ConfigError, loadConfig } from './app-config';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const demoFile = () => join(mkdtempSync(join(tmpdir(), 'tiltas-config-')), 'demo.json');

describe('loadConfig', () => {
  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', QUARANTINE_MAX_RATIO: '2', LOG_LEVEL: 'loud', DEMO_SECRETS_FILE: demoFile() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'QUARANTINE_MAX_RATIO', 'LOG_LEVEL']) expect(problems).toContain(name);
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('refuses a closed-case retention no longer than the longest re-listing period, naming both', () => {
    expect(() => loadConfig({ RETENTION_CLOSED_CASE_DAYS: '365', DEMO_SECRETS_FILE: demoFile() })).toThrow(
      /RETENTION_CLOSED_CASE_DAYS: must be more than RELIST_AFTER_SUPPORT_ACCEPTED_DAYS \(365\)/,
    );
    const short = { RELIST_AFTER_SUPPORT_ACCEPTED_DAYS: '100', RELIST_AFTER_ALREADY_SUPPORTED_DAYS: '100', RELIST_AFTER_MOVED_AWAY_DAYS: '100', RELIST_AFTER_NOT_ELIGIBLE_DAYS: '100' };
    expect(() => loadConfig({ ...short, RETENTION_CLOSED_CASE_DAYS: '180', DECLINE_COOLOFF_DAYS: '180', DEMO_SECRETS_FILE: demoFile() })).toThrow(
      /RETENTION_CLOSED_CASE_DAYS: must be more than RELIST_AFTER_DECLINED_DAYS \(180\)/,
    );
    expect(loadConfig({ ...short, RETENTION_CLOSED_CASE_DAYS: '181', DECLINE_COOLOFF_DAYS: '180', DEMO_SECRETS_FILE: demoFile() }).retention.closedCaseDays).toBe(181);
  });

  it('holds a person back after each closing outcome for the spec\'s periods unless told otherwise', () => {
    expect(loadConfig({ DEMO_SECRETS_FILE: demoFile() }).identification.relistAfterDays).toEqual({
      SUPPORT_ACCEPTED: 365,
      ALREADY_SUPPORTED: 365,
      MOVED_AWAY: 365,
      NOT_ELIGIBLE: 365,
      DECLINED: 180,
      UNREACHABLE: 90,
    });
    expect(loadConfig({ RELIST_AFTER_UNREACHABLE_DAYS: '30', DEMO_SECRETS_FILE: demoFile() }).identification.relistAfterDays.UNREACHABLE).toBe(30);
    // The decline cool-off's former name still counts, and two different values for it are refused.
    expect(loadConfig({ DECLINE_COOLOFF_DAYS: '200', DEMO_SECRETS_FILE: demoFile() }).identification.relistAfterDays.DECLINED).toBe(200);
    expect(() => loadConfig({ DECLINE_COOLOFF_DAYS: '200', RELIST_AFTER_DECLINED_DAYS: '150', DEMO_SECRETS_FILE: demoFile() })).toThrow(/RELIST_AFTER_DECLINED_DAYS, DECLINE_COOLOFF_DAYS/);
  });

  it('seals the audit chain every minute unless told, and refuses a seal cron finer than the minute its jobs are named by', () => {
    expect(loadConfig({ DEMO_SECRETS_FILE: demoFile() }).retention.auditSealCron).toBe('* * * * *');
    expect(loadConfig({ AUDIT_SEAL_CRON: '*/5 * * * *', DEMO_SECRETS_FILE: demoFile() }).retention.auditSealCron).toBe('*/5 * * * *');
    expect(() => loadConfig({ AUDIT_SEAL_CRON: '*/5 * * * * *', DEMO_SECRETS_FILE: demoFile() })).toThrow(/AUDIT_SEAL_CRON: must be a cron expression of 5 fields/);
  });

  it('runs in development with nothing set, on generated demo secrets that it marks as such', () => {
    const file = demoFile();
    const config = loadConfig({ DEMO_SECRETS_FILE: file });
    expect(config.env).toBe('development');
    expect(config.database.ownerUrl).toBe('postgres://postgres@127.0.0.1:5432/tiltas');
    expect(new URL(config.database.appUrl).username).toBe('tiltas_app');
    expect(config.secrets.demo).toEqual(expect.arrayContaining(['SESSION_SECRET', 'CONTACTS_KEY']));
    expect(config.secrets.contactsKey).toHaveLength(32);
    // The same file gives the same vault key to the CLI that loads contacts and the api that reveals them.
    expect(loadConfig({ DEMO_SECRETS_FILE: file }).secrets.contactsKey.equals(config.secrets.contactsKey)).toBe(true);
  });

  it('refuses production without its secrets, and with weak ones', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', DEMO_SECRETS_FILE: demoFile() })).toThrow(/DATABASE_URL: required in production[\s\S]*SESSION_SECRET: required[\s\S]*CONTACTS_KEY: required/);
    expect(() =>
      loadConfig({
        NODE_ENV: 'production',
        DATABASE_URL: 'postgres://o@db/t',
        APP_DATABASE_URL: 'postgres://a:pw@db/t',
        REDIS_URL: 'redis://r:6379',
        SESSION_SECRET: 'changeme',
        CONTACTS_KEY: 'a'.repeat(64),
        PUBLIC_URL: 'https://tiltas.example',
      }),
    ).toThrow(/SESSION_SECRET: too weak/);
  });

  it('accepts a complete production configuration and uses no demo value', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://owner@db/tiltas',
      APP_DATABASE_URL: 'postgres://tiltas_rw:s3cr3t@db/tiltas',
      REDIS_URL: 'redis://r:6379',
      SESSION_SECRET: 'x'.repeat(48),
      CONTACTS_KEY: 'ab'.repeat(32),
      PUBLIC_URL: 'https://tiltas.example',
    });
    expect(config.secrets.demo).toEqual([]);
    expect(config.database.appRole).toBe('tiltas_rw');
    expect(config.database.appPassword).toBe('s3cr3t');
  });

  it('rejects a contacts key that is not 32 bytes', () => {
    expect(() => loadConfig({ CONTACTS_KEY: 'abcd', DEMO_SECRETS_FILE: demoFile() })).toThrow(/CONTACTS_KEY: must be 32 bytes/);
  });
});
