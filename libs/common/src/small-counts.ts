/**
 * DESIGN.md "Statistics protect small groups": any count under 5 shown outside the case itself. Here, at the
 * bottom of the tree, because identification's preview and the statistics both show counts.
 */
export const SMALL_COUNT_LIMIT = 5;

export type ShownCount = number | '<5';

/**
 * Whether a count must be hidden from a viewer who does not see small counts: 1 to 4. A zero is shown:
 * nobody is in an empty cell, so it discloses no one (docs/suppression.md), and a shown zero is never
 * a reason to hide its neighbours (complementary suppression).
 */
export function isSmallCount(count: number): boolean {
  return count > 0 && count < SMALL_COUNT_LIMIT;
}

/** The count as a viewer may see it: the number, or "<5" when it is small and the viewer must not see it. */
export function showCount(count: number, seesSmall: boolean): ShownCount {
  return !seesSmall && isSmallCount(count) ? '<5' : count;
}

/** The national admin view (and the system) sees counts as they are; everyone else sees small cells suppressed. */
export function seesSmallCounts(viewer: { readonly role: string; readonly scope: 'national' | 'municipal' }): boolean {
  return viewer.scope === 'national' && (viewer.role === 'ADMIN' || viewer.role === 'SYSTEM');
}
