import { createHmac, hkdfSync } from 'node:crypto';

/**
 * A signing key for one kind of link, derived from a configured secret with HKDF-SHA-256 and the link
 * kind's own label: a session signature, a referral link and a response link can never stand in for each
 * other, and one configured secret serves them all.
 */
export class LinkKey {
  private readonly key: Buffer;

  constructor(secret: string, label: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'tiltas', label, 32));
  }

  /** HMAC-SHA-256 of `payload` under this key. */
  mac(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }
}
