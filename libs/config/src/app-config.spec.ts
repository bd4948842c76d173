import { ConfigError, DEV_APP_PASSWORD, loadConfig } from './app-config';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const STRONG_APP_PASSWORD = 'Vq7-kT2p_9sWz4xL';
const STRONG_KEY = '3f9a1c7e5b2d8046a1c3e5f7092b4d6f8a1c3e5f7092b4d6f8a1c3e5f7092b4d';
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
      APP_DATABASE_URL: `postgres://tiltas_rw:${STRONG_APP_PASSWORD}@db/tiltas`,
      REDIS_URL: 'redis://r:6379',
      SESSION_SECRET: 'x'.repeat(48),
      CONTACTS_KEY: STRONG_KEY,
      PUBLIC_URL: 'https://tiltas.example',
      DEMO_SECRETS_FILE: demoFile(),
    });
    expect(config.secrets.demo).toEqual([]);
    expect(config.database.appRole).toBe('tiltas_rw');
    expect(config.database.appPassword).toBe(STRONG_APP_PASSWORD);
  });

  describe('in production, refuses the values published or generated for development', () => {
    const production = (env: Record<string, string>) => ({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://owner@db/tiltas',
      APP_DATABASE_URL: `postgres://tiltas_app:${STRONG_APP_PASSWORD}@db/tiltas`,
      REDIS_URL: 'redis://r:6379',
      SESSION_SECRET: 'x'.repeat(48),
      CONTACTS_KEY: STRONG_KEY,
      PUBLIC_URL: 'https://tiltas.example',
      DEMO_SECRETS_FILE: demoFile(),
      ...env,
    });

    it('the application role password that ships with Tiltas, naming APP_DATABASE_URL', () => {
      const env = production({ APP_DATABASE_URL: `postgres://tiltas_app:${DEV_APP_PASSWORD}@db/tiltas` });
      expect(() => loadConfig(env)).toThrow(/APP_DATABASE_URL: its password is the development default/);
      // The same URL is fine where it belongs.
      expect(loadConfig({ ...env, NODE_ENV: 'development' }).database.appPassword).toBe(DEV_APP_PASSWORD);
    });

    it('an application role password that is empty or short', () => {
      expect(() => loadConfig(production({ APP_DATABASE_URL: 'postgres://tiltas_app@db/tiltas' }))).toThrow(/APP_DATABASE_URL: the password of the application role is missing or too weak/);
      expect(() => loadConfig(production({ APP_DATABASE_URL: 'postgres://tiltas_app:s3cr3t@db/tiltas' }))).toThrow(/APP_DATABASE_URL: .* too weak/);
    });

    it('the contacts key and session secret generated in the development secrets file', () => {
      const file = demoFile();
      const dev = loadConfig({ DEMO_SECRETS_FILE: file });
      const generated = JSON.parse(readFileSync(file, 'utf8')) as { sessionSecret: string; contactsKeyHex: string };
      expect(dev.secrets.contactsKey.toString('hex')).toBe(generated.contactsKeyHex);
      expect(() => loadConfig(production({ DEMO_SECRETS_FILE: file, CONTACTS_KEY: generated.contactsKeyHex }))).toThrow(/CONTACTS_KEY: is the development key generated in/);
      expect(() => loadConfig(production({ DEMO_SECRETS_FILE: file, SESSION_SECRET: generated.sessionSecret }))).toThrow(/SESSION_SECRET: (too weak|is the development secret)/);
    });

    it('a contacts key of one repeated byte', () => {
      expect(() => loadConfig(production({ CONTACTS_KEY: '00'.repeat(32) }))).toThrow(/CONTACTS_KEY: is one byte repeated/);
    });
  });

  it('rejects a contacts key that is not 32 bytes', () => {
    expect(() => loadConfig({ CONTACTS_KEY: 'abcd', DEMO_SECRETS_FILE: demoFile() })).toThrow(/CONTACTS_KEY: must be 32 bytes/);
  });

  it('serves no metrics without METRICS_TOKEN, and refuses a short or spaced one', () => {
    expect(loadConfig({ DEMO_SECRETS_FILE: demoFile() }).metrics.token).toBeNull();
    expect(loadConfig({ METRICS_TOKEN: 'm'.repeat(40), DEMO_SECRETS_FILE: demoFile() }).metrics.token).toBe('m'.repeat(40));
    expect(() => loadConfig({ METRICS_TOKEN: 'short', DEMO_SECRETS_FILE: demoFile() })).toThrow(/METRICS_TOKEN: must be at least 32 characters/);
    expect(() => loadConfig({ METRICS_TOKEN: `${'m'.repeat(20)} ${'m'.repeat(20)}`, DEMO_SECRETS_FILE: demoFile() })).toThrow(/METRICS_TOKEN: printable ASCII, no spaces/);
  });

  it('trusts no proxy unless told, and takes a hop count or a list of addresses, CIDRs and Express names', () => {
    const trust = (value?: string) => loadConfig({ ...(value === undefined ? {} : { TRUST_PROXY: value }), DEMO_SECRETS_FILE: demoFile() }).http.trustProxy;
    expect(trust()).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('2')).toBe(2);
    expect(trust('loopback')).toEqual(['loopback']);
    expect(trust('loopback, 10.20.0.0/16,10.30.1.5, fd00::/8')).toEqual(['loopback', '10.20.0.0/16', '10.30.1.5', 'fd00::/8']);
  });

  it('refuses a TRUST_PROXY that would trust everyone or names no proxy, saying which entry is wrong', () => {
    const load = (value: string) => () => loadConfig({ TRUST_PROXY: value, DEMO_SECRETS_FILE: demoFile() });
    expect(load('true')).toThrow(/TRUST_PROXY: trusting every hop lets any client forge its address/);
    expect(load('0')).toThrow(/TRUST_PROXY: a hop count must be 1 to 10/);
    expect(load('10.0.0.0/33')).toThrow(/TRUST_PROXY: .*"10\.0\.0\.0\/33" has a prefix length outside 0\.\.32/);
    expect(load('loopback,proxy.internal')).toThrow(/TRUST_PROXY: .*"proxy\.internal" is not an address, a CIDR or one of loopback, linklocal, uniquelocal/);
    expect(load('10.0.0.1,,10.0.0.2')).toThrow(/TRUST_PROXY: .*an empty entry/);
  });

  it('keeps the per-address sign-in limit loose: 100 by default, never tighter than the per-account one', () => {
    const config = loadConfig({ DEMO_SECRETS_FILE: demoFile() });
    expect(config.auth).toMatchObject({ maxFailedSignIns: 5, lockoutMinutes: 15, maxFailedSignInsPerAddress: 100, addressWindowMinutes: 15 });
    expect(() => loadConfig({ SIGN_IN_MAX_FAILURES: '10', SIGN_IN_MAX_FAILURES_PER_ADDRESS: '9', DEMO_SECRETS_FILE: demoFile() })).toThrow(
      /SIGN_IN_MAX_FAILURES_PER_ADDRESS: must be at least SIGN_IN_MAX_FAILURES \(10\)/,
    );
  });

  it('refuses a plain-http OpenID Connect issuer in production, and allows it in development', () => {
    const production = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://owner@db/tiltas',
      APP_DATABASE_URL: 'postgres://tiltas_rw:Vq8-sT3n-Lk2-Rw9x@db/tiltas',
      REDIS_URL: 'redis://r:6379',
      SESSION_SECRET: 'x'.repeat(48),
      CONTACTS_KEY: '0123456789abcdef'.repeat(4),
      PUBLIC_URL: 'https://tiltas.example',
      OIDC_CLIENT_ID: 'tiltas',
      OIDC_CLIENT_SECRET: 'y'.repeat(40),
    };
    expect(() => loadConfig({ ...production, OIDC_ISSUER: 'http://idp.example/realms/lt' })).toThrow(/OIDC_ISSUER: must be https in production/);
    expect(loadConfig({ ...production, OIDC_ISSUER: 'https://idp.example/realms/lt' }).auth.oidc?.issuer).toBe('https://idp.example/realms/lt');
    expect(loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:8080', OIDC_CLIENT_ID: 'tiltas', OIDC_CLIENT_SECRET: 's', DEMO_SECRETS_FILE: demoFile() }).auth.oidc?.issuer).toBe('http://127.0.0.1:8080');
  });
});
