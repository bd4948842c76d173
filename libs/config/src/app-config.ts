import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';

/**
 * The one validated configuration of Tiltas. process.env is read here and nowhere else; every variable is
 * documented in config/.env.example. Boot fails with a ConfigError that names every bad variable at once.
 */
export type Environment = 'development' | 'test' | 'production';

/** The closing outcomes that hold a person back for a configured period (the others hold by rule 1). */
export const RELIST_OUTCOMES = ['SUPPORT_ACCEPTED', 'ALREADY_SUPPORTED', 'MOVED_AWAY', 'NOT_ELIGIBLE', 'DECLINED', 'UNREACHABLE'] as const;
export type RelistOutcome = (typeof RELIST_OUTCOMES)[number];

export interface AppConfig {
  readonly env: Environment;
  readonly database: {
    /** Owner (or superuser) connection: migrations, extract loading DDL. */
    readonly ownerUrl: string;
    /** The application role's connection: it owns nothing, so row-level security and grants apply. */
    readonly appUrl: string;
    readonly appRole: string;
    readonly appPassword: string;
    readonly poolSize: number;
  };
  readonly redis: RedisConfig;
  readonly queue: {
    /** How long a job's lock lives without renewal: a worker that died is noticed within about twice this. */
    readonly jobLockSeconds: number;
  };
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly publicUrl: string;
    /**
     * Express's `trust proxy`: which peers may tell the client's address in X-Forwarded-For. false trusts
     * none (the peer's own address is the client's); a number trusts that many hops; a list names the
     * proxies by address, CIDR or one of loopback, linklocal, uniquelocal.
     */
    readonly trustProxy: false | number | readonly string[];
  };
  /** The bearer token Prometheus sends for /metrics; null: /metrics is off (404). */
  readonly metrics: { readonly token: string | null };
  readonly log: { readonly level: string; readonly pretty: boolean };
  readonly secrets: {
    readonly sessionSecret: string;
    /** AES-256-GCM key of the contacts vault, 32 bytes. */
    readonly contactsKey: Buffer;
    readonly contactsKeyId: string;
    /** What response links are signed with (RESPONSE_LINK_SECRET, else SESSION_SECRET; a key is derived from it for that one use). */
    readonly responseLinkSecret: string;
    /** Which of these came from generated demo values (never allowed in production). */
    readonly demo: readonly string[];
  };
  readonly pseudonymisation: {
    /** JSON file { keyId, keyHex } of the key registers pseudonymise with: the subject access lookup uses it. */
    readonly keyFile: string | null;
  };
  readonly auth: {
    readonly sessionIdleMinutes: number;
    readonly sessionAbsoluteHours: number;
    readonly maxFailedSignIns: number;
    readonly lockoutMinutes: number;
    /** Failed sign-ins from one client address, any accounts, within addressWindowMinutes. */
    readonly maxFailedSignInsPerAddress: number;
    readonly addressWindowMinutes: number;
    readonly oidc: { readonly issuer: string; readonly clientId: string; readonly clientSecret: string; readonly roleClaim: string; readonly municipalityClaim: string } | null;
  };
  readonly ingest: {
    readonly maxQuarantineRatio: number;
    readonly storageDir: string;
    readonly copyBatchRows: number;
    /** The longest CSV record kept, in bytes; a longer row is quarantined as too long. */
    readonly maxRecordBytes: number;
    /** The largest CSV an upload may carry, in bytes; a larger one is refused while it streams. */
    readonly maxUploadBytes: number;
    /** Hours after which an upload that never finished, or was never ingested, is deleted by retention. */
    readonly uploadStuckHours: number;
  };
  readonly identification: {
    readonly cron: string;
    /**
     * Days after a closing with this outcome during which a run opens no new case for the person in that
     * municipality (spec/extracts.md "Re-listing after a case closed"). DECEASED and OPTED_OUT hold by rule 1.
     */
    readonly relistAfterDays: Readonly<Record<RelistOutcome, number>>;
  };
  readonly outreach: {
    readonly unreachableAfterAttempts: number;
    readonly revealsPerHour: number;
    /** Minutes after a reveal during which the worker who made it sees the contacts again as a logged view, without a new reveal. */
    readonly revealReviewMinutes: number;
    /** Days a partner organisation's signed referral link stays valid. */
    readonly referralLinkDays: number;
    /** The response link in every letter, email and SMS (docs/response-links.md). */
    readonly responseLink: {
      /** Days a link stays valid after its letter or message. */
      readonly days: number;
      /** Requests one link may take per window (opening the page and answering both count). */
      readonly maxPerLink: number;
      /** Requests one client address may make to response links per window, any links. */
      readonly maxPerAddress: number;
      readonly windowMinutes: number;
    };
  };
  readonly retention: {
    readonly cron: string;
    readonly supersededExtractDays: number;
    readonly closedCaseDays: number;
    readonly auditAnchorCron: string;
    /** When committed audit entries are linked into the hash chain (the worker's audit.seal job). */
    readonly auditSealCron: string;
  };
  /** The time zone the cron schedules read their expressions in, and name their daily periods by. */
  readonly schedules: { readonly timeZone: string };
  readonly mail: {
    readonly smtpUrl: string | null;
    readonly from: string;
    readonly smsGatewayUrl: string | null;
    /** HMAC keys of the delivery callbacks (SMS_CALLBACK_SECRET, EMAIL_BOUNCE_SECRET); null refuses every callback. */
    readonly smsCallbackSecret: string | null;
    readonly emailBounceSecret: string | null;
  };
  /** Where each anchor of the audit log is kept outside the database as well (the worker's audit.anchor job). */
  readonly auditAnchors: {
    /** Folder whose anchor file (JSON lines) each anchor is appended to; null when not kept in a folder. */
    readonly dir: string | null;
    /** Each anchor is POSTed here as one JSON document; null when not sent anywhere. */
    readonly url: string | null;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const DEV_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/tiltas';
const DEV_REDIS_URL = 'redis://127.0.0.1:6379';
/** Published in this repository: fine on a developer's machine, refused in production. */
export const DEV_APP_PASSWORD = 'tiltas-demo-app-password';

/**
 * Where Redis is. `url` alone names one server; with `sentinels` (REDIS_SENTINELS) the Sentinels are asked
 * for the current master of `masterName`, and `url` gives only the credentials and the database number.
 */
export interface RedisConfig {
  readonly url: string;
  readonly prefix: string;
  readonly sentinels: ReadonlyArray<{ readonly host: string; readonly port: number }> | null;
  readonly masterName: string;
  readonly sentinelPassword: string | null;
}

function parseSentinels(list: string): Array<{ host: string; port: number }> {
  return list.split(',').map((entry) => {
    const [host, port] = entry.trim().split(':');
    return { host, port: Number(port) };
  });
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a URL (${protocols.join(' or ')})`);

const cron = z.string().refine((v) => v.trim().split(/\s+/).length >= 5 && v.trim().split(/\s+/).length <= 6, 'must be a cron expression of 5 or 6 fields');
/** A cron of whole minutes: the jobs it enqueues are named by their minute, so a finer one would collapse into one. */
const minuteCron = z.string().refine((v) => v.trim().split(/\s+/).length === 5, 'must be a cron expression of 5 fields (minutes at the finest)');

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** One entry of a TRUST_PROXY list: an address, an address/prefix-length, or a name Express knows. */
function proxyEntryProblem(entry: string): string | null {
  if (PROXY_NAMES.includes(entry)) return null;
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return `"${entry}" is not an address, a CIDR or one of ${PROXY_NAMES.join(', ')}`;
  if (bits === undefined) return null;
  const max = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max ? null : `"${entry}" has a prefix length outside 0..${max}`;
}

/**
 * Off unless set: trusting X-Forwarded-For from anyone would let every client choose the address the
 * sign-in limit counts. `true` (every hop) is refused for the same reason.
 */
const trustProxy = z
  .string()
  .optional()
  .transform((value, ctx): false | number | string[] => {
    const v = (value ?? '').trim();
    if (v === '' || v === 'false' || v === 'off') return false;
    if (/^\d+$/.test(v)) {
      const hops = Number(v);
      if (hops >= 1 && hops <= 10) return hops;
      ctx.addIssue({ code: 'custom', message: 'a hop count must be 1 to 10 (unset or false trusts no proxy)' });
      return z.NEVER;
    }
    if (v === 'true' || v === '*') {
      ctx.addIssue({ code: 'custom', message: 'trusting every hop lets any client forge its address: give a hop count, loopback, or the proxies\' addresses' });
      return z.NEVER;
    }
    const entries = v.split(',').map((e) => e.trim());
    const problems = entries.map((e) => (e === '' ? 'an empty entry in the list' : proxyEntryProblem(e))).filter((p): p is string => p !== null);
    if (problems.length > 0) {
      ctx.addIssue({ code: 'custom', message: `must be a hop count, or a comma-separated list of addresses, CIDRs, ${PROXY_NAMES.join(', ')}: ${problems.join('; ')}` });
      return z.NEVER;
    }
    return entries;
  });

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  APP_DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  APP_DB_ROLE: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier').default('tiltas_app'),
  DB_POOL_SIZE: int(1, 200).default(10),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_SENTINELS: z
    .string()
    .regex(/^\s*[^\s,:]+:\d{1,5}\s*(,\s*[^\s,:]+:\d{1,5}\s*)*$/, 'a comma-separated list of host:port')
    .optional(),
  REDIS_MASTER_NAME: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only').default('tiltas'),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_:-]{1,64}$/, 'letters, digits, _ : - only').default('tiltas'),
  JOB_LOCK_SECONDS: int(2, 600).default(30),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(3000),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  METRICS_TOKEN: z.string().min(32, 'must be at least 32 characters').regex(/^[\x21-\x7e]+$/, 'printable ASCII, no spaces').optional(),
  TRUST_PROXY: trustProxy,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_PRETTY: z.enum(['true', 'false']).default('false'),
  SESSION_SECRET: z.string().optional(),
  CONTACTS_KEY: z.string().optional(),
  CONTACTS_KEY_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default('contacts-1'),
  PSEUDONYM_KEY_FILE: z.string().optional(),
  DEMO_SECRETS_FILE: z.string().default('.tiltas/demo-secrets.json'),
  SESSION_IDLE_MINUTES: int(1, 24 * 60).default(30),
  SESSION_ABSOLUTE_HOURS: int(1, 7 * 24).default(10),
  SIGN_IN_MAX_FAILURES: int(1, 100).default(5),
  SIGN_IN_LOCKOUT_MINUTES: int(1, 24 * 60).default(15),
  SIGN_IN_MAX_FAILURES_PER_ADDRESS: int(1, 100_000).default(100),
  SIGN_IN_ADDRESS_WINDOW_MINUTES: int(1, 24 * 60).default(15),
  OIDC_ISSUER: url(['https:', 'http:']).optional(),
  OIDC_CLIENT_ID: z.string().optional(),
  OIDC_CLIENT_SECRET: z.string().optional(),
  OIDC_ROLE_CLAIM: z.string().default('tiltas_role'),
  OIDC_MUNICIPALITY_CLAIM: z.string().default('tiltas_municipality'),
  QUARANTINE_MAX_RATIO: z.coerce.number().min(0).max(1).default(0.01),
  STORAGE_DIR: z.string().default('var/uploads'),
  COPY_BATCH_ROWS: int(100, 1_000_000).default(20_000),
  MAX_RECORD_BYTES: int(1024, 1024 * 1024 * 1024).default(64 * 1024),
  MAX_UPLOAD_BYTES: int(1024, Number.MAX_SAFE_INTEGER).default(2 * 1024 * 1024 * 1024),
  UPLOAD_STUCK_HOURS: int(1, 24 * 365).default(24),
  IDENTIFY_CRON: cron.default('0 3 * * *'),
  SCHEDULE_TIME_ZONE: z
    .string()
    .refine((v) => {
      try {
        new Intl.DateTimeFormat('en-CA', { timeZone: v });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Europe/Vilnius')
    .default('Europe/Vilnius'),
  // The former name of RELIST_AFTER_DECLINED_DAYS, still honoured when that one is unset.
  DECLINE_COOLOFF_DAYS: int(0, 3650).optional(),
  RELIST_AFTER_SUPPORT_ACCEPTED_DAYS: int(0, 3650).default(365),
  RELIST_AFTER_ALREADY_SUPPORTED_DAYS: int(0, 3650).default(365),
  RELIST_AFTER_MOVED_AWAY_DAYS: int(0, 3650).default(365),
  RELIST_AFTER_NOT_ELIGIBLE_DAYS: int(0, 3650).default(365),
  RELIST_AFTER_DECLINED_DAYS: int(0, 3650).optional(),
  RELIST_AFTER_UNREACHABLE_DAYS: int(0, 3650).default(90),
  UNREACHABLE_AFTER_ATTEMPTS: int(1, 50).default(3),
  REVEALS_PER_HOUR: int(1, 10_000).default(60),
  REVEAL_REVIEW_MINUTES: int(0, 24 * 60).default(15),
  REFERRAL_LINK_DAYS: int(1, 365).default(30),
  RESPONSE_LINK_SECRET: z.string().optional(),
  RESPONSE_LINK_DAYS: int(1, 365).default(60),
  RESPONSE_LINK_MAX_PER_LINK: int(1, 10_000).default(20),
  RESPONSE_LINK_MAX_PER_ADDRESS: int(1, 100_000).default(60),
  RESPONSE_LINK_WINDOW_MINUTES: int(1, 24 * 60).default(60),
  RETENTION_CRON: cron.default('30 2 * * *'),
  RETENTION_SUPERSEDED_EXTRACT_DAYS: int(0, 3650).default(30),
  RETENTION_CLOSED_CASE_DAYS: int(1, 36500).default(730),
  AUDIT_ANCHOR_CRON: cron.default('*/15 * * * *'),
  AUDIT_SEAL_CRON: minuteCron.default('* * * * *'),
  AUDIT_ANCHOR_DIR: z.string().min(1).optional(),
  AUDIT_ANCHOR_URL: url(['http:', 'https:']).optional(),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().default('Tiltas <no-reply@tiltas.invalid>'),
  SMS_GATEWAY_URL: url(['http:', 'https:']).optional(),
  SMS_CALLBACK_SECRET: z.string().min(1).optional(),
  EMAIL_BOUNCE_SECRET: z.string().min(1).optional(),
});

type RawConfig = z.infer<typeof schema>;

/** A secret is weak when it is short or a known demo value. */
function weakSecret(value: string): boolean {
  return value.length < 32 || /demo|changeme|secret|password/i.test(value);
}

function decodeKey(value: string): Buffer | null {
  const hex = /^[0-9a-f]{64}$/i.test(value) ? Buffer.from(value, 'hex') : null;
  const b64 = hex ?? Buffer.from(value, 'base64');
  return b64.length === 32 ? b64 : null;
}

interface DemoSecrets {
  note: string;
  sessionSecret: string;
  contactsKeyHex: string;
}

/**
 * Development secrets: generated once, kept in a file so that the CLI that loads contacts and the api
 * that reveals them share one vault key. Marked as demo values; production refuses them.
 */
function demoSecrets(file: string): DemoSecrets {
  const path = resolve(file);
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as DemoSecrets;
  const secrets: DemoSecrets = {
    note: 'DEMO SECRETS generated for development on this machine. Never use in production.',
    sessionSecret: `demo-${randomBytes(32).toString('hex')}`,
    contactsKeyHex: randomBytes(32).toString('hex'),
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
  return secrets;
}

function safeUrlPassword(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return '';
  }
}

/**
 * The development values generated on this machine (DEMO_SECRETS_FILE) copied into production variables:
 * the file sits in the working directory, so anyone who can read it could decrypt contacts or forge
 * sessions. A key of one repeated byte is a placeholder, not a key.
 */
function demoValuesInProduction(raw: RawConfig): string[] {
  const problems: string[] = [];
  const path = resolve(raw.DEMO_SECRETS_FILE);
  let generated: Partial<DemoSecrets> | null;
  try {
    generated = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Partial<DemoSecrets>) : null;
  } catch {
    generated = null; // unreadable: nothing can have been copied from it
  }
  if (raw.CONTACTS_KEY) {
    const key = decodeKey(raw.CONTACTS_KEY);
    if (key && generated?.contactsKeyHex && key.equals(Buffer.from(generated.contactsKeyHex, 'hex'))) {
      problems.push(`CONTACTS_KEY: is the development key generated in ${raw.DEMO_SECRETS_FILE}; production needs a key of its own`);
    } else if (key && key.every((b) => b === key[0])) {
      problems.push('CONTACTS_KEY: is one byte repeated, a placeholder rather than a key');
    }
  }
  if (raw.SESSION_SECRET && generated?.sessionSecret && raw.SESSION_SECRET === generated.sessionSecret) {
    problems.push(`SESSION_SECRET: is the development secret generated in ${raw.DEMO_SECRETS_FILE}`);
  }
  return problems;
}

function appUrlFrom(ownerUrl: string, role: string, password: string): string {
  const u = new URL(ownerUrl);
  u.username = role;
  u.password = password;
  return u.toString();
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const raw: RawConfig = parsed.data;
  const production = raw.NODE_ENV === 'production';
  const problems: string[] = [];
  const demo: string[] = [];

  if (production) {
    for (const name of ['DATABASE_URL', 'APP_DATABASE_URL', 'REDIS_URL', 'SESSION_SECRET', 'CONTACTS_KEY', 'PUBLIC_URL'] as const) {
      if (!raw[name]) problems.push(`${name}: required in production`);
    }
    if (raw.SESSION_SECRET && weakSecret(raw.SESSION_SECRET)) problems.push('SESSION_SECRET: too weak (at least 32 characters, not a demo value)');
    if (raw.RESPONSE_LINK_SECRET && weakSecret(raw.RESPONSE_LINK_SECRET)) problems.push('RESPONSE_LINK_SECRET: too weak (at least 32 characters, not a demo value)');
    if (raw.METRICS_TOKEN && weakSecret(raw.METRICS_TOKEN)) problems.push('METRICS_TOKEN: too weak (at least 32 characters, not a demo value)');
    if (raw.SMS_CALLBACK_SECRET && weakSecret(raw.SMS_CALLBACK_SECRET)) problems.push('SMS_CALLBACK_SECRET: too weak (at least 32 characters, not a demo value)');
    if (raw.EMAIL_BOUNCE_SECRET && weakSecret(raw.EMAIL_BOUNCE_SECRET)) problems.push('EMAIL_BOUNCE_SECRET: too weak (at least 32 characters, not a demo value)');
    if (raw.APP_DATABASE_URL) {
      const password = safeUrlPassword(raw.APP_DATABASE_URL);
      if (password === DEV_APP_PASSWORD) {
        problems.push("APP_DATABASE_URL: its password is the development default published with Tiltas; give the application role a password of its own");
      } else if (password.length < 16 || /demo|changeme|^password$/i.test(password)) {
        problems.push('APP_DATABASE_URL: the password of the application role is missing or too weak (at least 16 characters, not a demo value)');
      }
    }
    problems.push(...demoValuesInProduction(raw));
  }
  let contactsKey: Buffer | null = null;
  if (raw.CONTACTS_KEY) {
    contactsKey = decodeKey(raw.CONTACTS_KEY);
    if (!contactsKey) problems.push('CONTACTS_KEY: must be 32 bytes, as 64 hex characters or base64');
  }
  // An address is shared by a whole office behind NAT or a proxy: its limit must not be the tighter one.
  if (raw.SIGN_IN_MAX_FAILURES_PER_ADDRESS < raw.SIGN_IN_MAX_FAILURES) {
    problems.push(`SIGN_IN_MAX_FAILURES_PER_ADDRESS: must be at least SIGN_IN_MAX_FAILURES (${raw.SIGN_IN_MAX_FAILURES}), or one mistyping colleague locks out everyone sharing the address`);
  }
  // Discovery, keys and tokens over plain http could be swapped in transit: development only.
  if (production && raw.OIDC_ISSUER && new URL(raw.OIDC_ISSUER).protocol !== 'https:') problems.push('OIDC_ISSUER: must be https in production');
  if (raw.OIDC_ISSUER && (!raw.OIDC_CLIENT_ID || !raw.OIDC_CLIENT_SECRET)) {
    problems.push('OIDC_CLIENT_ID, OIDC_CLIENT_SECRET: required when OIDC_ISSUER is set');
  }
  if (raw.RELIST_AFTER_DECLINED_DAYS !== undefined && raw.DECLINE_COOLOFF_DAYS !== undefined && raw.RELIST_AFTER_DECLINED_DAYS !== raw.DECLINE_COOLOFF_DAYS) {
    problems.push('RELIST_AFTER_DECLINED_DAYS, DECLINE_COOLOFF_DAYS: two values for the same period; set only RELIST_AFTER_DECLINED_DAYS');
  }
  const relistAfterDays: Record<RelistOutcome, number> = {
    SUPPORT_ACCEPTED: raw.RELIST_AFTER_SUPPORT_ACCEPTED_DAYS,
    ALREADY_SUPPORTED: raw.RELIST_AFTER_ALREADY_SUPPORTED_DAYS,
    MOVED_AWAY: raw.RELIST_AFTER_MOVED_AWAY_DAYS,
    NOT_ELIGIBLE: raw.RELIST_AFTER_NOT_ELIGIBLE_DAYS,
    DECLINED: raw.RELIST_AFTER_DECLINED_DAYS ?? raw.DECLINE_COOLOFF_DAYS ?? 180,
    UNREACHABLE: raw.RELIST_AFTER_UNREACHABLE_DAYS,
  };
  // A closed case holds the person back only while it exists: purging it sooner would list them again early.
  const [longest, longestDays] = Object.entries(relistAfterDays).sort((a, b) => b[1] - a[1])[0];
  if (raw.RETENTION_CLOSED_CASE_DAYS <= longestDays) {
    problems.push(
      `RETENTION_CLOSED_CASE_DAYS: must be more than RELIST_AFTER_${longest}_DAYS (${longestDays}), or a person closed ${longest} is listed again before that period ends`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  let sessionSecret = raw.SESSION_SECRET;
  if (!sessionSecret || !contactsKey) {
    const generated = demoSecrets(raw.DEMO_SECRETS_FILE);
    if (!sessionSecret) {
      sessionSecret = generated.sessionSecret;
      demo.push('SESSION_SECRET');
    }
    if (!contactsKey) {
      contactsKey = Buffer.from(generated.contactsKeyHex, 'hex');
      demo.push('CONTACTS_KEY');
    }
  }

  const ownerUrl = raw.DATABASE_URL ?? DEV_DATABASE_URL;
  const appPassword = raw.APP_DATABASE_URL ? decodeURIComponent(new URL(raw.APP_DATABASE_URL).password) : DEV_APP_PASSWORD;
  if (!raw.APP_DATABASE_URL) demo.push('APP_DATABASE_URL');
  const publicUrl = raw.PUBLIC_URL ?? `http://${raw.HOST === '0.0.0.0' ? '127.0.0.1' : raw.HOST}:${raw.PORT}`;

  return {
    env: raw.NODE_ENV,
    database: {
      ownerUrl,
      appUrl: raw.APP_DATABASE_URL ?? appUrlFrom(ownerUrl, raw.APP_DB_ROLE, DEV_APP_PASSWORD),
      appRole: raw.APP_DATABASE_URL ? decodeURIComponent(new URL(raw.APP_DATABASE_URL).username) : raw.APP_DB_ROLE,
      appPassword,
      poolSize: raw.DB_POOL_SIZE,
    },
    redis: {
      url: raw.REDIS_URL ?? DEV_REDIS_URL,
      prefix: raw.REDIS_PREFIX,
      sentinels: raw.REDIS_SENTINELS ? parseSentinels(raw.REDIS_SENTINELS) : null,
      masterName: raw.REDIS_MASTER_NAME,
      sentinelPassword: raw.REDIS_SENTINEL_PASSWORD ?? null,
    },
    queue: { jobLockSeconds: raw.JOB_LOCK_SECONDS },
    metrics: { token: raw.METRICS_TOKEN ?? null },
    http: { host: raw.HOST, port: raw.PORT, publicUrl, trustProxy: raw.TRUST_PROXY },
    log: { level: raw.LOG_LEVEL, pretty: raw.LOG_PRETTY === 'true' },
    secrets: { sessionSecret, contactsKey, contactsKeyId: raw.CONTACTS_KEY_ID, responseLinkSecret: raw.RESPONSE_LINK_SECRET ?? sessionSecret, demo },
    pseudonymisation: { keyFile: raw.PSEUDONYM_KEY_FILE ?? null },
    auth: {
      sessionIdleMinutes: raw.SESSION_IDLE_MINUTES,
      sessionAbsoluteHours: raw.SESSION_ABSOLUTE_HOURS,
      maxFailedSignIns: raw.SIGN_IN_MAX_FAILURES,
      lockoutMinutes: raw.SIGN_IN_LOCKOUT_MINUTES,
      maxFailedSignInsPerAddress: raw.SIGN_IN_MAX_FAILURES_PER_ADDRESS,
      addressWindowMinutes: raw.SIGN_IN_ADDRESS_WINDOW_MINUTES,
      oidc: raw.OIDC_ISSUER
        ? {
            issuer: raw.OIDC_ISSUER,
            clientId: raw.OIDC_CLIENT_ID!,
            clientSecret: raw.OIDC_CLIENT_SECRET!,
            roleClaim: raw.OIDC_ROLE_CLAIM,
            municipalityClaim: raw.OIDC_MUNICIPALITY_CLAIM,
          }
        : null,
    },
    ingest: {
      maxQuarantineRatio: raw.QUARANTINE_MAX_RATIO,
      storageDir: raw.STORAGE_DIR,
      copyBatchRows: raw.COPY_BATCH_ROWS,
      maxRecordBytes: raw.MAX_RECORD_BYTES,
      maxUploadBytes: raw.MAX_UPLOAD_BYTES,
      uploadStuckHours: raw.UPLOAD_STUCK_HOURS,
    },
    identification: { cron: raw.IDENTIFY_CRON, relistAfterDays },
    outreach: { unreachableAfterAttempts: raw.UNREACHABLE_AFTER_ATTEMPTS, revealsPerHour: raw.REVEALS_PER_HOUR, revealReviewMinutes: raw.REVEAL_REVIEW_MINUTES, referralLinkDays: raw.REFERRAL_LINK_DAYS,
      responseLink: {
        days: raw.RESPONSE_LINK_DAYS,
        maxPerLink: raw.RESPONSE_LINK_MAX_PER_LINK,
        maxPerAddress: raw.RESPONSE_LINK_MAX_PER_ADDRESS,
        windowMinutes: raw.RESPONSE_LINK_WINDOW_MINUTES,
      },
    },
    retention: {
      cron: raw.RETENTION_CRON,
      supersededExtractDays: raw.RETENTION_SUPERSEDED_EXTRACT_DAYS,
      closedCaseDays: raw.RETENTION_CLOSED_CASE_DAYS,
      auditAnchorCron: raw.AUDIT_ANCHOR_CRON,
      auditSealCron: raw.AUDIT_SEAL_CRON,
    },
    schedules: { timeZone: raw.SCHEDULE_TIME_ZONE },
    mail: {
      smtpUrl: raw.SMTP_URL ?? null,
      from: raw.MAIL_FROM,
      smsGatewayUrl: raw.SMS_GATEWAY_URL ?? null,
      smsCallbackSecret: raw.SMS_CALLBACK_SECRET ?? null,
      emailBounceSecret: raw.EMAIL_BOUNCE_SECRET ?? null,
    },
    auditAnchors: { dir: raw.AUDIT_ANCHOR_DIR ? resolve(raw.AUDIT_ANCHOR_DIR) : null, url: raw.AUDIT_ANCHOR_URL ?? null },
  };
}
