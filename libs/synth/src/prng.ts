import { createHash } from 'node:crypto';

/**
 * Seeded randomness for the generator. Two kinds, for two needs:
 *
 * - `Sfc32`, a fast sequential generator (Chris Doty-Humphrey's SFC, 32-bit), draws everything about a
 *   person after who they are; the nation is written in one fixed order, so one stream is deterministic.
 * - `draw(identity, person, k)`, a counter-based hash, draws a person's birth date and sex from the seed
 *   and the person's index alone, so `personalCodeOf` can recompute a code without replaying the stream.
 */
export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    // The first outputs of SFC still carry the seed's structure; the reference implementation discards them.
    for (let i = 0; i < 15; i++) this.next();
  }

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Uniform whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform whole number in [min, max], both inclusive. */
  between(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.float() * items.length)];
  }
}

/** MurmurHash3's finaliser: every input bit flips about half the output bits. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The k-th counter-based draw in [0, 1) for a person, independent of any other person's draws. */
export function draw(identity: number, person: number, k: number): number {
  let h = fmix32((identity ^ Math.imul(person, 0x9e3779b1)) >>> 0);
  h = fmix32((h ^ Math.imul(k + 1, 0x27d4eb2f)) >>> 0);
  return h / 4294967296;
}

export interface SeedMaterial {
  /** Seeds the sequential stream. */
  readonly stream: readonly [number, number, number, number];
  /** Keys the counter-based draws. */
  readonly identity: number;
  /** The raw bytes of the demo pseudonymisation key. */
  readonly key: Buffer;
}

/**
 * Everything random in a nation derives from its seed through SHA-256 with distinct labels, so the key,
 * the stream and the identities are unrelated to each other and stable across platforms.
 */
export function seedMaterial(seed: string | number): SeedMaterial {
  const text = String(seed);
  const derive = (label: string) => createHash('sha256').update(`tiltas-synth\n${label}\n${text}`, 'utf8').digest();
  const stream = derive('stream');
  const identity = derive('identity');
  return {
    stream: [stream.readUInt32LE(0), stream.readUInt32LE(4), stream.readUInt32LE(8), stream.readUInt32LE(12)],
    identity: identity.readUInt32LE(0),
    key: derive('pseudonym-key'),
  };
}
