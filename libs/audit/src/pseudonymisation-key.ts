import { DomainError, ErrorCode } from '@tiltas/common';
import { readFile } from 'node:fs/promises';

export interface PseudonymisationKey {
  readonly keyId: string;
  readonly key: Buffer;
}

/**
 * Reads the key file that configuration names (PSEUDONYM_KEY_FILE: JSON `{ "keyId": …, "keyHex": … }`).
 * Read on each use rather than kept in memory, so a rotated file takes effect at once and the raw key
 * lives no longer than one lookup. Messages name the file and the field, never the key.
 */
export async function loadPseudonymisationKey(file: string | null): Promise<PseudonymisationKey> {
  if (!file) {
    throw new DomainError(
      ErrorCode.DEPENDENCY_UNAVAILABLE,
      'the subject access lookup needs the pseudonymisation key: set PSEUDONYM_KEY_FILE to a JSON file { "keyId": …, "keyHex": … }',
    );
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `the pseudonymisation key file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `the pseudonymisation key file ${file} is not JSON`);
  }
  const { keyId, keyHex } = (parsed ?? {}) as { keyId?: unknown; keyHex?: unknown };
  const problems: string[] = [];
  if (typeof keyId !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(keyId)) problems.push('keyId must be 1-64 letters, digits, . _ -');
  if (typeof keyHex !== 'string' || !/^([0-9a-fA-F]{2}){16,}$/.test(keyHex)) problems.push('keyHex must be at least 16 bytes as hex');
  if (problems.length > 0) {
    throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `the pseudonymisation key file ${file} is malformed: ${problems.join('; ')}`);
  }
  return { keyId: keyId as string, key: Buffer.from(keyHex as string, 'hex') };
}
