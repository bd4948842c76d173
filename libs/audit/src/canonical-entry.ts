import canonicalize from 'canonicalize';
import * as crypto from 'node:crypto';
import { NormalizedAuditEntry } from './audit-entry';

/**
 * The canonical JSON (RFC 8785) of an entry without its hashes, built by hand for speed: the verifier
 * does this a million times. The keys of an entry are ASCII, so RFC 8785's UTF-16 key order is plain
 * sorting, and strings serialise exactly as JSON.stringify does (RFC 8785 §3.2.2.2). `details` goes
 * through the `canonicalize` package. canonical-entry.spec.ts holds this to `canonicalize` of the whole
 * entry.
 *
 * Key order: action, actor, at, details, lawfulBasisId, municipality, objectId, objectType, purpose, role,
 * seq, subject.
 */

const text = (value: string | null): string => (value === null ? 'null' : JSON.stringify(value));

export function canonicalDetails(details: Record<string, unknown>): string {
  for (const _ in details) return canonicalize(details) as string;
  return '{}';
}

export interface CanonicalParts {
  /** Everything before the value of `at` (the opening quote included). */
  readonly prefix: string;
  /** From after `at`'s value to before `seq`'s value. */
  readonly middle: string;
  /** Everything after `seq`'s value. */
  readonly suffix: string;
}

/** The fields of an entry other than seq, at and details. */
export type EntryScalars = Pick<
  NormalizedAuditEntry,
  'actor' | 'municipality' | 'action' | 'subject' | 'objectType' | 'objectId' | 'purpose' | 'lawfulBasisId'
> & { readonly role: string };

/**
 * The canonical form with two holes, `at` and `seq`, which only the database knows at the moment it
 * chains the entry: canonical = prefix + at + middle + seq + suffix.
 */
export function canonicalParts(e: EntryScalars, details: string): CanonicalParts {
  return {
    prefix: `{"action":${text(e.action)},"actor":${text(e.actor)},"at":"`,
    middle:
      `","details":${details},"lawfulBasisId":${text(e.lawfulBasisId)},"municipality":${text(e.municipality)}` +
      `,"objectId":${text(e.objectId)},"objectType":${text(e.objectType)},"purpose":${text(e.purpose)},"role":${text(e.role)},"seq":`,
    suffix: `,"subject":${text(e.subject)}}`,
  };
}

/** `details` is canonicalDetails(entry.details). */
export function canonicalEntry(e: EntryScalars & { readonly seq: number | string; readonly at: string }, details: string): string {
  // One template rather than canonicalParts' three pieces and their object: the verifier and the sealer
  // build this for every entry, and the intermediate strings are garbage the collector pays for.
  return (
    `{"action":${text(e.action)},"actor":${text(e.actor)},"at":"${e.at}","details":${details},"lawfulBasisId":${text(e.lawfulBasisId)}` +
    `,"municipality":${text(e.municipality)},"objectId":${text(e.objectId)},"objectType":${text(e.objectType)},"purpose":${text(e.purpose)}` +
    `,"role":${text(e.role)},"seq":${e.seq},"subject":${text(e.subject)}}`
  );
}

/**
 * The canonical form of a gap: a seq that was handed out but whose transaction never committed (a
 * rollback). RFC 8785 of `{"seq": n, "gap": true}`, so an export's gap line verifies with the same recipe
 * as an entry's.
 */
export function gapCanonical(seq: number | string): string {
  return `{"gap":true,"seq":${seq}}`;
}

/** hash = lowercase hex SHA-256 of (prev_hash + "\n" + canonical JSON), as UTF-8. */
export function chainHash(prevHash: string, canonical: string): string {
  return oneShotSha256 ? oneShotSha256('sha256', `${prevHash}\n${canonical}`, 'hex') : crypto.createHash('sha256').update(`${prevHash}\n${canonical}`, 'utf8').digest('hex');
}

/**
 * crypto.hash (Node 20.12+, 21.7+) hashes a string in one call, about twice as fast as
 * createHash().update().digest() for inputs this small: the verifier and the sealer hash every entry.
 * Strings are hashed as UTF-8 either way.
 */
const oneShotSha256 = (crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
