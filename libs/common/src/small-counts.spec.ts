import { seesSmallCounts, showCount } from './small-counts';

describe('small-count suppression', () => {
  it('hides counts from 0 to 4 behind "<5" for a viewer who may not see small counts', () => {
    expect([0, 1, 4, 5, 6, 120].map((n) => showCount(n, false))).toEqual([0, '<5', '<5', 5, 6, 120]);
  });

  it('shows every count as it is in the national admin view', () => {
    expect([0, 1, 4, 5].map((n) => showCount(n, true))).toEqual([0, 1, 4, 5]);
  });

  it('lets only the national admin view and the system see small counts', () => {
    expect(seesSmallCounts({ role: 'ADMIN', scope: 'national' })).toBe(true);
    expect(seesSmallCounts({ role: 'SYSTEM', scope: 'national' })).toBe(true);
    expect(seesSmallCounts({ role: 'ADMIN', scope: 'municipal' })).toBe(false);
    expect(seesSmallCounts({ role: 'AUDITOR', scope: 'national' })).toBe(false);
    expect(seesSmallCounts({ role: 'COORDINATOR', scope: 'municipal' })).toBe(false);
  });
});
