/** A worker's reveals in a period, and whether that is far above their colleagues'. */
export interface RevealVolume {
  readonly actor: string;
  readonly municipality: string | null;
  readonly reveals: number;
  readonly unusual: boolean;
}

/** How many times the median makes a volume worth a second look. */
export const UNUSUAL_FACTOR = 3;

export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Reveals per worker, most first. Unusual means above UNUSUAL_FACTOR times the median of all workers who
 * revealed anything, and at least 10: a worker with 3 reveals among colleagues with 1 is not a finding.
 */
export function revealVolumes(entries: ReadonlyArray<{ actor: string; municipality: string | null }>): { volumes: RevealVolume[]; median: number } {
  const counts = new Map<string, { municipality: string | null; reveals: number }>();
  for (const e of entries) {
    const c = counts.get(e.actor) ?? { municipality: e.municipality, reveals: 0 };
    c.reveals += 1;
    counts.set(e.actor, c);
  }
  const m = median([...counts.values()].map((c) => c.reveals));
  const volumes = [...counts.entries()]
    .map(([actor, c]) => ({ actor, municipality: c.municipality, reveals: c.reveals, unusual: c.reveals >= 10 && c.reveals > UNUSUAL_FACTOR * m }))
    .sort((a, b) => b.reveals - a.reveals || a.actor.localeCompare(b.actor));
  return { volumes, median: m };
}
