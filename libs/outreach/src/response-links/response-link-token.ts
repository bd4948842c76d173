import { LinkKey } from '@tiltas/common';
import { randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The response link's token: 16 characters of Crockford's base32 (no I, L, O or U, so nothing reads as
 * another letter), printed in four groups, `/r/7KQ2-M9XD-HT4P-3WZB`, short enough to type from paper.
 * The first 12 characters are random (60 bits) and name the link; the last 4 are an HMAC over them
 * (20 bits), so a mistyped or made-up token is refused before the database is asked. The server keeps
 * only a keyed hash of the random part (`lookup`), never the token, so neither the table nor a backup
 * holds a working link. The token names no person and no reason: it is random.
 */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ID_CHARS = 12;
const CHECK_CHARS = 4;
export const TOKEN_CHARS = ID_CHARS + CHECK_CHARS;

export type TokenProblem = 'malformed' | 'forged';

export interface IssuedToken {
  /** As printed: four groups of four, joined by hyphens. */
  readonly token: string;
  /** What the server stores and looks the link up by. */
  readonly lookup: Buffer;
}

function base32(bytes: Buffer, chars: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
    if (out.length === chars) break;
  }
  return out;
}

/**
 * What a person typed, as the token's 16 characters: case and hyphens or spaces do not matter, and the
 * letters people confuse with digits (O, I, L) read as the digits, as Crockford's alphabet intends.
 */
export function normaliseToken(input: string): string | null {
  if (input.length > 40) return null;
  const s = input
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (s.length !== TOKEN_CHARS || ![...s].every((ch) => ALPHABET.includes(ch))) return null;
  return s;
}

export function formatToken(token: string): string {
  return token.match(/.{4}/g)!.join('-');
}

export class ResponseLinkTokens {
  private readonly key: LinkKey;

  constructor(secret: string) {
    this.key = new LinkKey(secret, 'response-link-v1');
  }

  issue(): IssuedToken {
    const id = base32(randomBytes(8), ID_CHARS);
    return { token: formatToken(id + this.check(id)), lookup: this.lookupOf(id) };
  }

  /** The lookup of a presented token, or why it is refused without asking the database. */
  verify(input: string): { lookup: Buffer } | TokenProblem {
    const token = normaliseToken(input);
    if (!token) return 'malformed';
    const id = token.slice(0, ID_CHARS);
    const expected = Buffer.from(this.check(id));
    const given = Buffer.from(token.slice(ID_CHARS));
    if (!timingSafeEqual(expected, given)) return 'forged';
    return { lookup: this.lookupOf(id) };
  }

  private check(id: string): string {
    return base32(this.key.mac(`check:${id}`), CHECK_CHARS);
  }

  private lookupOf(id: string): Buffer {
    return this.key.mac(`lookup:${id}`);
  }
}
