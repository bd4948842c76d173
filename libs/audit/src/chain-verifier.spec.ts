import { GENESIS_HASH } from './audit-entry';
import { canonicalEntry, chainHash, gapCanonical } from './canonical-entry';
import { ChainRow, ChainVerifier } from './chain-verifier';

/** A sealed chain of `n` links; the seqs in `gapsAt` are rollback gaps. */
function chain(n: number, gapsAt: number[] = []): ChainRow[] {
  const rows: ChainRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const base = { seq, at: `2026-01-01T00:00:0${seq % 10}.000Z`, actor: `u${seq}`, role: 'WORKER', municipality: 'LT-57', action: 'case.created', subject: null, objectType: 'case', objectId: `c${seq}`, purpose: 'outreach', lawfulBasisId: 'LB-1', detailsJson: seq % 2 ? '{"count": 1}' : '{}' };
    const gap = gapsAt.includes(seq);
    const hash = chainHash(prev, gap ? gapCanonical(seq) : canonicalEntry(base, seq % 2 ? '{"count":1}' : '{}'));
    rows.push({ ...base, kind: gap ? 'gap' : 'entry', inLog: !gap, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

const hashOf = (row: ChainRow): string => row.hash!;

function verify(rows: ChainRow[], anchors: Array<{ seq: number; hash: string }> = [], head?: { seq: number; hash: string }, tip?: number) {
  const v = new ChainVerifier(anchors.map((a) => ({ ...a, anchoredAt: '2026-01-01T00:00:00.000Z' })), head ?? null, tip);
  rows.forEach((r) => v.push(r));
  return v.report();
}

describe('ChainVerifier', () => {
  it('accepts an intact chain, its anchors and its head', () => {
    const rows = chain(6);
    expect(verify(rows, [{ seq: 4, hash: hashOf(rows[3]) }], { seq: 6, hash: hashOf(rows[5]) })).toMatchObject({ ok: true, entries: 6, gaps: 0, lastSeq: 6, firstBroken: null, lastAnchor: { seq: 4, matches: true }, head: { matches: true } });
  });

  it('accepts rollback gaps the chain records, and counts entries after the last link as unsealed', () => {
    const rows = chain(6, [2, 5]);
    const unsealed: ChainRow = { ...rows[0], seq: 7, kind: null, prevHash: null, hash: null };
    expect(verify([...rows, unsealed], [], { seq: 6, hash: hashOf(rows[5]) }, 6)).toMatchObject({ ok: true, entries: 4, gaps: 2, unsealed: 1, lastSeq: 6 });
  });

  it('names a changed entry once, not every entry after it', () => {
    const rows = chain(6);
    rows[2] = { ...rows[2], actor: 'someone-else' };
    expect(verify(rows)).toMatchObject({ ok: false, brokenLinks: 1, firstBroken: { seq: 3, reason: 'entry 3 does not match its hash: a field was changed after it was written' } });
  });

  it('tells a removed entry from a rollback gap, and an entry slipped into a gap', () => {
    const rows = chain(6, [2]);
    rows[3] = { ...rows[3], inLog: false };
    expect(verify(rows).firstBroken).toEqual({ seq: 4, reason: 'entry 4 is missing: the chain sealed it as committed, so it was removed' });
    const slipped = chain(6, [2]);
    slipped[1] = { ...slipped[1], inLog: true };
    expect(verify(slipped).firstBroken).toEqual({ seq: 2, reason: 'entry 2 is in the log where the chain records a rollback gap: it was added after the fact' });
  });

  it('names links missing from the chain, swapped entries, and a cut-off tail past an anchor', () => {
    const rows = chain(6);
    expect(verify([...rows.slice(0, 2), ...rows.slice(4)]).firstBroken).toEqual({ seq: 3, reason: 'link 3–4 is missing from the chain (the next link is 5)' });
    const swapped = [...rows];
    swapped[3] = { ...rows[4], seq: 4 };
    swapped[4] = { ...rows[3], seq: 5 };
    expect(verify(swapped).firstBroken?.seq).toBe(4);
    const cut = verify(rows.slice(0, 4), [{ seq: 5, hash: hashOf(rows[4]) }]);
    expect(cut).toMatchObject({ ok: false, firstBroken: null, lastAnchor: { seq: 5, matches: false }, firstAnchorMismatch: { seq: 5, reason: 'entry 5 was anchored but is no longer in the log' } });
  });

  it('tells a head that is not the last link', () => {
    const rows = chain(3);
    expect(verify(rows, [], { seq: 4, hash: hashOf(rows[2]) }).head).toEqual({ seq: 4, hash: hashOf(rows[2]), matches: false });
  });

  describe('with anchors kept outside the database', () => {
    const outside = (seq: number, hash: string) => ({ type: 'tiltas.audit-anchor' as const, version: 1 as const, seq, hash, sealedHorizon: seq, anchoredAt: '2026-01-01T00:00:00.000Z' });
    const run = (rows: ChainRow[], anchors: ReturnType<typeof outside>[]) => {
      const v = new ChainVerifier([], null, undefined, anchors);
      rows.forEach((r) => v.push(r));
      return v.report();
    };

    it('accepts a chain holding every outside anchor, and gaps at or below the latest one\'s horizon', () => {
      const rows = chain(6, [2]);
      expect(run(rows, [outside(3, hashOf(rows[2])), outside(6, hashOf(rows[5]))])).toMatchObject({ ok: true, outside: { checked: 2, firstMismatch: null, gapsAfterHorizon: 0, latest: { seq: 6, matches: true } } });
    });

    it('refuses a chain that no longer holds an outside anchor\'s hash, however well it holds together', () => {
      const rows = chain(6);
      expect(run(rows, [outside(4, 'f'.repeat(64))])).toMatchObject({ ok: false, firstBroken: null, outside: { firstMismatch: { seq: 4 }, latest: { matches: false } } });
      expect(run(rows.slice(0, 3), [outside(5, hashOf(rows[4]))]).outside?.firstMismatch).toEqual({ seq: 5, reason: 'entry 5 was anchored outside the database but has no link in the chain any more' });
    });

    it('counts a gap above the latest anchor\'s horizon as a removed entry', () => {
      const rows = chain(6, [5]);
      expect(run(rows, [outside(3, hashOf(rows[2]))])).toMatchObject({ ok: false, firstBroken: null, outside: { gapsAfterHorizon: 1, firstGapAfterHorizon: { seq: 5 } } });
    });
  });
});
