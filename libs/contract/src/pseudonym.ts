import { DomainError } from '@tiltas/common';
import { createHmac } from 'node:crypto';

const PSEUDONYM = /^[0-9a-f]{64}$/;

/**
 * `pseudonym = lowercase_hex(HMAC-SHA-256(key, national_id))` (the register extract contract (spec/extracts.md), "Pseudonyms").
 * `key` is the raw secret bytes, not its hex text; the national id is hashed as its ASCII digits.
 *
 * The national id is not validated here: a register holder pseudonymises what its register holds, and
 * refusing a historic or foreign-issued code at this point would drop a person silently. Callers that
 * must be strict check it with validatePersonalCode first.
 */
export function pseudonymFor(key: Buffer, nationalId: string): string {
  // An empty key would still produce well-formed pseudonyms that anyone can recompute from a personal code.
  if (key.length === 0) throw DomainError.validation('the pseudonymisation key is empty');
  return createHmac('sha256', key).update(nationalId, 'utf8').digest('hex');
}

export function isPseudonym(value: string): boolean {
  return PSEUDONYM.test(value);
}
