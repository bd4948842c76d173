import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger } from 'pino';

/**
 * Structured JSON logs, redacted at the logger so that no call site can leak personal data: fields named
 * like personal data are censored wherever they sit in an object, and strings are scrubbed of anything
 * shaped like a pseudonym, a personal code, a phone number or an email address.
 */
const PERSONAL_FIELDS = [
  'pseudonym',
  'pseudonyms',
  'nationalId',
  'national_id',
  'personalCode',
  'personal_code',
  'given_name',
  'givenName',
  'family_name',
  'familyName',
  'fullName',
  'phone',
  'email',
  'address',
  'postal_code',
  'postalCode',
  'password',
  'token',
  'authorization',
  'cookie',
  'set-cookie',
];

export const REDACT_PATHS = [
  ...PERSONAL_FIELDS,
  ...PERSONAL_FIELDS.map((f) => `*.${f}`),
  ...PERSONAL_FIELDS.map((f) => `*.*.${f}`),
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
];

const SCRUBBERS: Array<[RegExp, string]> = [
  [/\b[0-9a-fA-F]{64}\b/g, '[pseudonym]'],
  [/\+\d{8,15}\b/g, '[phone]'],
  // An address's local part starts a word and its domain is dot-separated labels: a stack frame's
  // `node_modules/@nestjs/core/...` or a pnpm `@scope+name@1.2.3` path is neither, and must stay readable.
  [/(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g, '[email]'],
  [/\b[3-6]\d{10}\b/g, '[personal-code]'],
];

export function scrub(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SCRUBBERS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Scrubs the strings of plain objects and arrays, at any depth that a log line plausibly has. Anything else
 * (pino-http's request and response, a Buffer, a Date) is left whole for pino's serializers to shape:
 * copying a ServerResponse field by field lost its status code and walked its socket on every request.
 */
function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrub(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: scrub(value.message), stack: value.stack ? scrub(value.stack) : undefined };
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = scrubDeep(v, depth + 1);
  return out;
}

export function createLogger(options: { level?: string; name?: string } = {}, destination?: DestinationStream): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'tiltas',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrubDeep(a)) as Parameters<typeof method>);
        },
      },
      serializers: { err: (e: unknown) => scrubDeep(e) },
    },
    destination,
  );
}

/** Nest's LoggerService over pino, so framework messages are structured and redacted too. */
export class PinoNestLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  private write(level: 'info' | 'warn' | 'error' | 'debug' | 'trace' | 'fatal', message: unknown, params: unknown[]): void {
    const context = typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const fields: Record<string, unknown> = context ? { context } : {};
    if (level === 'error' && typeof params[0] === 'string') fields.stack = params[0];
    if (message instanceof Error) this.pino[level]({ ...fields, err: message }, message.message);
    else if (typeof message === 'object' && message !== null) this.pino[level]({ ...fields, ...(message as object) });
    else this.pino[level](fields, String(message));
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }
}
