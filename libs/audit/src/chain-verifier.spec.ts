import { GENESIS_HASH } from './audit-entry';
import { canonicalEntry, chainHash } from './canonical-entry';
import { ChainRow, ChainVerifier } from './chain-verifier';

function chain(n: number): ChainRow[] {
  const rows: ChainRow[] = [];
  let prev = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const base = { seq, at: `2026-01-01T00:00:0${seq % 10}.000Z`, actor: `u${seq}`, role: 'WORKER', municipality: 'LT-57', action: 'case.created', subject: null, objectType: 'case', objectId: `c${seq}`, purpose: 'outreach', lawfulBasisId: 'LB-1', detailsJson: seq % 2 ? '{"count": 1}' : '{}' };
    const hash = chainHash(prev, canonicalEntry(base, seq % 2 ? '{"count":1}' : '{}'));
    rows.push({ ...base, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

function verify(rows: ChainRow[], anchors: Array<{ seq: number; hash: string }> = [], head?: { seq: number; hash: string }) {
  const v = new ChainVerifier(anchors.map((a) => ({ ...a, anchoredAt: '2026-01-01T00:00:00.000Z' })), head ?? null);
  rows.forEach((r) => v.push(r));
  return v.report();
}

describe('ChainVerifier', () => {
  it('accepts an intact chain, its anchors and its head', () => {
    const rows = chain(6);
    expect(verify(rows, [{ seq: 4, hash: rows[3].hash }], { seq: 6, hash: rows[5].hash })).toMatchObject({ ok: true, entries: 6, lastSeq: 6, firstBroken: null, lastAnchor: { seq: 4, matches: true }, head: { matches: true } });
  });

  it('names a changed entry once, not every entry after it', () => {
    const rows = chain(6);
    rows[2] = { ...rows[2], actor: 'someone-else' };
    expect(verify(rows)).toMatchObject({ ok: false, brokenLinks: 1, firstBroken: { seq: 3, reason: 'entry 3 does not match its hash: a field was changed after it was written' } });
  });

  it('names missing entries, swapped entries, and a cut-off tail past an anchor', () => {
    const rows = chain(6);
    expect(verify([...rows.slice(0, 2), ...rows.slice(4)]).firstBroken).toEqual({ seq: 3, reason: 'entry 3–4 is missing (the next entry is 5)' });
    const swapped = [...rows];
    swapped[3] = { ...rows[4], seq: 4 };
    swapped[4] = { ...rows[3], seq: 5 };
    expect(verify(swapped).firstBroken?.seq).toBe(4);
    const cut = verify(rows.slice(0, 4), [{ seq: 5, hash: rows[4].hash }]);
    expect(cut).toMatchObject({ ok: false, firstBroken: null, lastAnchor: { seq: 5, matches: false }, firstAnchorMismatch: { seq: 5, reason: 'entry 5 was anchored but is no longer in the log' } });
  });

  it('tells a head that is not the last entry', () => {
    const rows = chain(3);
    expect(verify(rows, [], { seq: 4, hash: rows[2].hash }).head).toEqual({ seq: 4, hash: rows[2].hash, matches: false });
  });
});
