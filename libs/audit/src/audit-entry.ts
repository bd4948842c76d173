/**
 * The audit log's entry, as callers give it and as the log keeps it. docs/audit-log.md describes the same
 * fields for auditors; change one only together with the other.
 */

/** The hash the first entry chains from: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

export const AUDIT_ROLES = ['WORKER', 'COORDINATOR', 'AUDITOR', 'ADMIN', 'SYSTEM'] as const;
export type AuditRole = (typeof AUDIT_ROLES)[number];

/** A JSON value the log accepts in `details`: no fractions, so every language canonicalises it alike. */
export type AuditDetailValue = string | number | boolean | null | AuditDetailValue[] | { [key: string]: AuditDetailValue };

export interface AuditEntryInput {
  /** User id or `system:<job>`. */
  actor: string;
  /** WORKER | COORDINATOR | AUDITOR | ADMIN | SYSTEM */
  role: string;
  municipality: string | null;
  /** 'extract.accepted', 'case.created', 'contact.revealed', ... */
  action: string;
  /** Pseudonym, 64 lowercase hex, when the entry is about one person. */
  subject?: string | null;
  objectType?: string | null;
  objectId?: string | null;
  purpose?: string | null;
  lawfulBasisId?: string | null;
  /** Counts, ids and reasons; never contact details or names. */
  details?: Record<string, unknown>;
}

/** An entry after validation: every field present, absent ones null. */
export interface NormalizedAuditEntry {
  readonly actor: string;
  readonly role: AuditRole;
  readonly municipality: string | null;
  readonly action: string;
  readonly subject: string | null;
  readonly objectType: string | null;
  readonly objectId: string | null;
  readonly purpose: string | null;
  readonly lawfulBasisId: string | null;
  readonly details: Record<string, AuditDetailValue>;
}

/** An entry as the log holds it and exports it (one JSONL line of an export). */
export interface AuditEntry {
  readonly seq: number;
  /** UTC, millisecond precision: `2026-10-01T02:00:00.123Z`. */
  readonly at: string;
  readonly actor: string;
  readonly role: string;
  readonly municipality: string | null;
  readonly action: string;
  readonly subject: string | null;
  readonly objectType: string | null;
  readonly objectId: string | null;
  readonly purpose: string | null;
  readonly lawfulBasisId: string | null;
  readonly details: Record<string, unknown>;
  /** Null until the sealer has linked the entry into the chain (seconds after it commits). */
  readonly prevHash: string | null;
  readonly hash: string | null;
}

/** A sequence number whose transaction provably never committed, as the chain and an export record it. */
export interface AuditGap {
  readonly seq: number;
  readonly gap: true;
  readonly prevHash: string;
  readonly hash: string;
}

/**
 * Who reads or acts. Shaped so that @tiltas/access's Actor fits it as it is (`userId`, `role`,
 * `municipality`, `scope`), without this lib depending on access.
 */
export interface AuditActor {
  readonly userId: string;
  readonly role: string;
  readonly municipality: string | null;
  readonly scope: 'national' | 'municipal';
}

/** The actor of a background job or an operator's CLI command. */
export function systemActor(job: string): AuditActor {
  return { userId: `system:${job}`, role: 'SYSTEM', municipality: null, scope: 'national' };
}
