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

  it('refuses a closed-case retention no longer than the decline cool-off, naming both', () => {
    expect(() => loadConfig({ RETENTION_CLOSED_CASE_DAYS: '180', DECLINE_COOLOFF_DAYS: '180', DEMO_SECRETS_FILE: demoFile() })).toThrow(
      /RETENTION_CLOSED_CASE_DAYS: must be more than DECLINE_COOLOFF_DAYS \(180\)/,
    );
    expect(loadConfig({ RETENTION_CLOSED_CASE_DAYS: '181', DECLINE_COOLOFF_DAYS: '180', DEMO_SECRETS_FILE: demoFile() }).retention.closedCaseDays).toBe(181);
  });

  it('seals the audit chain every minute unless told, and refuses a seal cron finer than the minute its jobs are named by', () => {
    expect(loadConfig({ DEMO_SECRETS_FILE: demoFile() }).retention.auditSealCron).toBe('* * * * *');
    expect(loadConfig({ AUDIT_SEAL_CRON: '*/5 * * * *', DEMO_SECRETS_FILE: demoFile() }).retention.auditSealCron).toBe('*/5 * * * *');
    expect(() => loadConfig({ AUDIT_SEAL_CRON: '*/5 * * * * *', DEMO_SECRETS_FILE: demoFile() })).toThrow(/AUDIT_SEAL_CRON: must be a cron expression of 5 fields/);
  });

  it('limits records to 64 KiB and uploads to 2 GiB and shreds stuck uploads after 24 hours unless told, refusing limits out of range', () => {
    expect(loadConfig({ DEMO_SECRETS_FILE: demoFile() }).ingest).toMatchObject({ maxRecordBytes: 65_536, maxUploadBytes: 2_147_483_648, uploadStuckHours: 24 });
    expect(loadConfig({ MAX_UPLOAD_BYTES: '4096', UPLOAD_STUCK_HOURS: '2', DEMO_SECRETS_FILE: demoFile() }).ingest).toMatchObject({ maxUploadBytes: 4096, uploadStuckHours: 2 });
    let error: unknown;
    try {
      loadConfig({ MAX_RECORD_BYTES: '10', MAX_UPLOAD_BYTES: 'big', UPLOAD_STUCK_HOURS: '0', DEMO_SECRETS_FILE: demoFile() });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems.map((p) => p.split(':')[0]).sort()).toEqual(['MAX_RECORD_BYTES', 'MAX_UPLOAD_BYTES', 'UPLOAD_STUCK_HOURS']);
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
