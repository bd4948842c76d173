import { LinkKey } from '@tiltas/common';
import { timingSafeEqual } from 'node:crypto';

/**
 * The partner organisation's link to one referral: `<referral id>.<expiry, epoch seconds>.<HMAC>`. It
 * names no person (the id is a number the partner already has with the referral), it expires, and the
 * HMAC-SHA-256 is keyed with a key derived from SESSION_SECRET for this one use, so a session signature and
 * a link signature can never stand in for each other.
 */
const LINK = /^(\d{1,15})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export interface LinkClaims {
  readonly referralId: number;
  readonly expiresAt: Date;
}

export type LinkProblem = 'malformed' | 'forged' | 'expired';

export class ReferralLinkSigner {
  private readonly key: LinkKey;

  constructor(sessionSecret: string) {
    this.key = new LinkKey(sessionSecret, 'referral-link-v1');
  }

  sign(referralId: number, expiresAt: Date): string {
    const payload = `${referralId}.${Math.floor(expiresAt.getTime() / 1000)}`;
    return `${payload}.${this.mac(payload)}`;
  }

  /** The link's claims, or why it is refused. */
  verify(token: string, now: Date): LinkClaims | LinkProblem {
    const m = LINK.exec(token);
    if (!m) return 'malformed';
    const expected = Buffer.from(this.mac(`${m[1]}.${m[2]}`));
    const given = Buffer.from(m[3]);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forged';
    const expiresAt = new Date(Number(m[2]) * 1000);
    if (expiresAt.getTime() <= now.getTime()) return 'expired';
    return { referralId: Number(m[1]), expiresAt };
  }

  private mac(payload: string): string {
    return this.key.mac(payload).toString('base64url');
  }
}
