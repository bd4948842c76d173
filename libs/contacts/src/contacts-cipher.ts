import { DomainError } from '@tiltas/common';
import { createCipheriv, createDecipheriv, createSecretKey, KeyObject, randomBytes } from 'node:crypto';

const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Bytes of a sealed row whose plaintext is `plaintextBytes` long (GCM adds no padding). */
export function sealedLength(plaintextBytes: number): number {
  return NONCE_BYTES + TAG_BYTES + plaintextBytes;
}

/**
 * AES-256-GCM over one contacts row: `sealed = nonce (12) || tag (16) || ciphertext`. The pseudonym is
 * the additional authenticated data, so a sealed row copied onto another person's pseudonym no longer
 * opens: the ciphertext is bound to the person it describes. A fresh random nonce per row; at 2^32 rows
 * per key the nonce-collision bound would start to matter, which is why the key id travels with each row
 * and the key can be rotated.
 */
export class ContactsCipher {
  private readonly key: KeyObject;

  constructor(
    key: Buffer,
    readonly keyId: string,
  ) {
    if (key.length !== 32) throw new Error('the contacts key must be 32 bytes (AES-256)');
    // A KeyObject spares every row the import of the raw key.
    this.key = createSecretKey(key);
  }

  seal(pseudonym: string, plaintext: string): Buffer {
    const bytes = Buffer.from(plaintext, 'utf8');
    const sealed = Buffer.allocUnsafe(sealedLength(bytes.length));
    this.sealInto(pseudonym, bytes, randomBytes(NONCE_BYTES), sealed, 0);
    return sealed;
  }

  /**
   * Seals one row straight into `out` at `offset` (nonce, tag, ciphertext: `sealedLength(plaintext.length)`
   * bytes) and returns the offset after it. For bulk loading, which writes thousands of rows into one
   * COPY buffer: no hex, no intermediate concatenation. `nonce` must be 12 fresh random bytes; a loader
   * takes them from one randomBytes call per batch.
   */
  sealInto(pseudonym: string, plaintext: Uint8Array, nonce: Uint8Array, out: Buffer, offset: number): number {
    if (nonce.length !== NONCE_BYTES) throw new Error(`a contacts nonce is ${NONCE_BYTES} bytes`);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(pseudonym, 'latin1'));
    const body = cipher.update(plaintext);
    cipher.final();
    out.set(nonce, offset);
    out.set(cipher.getAuthTag(), offset + NONCE_BYTES);
    out.set(body, offset + NONCE_BYTES + TAG_BYTES);
    return offset + NONCE_BYTES + TAG_BYTES + body.length;
  }

  /** Throws DomainError(CONFLICT) when the row was sealed under another key id or was tampered with. */
  open(pseudonym: string, sealed: Buffer, keyId: string): string {
    if (keyId !== this.keyId) {
      throw DomainError.conflict(`contacts row sealed with key ${keyId}, but the configured key is ${this.keyId}`);
    }
    if (sealed.length < NONCE_BYTES + TAG_BYTES) throw DomainError.conflict('contacts row is too short to be sealed');
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(pseudonym, 'latin1'));
    decipher.setAuthTag(sealed.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw DomainError.conflict('contacts row does not authenticate under the configured key');
    }
  }
}
