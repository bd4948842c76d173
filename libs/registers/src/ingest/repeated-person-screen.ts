/**
 * Whether a one-row-per-person extract may hold a person twice, learnt while its rows stream past, so
 * ingest can skip the SQL pass that moves repeated persons to quarantine (a hash aggregate over the
 * whole partition: seconds at national size) when there is certainly nothing to move.
 *
 * It keeps the first 64 bits of each loaded pseudonym in an open-addressing table. Equal pseudonyms have
 * equal prefixes, so a load without a repeated prefix has no repeated person: that answer is exact. A
 * repeated prefix (a real repeat, or two different people sharing 64 bits of HMAC output, odds about
 * n²/2^65: 2·10^-7 for a nation) only says "maybe", and the SQL pass then decides exactly, as it always
 * did. The table is sized from the manifest's row count and capped; an extract with more rows than it
 * holds also gets "maybe", so memory stays bounded whatever a manifest claims.
 */
export class RepeatedPersonScreen {
  /** At most 2^23 slots of 8 bytes: 64 MiB, enough for 6 million rows. */
  private static readonly MAX_SLOTS = 1 << 23;

  private slots: Uint32Array | null;
  private readonly mask: number;
  private readonly limit: number;
  private count = 0;
  private zeroSeen = false;
  private repeated = false;

  constructor(expectedRows: number) {
    let size = 1024;
    while (size < expectedRows * 1.5 && size < RepeatedPersonScreen.MAX_SLOTS) size *= 2;
    this.mask = size - 1;
    // Linear probing stays short below three quarters full.
    this.limit = Math.floor(size * 0.75);
    this.slots = new Uint32Array(2 * size);
  }

  /** True once two loaded rows may be the same person. */
  get mayRepeat(): boolean {
    return this.repeated;
  }

  /** Notes one loaded row's pseudonym (64 lowercase hex, as the validator lets through). */
  add(pseudonym: string): void {
    const slots = this.slots;
    if (slots === null) return;
    const high = hex32(pseudonym, 0);
    const low = hex32(pseudonym, 8);
    if (high === 0 && low === 0) {
      // (0, 0) marks an empty slot, so this one prefix is remembered apart.
      if (this.zeroSeen) this.giveUp();
      this.zeroSeen = true;
      return;
    }
    if (++this.count > this.limit) {
      this.giveUp();
      return;
    }
    for (let slot = low & this.mask; ; slot = (slot + 1) & this.mask) {
      const h = slots[2 * slot];
      const l = slots[2 * slot + 1];
      if (h === 0 && l === 0) {
        slots[2 * slot] = high;
        slots[2 * slot + 1] = low;
        return;
      }
      if (h === high && l === low) {
        this.giveUp();
        return;
      }
    }
  }

  /** From here on the answer is "maybe" whatever follows, so the table is no longer needed. */
  private giveUp(): void {
    this.repeated = true;
    this.slots = null;
  }
}

/** Eight lowercase hex digits of `hex` from `at`, as an unsigned 32-bit number. */
function hex32(hex: string, at: number): number {
  let n = 0;
  for (let i = at; i < at + 8; i++) {
    const c = hex.charCodeAt(i);
    n = (n << 4) | (c <= 57 ? c - 48 : c - 87);
  }
  return n >>> 0;
}
