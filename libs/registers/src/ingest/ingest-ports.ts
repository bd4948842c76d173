import type { AuditService } from '@tiltas/audit';
import type { LawfulBasisService } from '@tiltas/lawful-bases';

/**
 * Injection tokens for the audit log and the lawful-basis registry as ingest uses them. The audit and
 * access libraries import the contract-as-data (municipality codes, pseudonyms) from this library, so a
 * runtime import of theirs from here would be a require cycle in which, depending on which side Node
 * loads first, a constructor's parameter types are still undefined. Tokens plus type-only imports keep
 * the edge one-way at load time; RegistersModule binds them to the real services.
 */
export const INGEST_AUDIT = Symbol('INGEST_AUDIT');
export const INGEST_LAWFUL_BASES = Symbol('INGEST_LAWFUL_BASES');

export type IngestAudit = Pick<AuditService, 'record'>;
export type IngestLawfulBases = Pick<LawfulBasisService, 'checkCoverage'>;
