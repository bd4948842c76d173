import { DomainError, isIsoDate } from '@tiltas/common';
import { z } from 'zod';
import { REGISTER_CODES, RegisterCode } from '@tiltas/contract';

/**
 * The manifest that travels beside every extract (the register extract contract (spec/extracts.md), "Manifest"). A manifest that
 * breaks any rule rejects the extract whole, so the message names every bad field at once: the register
 * holder fixes the file in one round trip, not seven.
 *
 * Fields the contract does not name are ignored rather than refused: the contract fixes what a manifest
 * must say, not that it may say nothing else, and the CSV columns (not the manifest) are where data
 * minimisation bites.
 */
export interface ExtractManifest {
  readonly register: RegisterCode;
  /** The date the data describes, YYYY-MM-DD. */
  readonly asOf: string;
  /** When the register produced the file, RFC 3339 exactly as delivered. */
  readonly extractedAt: string;
  readonly rows: number;
  /** SHA-256 of the CSV file's bytes, 64 lowercase hex. */
  readonly sha256: string;
  readonly lawfulBasis: string;
  readonly pseudonymKeyId: string;
  /**
   * `full` (the field absent) replaces the register's data; `delta` replaces the rows of the persons it
   * holds in the ACTIVE full extract (spec "Delta deliveries").
   */
  readonly delivery: Delivery;
}

export const DELIVERIES = ['full', 'delta'] as const;
export type Delivery = (typeof DELIVERIES)[number];

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** RFC 3339 `date-time` (section 5.6): full date, full time, seconds required, `Z` or a numeric offset. */
export function isRfc3339DateTime(value: string): boolean {
  const m = RFC3339.exec(value);
  if (!m || !isIsoDate(m[1])) return false;
  const [hour, minute, second] = [Number(m[2]), Number(m[3]), Number(m[4])];
  // Second 60 is the leap second RFC 3339 allows.
  if (hour > 23 || minute > 59 || second > 60) return false;
  if (m[6] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return false;
  return true;
}

const requiredString = (field: string) =>
  z.string({ error: `${field} must be a string` }).min(1, { error: `${field} must not be empty` });

const manifestSchema = z.object({
  register: z.enum(REGISTER_CODES, {
    error: (issue) =>
      typeof issue.input === 'string'
        ? `register ${JSON.stringify(issue.input.slice(0, 40))} is not a known register code (expected one of ${REGISTER_CODES.join(', ')})`
        : 'register must be a register code string',
  }),
  asOf: z
    .string({ error: 'asOf must be a date string (YYYY-MM-DD)' })
    .refine(isIsoDate, { error: (issue) => `asOf ${quoted(issue.input)} is not a calendar date (YYYY-MM-DD)` }),
  extractedAt: z.string({ error: 'extractedAt must be an RFC 3339 date-time string' }).refine(isRfc3339DateTime, {
    error: (issue) =>
      `extractedAt ${quoted(issue.input)} is not an RFC 3339 date-time (such as 2026-10-01T02:00:00Z)`,
  }),
  rows: z
    .number({ error: 'rows must be a number' })
    .int({ error: 'rows must be a whole number' })
    .min(0, { error: 'rows must not be negative' })
    .max(Number.MAX_SAFE_INTEGER, { error: 'rows is too large' }),
  sha256: z
    .string({ error: 'sha256 must be a string' })
    .regex(/^[0-9a-f]{64}$/, { error: 'sha256 must be 64 lowercase hex characters' }),
  lawfulBasis: requiredString('lawfulBasis'),
  pseudonymKeyId: requiredString('pseudonymKeyId'),
  delivery: z
    .enum(DELIVERIES, {
      error: (issue) =>
        `delivery ${quoted(issue.input)} is not a kind of delivery: expected "delta", or "full" (which a manifest without the field is)`,
    })
    .default('full'),
});

function quoted(input: unknown): string {
  return JSON.stringify(typeof input === 'string' ? input.slice(0, 40) : input);
}

/** Checks a parsed manifest object; throws DomainError(VALIDATION_FAILED) naming every bad field. */
export function parseManifest(input: unknown): ExtractManifest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw DomainError.validation('manifest is invalid: it must be a JSON object', {
      problems: [{ field: null, message: 'manifest must be a JSON object' }],
    });
  }
  const result = manifestSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : null;
    // A missing key reaches zod as `undefined`; say "missing" rather than "must be a string".
    const missing = field !== null && !(field in (input as Record<string, unknown>));
    return { field, message: missing ? `${field} is missing` : issue.message };
  });
  throw DomainError.validation(`manifest is invalid: ${problems.map((p) => p.message).join('; ')}`, {
    problems,
  });
}

/** Parses manifest file text (JSON) and checks it; malformed JSON is a validation failure too. */
export function parseManifestJson(text: string): ExtractManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw DomainError.validation(`manifest is not valid JSON: ${reason}`, {
      problems: [{ field: null, message: `not valid JSON: ${reason}` }],
    });
  }
  return parseManifest(value);
}
