import type { RegisterCode } from '@tiltas/registers';
import { REGISTER_CODES } from '@tiltas/registers';
import { registersRead, type CriterionDefinition, type RunBinding } from '@tiltas/targeting';

export interface ActiveExtract {
  readonly id: number;
  readonly register: string;
  readonly asOf: string;
  readonly pseudonymKeyId: string;
  /**
   * Deltas applied to this (full) extract, oldest first: its partition holds their rows, so they are part
   * of what a run read (and of what makes two runs the same run).
   */
  readonly deltaIds?: readonly number[];
}

export interface RunCriterion {
  readonly id: string;
  readonly version: number;
  /** Null for a national criterion. */
  readonly municipality: string | null;
  readonly basedOn: string | null;
  readonly lawfulBasisId: string;
  readonly definition: CriterionDefinition;
}

export interface PlannedCriterion extends RunCriterion {
  /**
   * Case municipalities this national criterion leaves to their own tuned copy in the same run: a
   * municipality that tuned a cohort gets its own version of it, not both.
   */
  readonly leftToCopies: readonly string[];
}

export interface RunPlan {
  readonly asOf: string;
  readonly criteria: readonly PlannedCriterion[];
  /** The extracts read, one per register, sorted by register. */
  readonly extracts: readonly ActiveExtract[];
  readonly binding: RunBinding;
  readonly pseudonymKeyId: string;
  /** What makes two runs the same run: the versions and the extracts (D is kept beside it). */
  readonly runKey: string;
  /** A delta's same-day run: the delta, and only its persons are identified (`binding.people`). */
  readonly delta?: { readonly extractId: number; readonly register: RegisterCode };
}

export interface PlanOptions {
  /**
   * The ACTIVE criteria whose municipal copies take municipalities over (default: `criteria`). A delta's
   * run takes only the criteria reading the delta's register, but a copy that reads it no more still takes
   * its municipality from the national criterion, as in a full run.
   */
  readonly copiesAmong?: readonly RunCriterion[];
  /** A delta's same-day run over these persons. */
  readonly delta?: { readonly extractId: number; readonly register: RegisterCode; readonly people: readonly Buffer[] };
}

export type PlanOutcome = { readonly ok: true; readonly plan: RunPlan } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Decides what a run reads and refuses, naming every problem at once, when a register a criterion reads
 * has no ACTIVE extract or when the extracts to be joined were pseudonymised under different keys (their
 * pseudonyms would not meet, and the run would silently find the wrong people).
 */
export function planRun(asOf: string, criteria: readonly RunCriterion[], active: readonly ActiveExtract[], options: PlanOptions = {}): PlanOutcome {
  const problems: string[] = [];
  if (criteria.length === 0) problems.push('no ACTIVE criterion to run: activate one with a lawful basis first');

  const readers = new Map<RegisterCode, string[]>();
  for (const c of criteria) {
    for (const register of registersRead(c.definition)) readers.set(register, [...(readers.get(register) ?? []), c.id]);
  }
  const extracts: ActiveExtract[] = [];
  for (const register of REGISTER_CODES) {
    const by = readers.get(register);
    if (!by) continue;
    const extract = active.find((e) => e.register === register);
    if (!extract) problems.push(`register ${register} has no ACTIVE extract (read by ${by.join(', ')}): load one first`);
    else extracts.push(extract);
  }

  const keys = new Map<string, string[]>();
  for (const e of extracts) keys.set(e.pseudonymKeyId, [...(keys.get(e.pseudonymKeyId) ?? []), e.register]);
  if (keys.size > 1) {
    const list = [...keys].map(([key, registers]) => `${key} (${registers.join(', ')})`).join(' vs ');
    problems.push(`the active extracts were pseudonymised under different key ids and cannot be joined: ${list}`);
  }
  if (problems.length > 0) return { ok: false, problems };

  const sorted = [...criteria].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const among = options.copiesAmong ?? sorted;
  const planned = sorted.map((c) => ({ ...c, leftToCopies: copiesTakingOver(c, among).map((copy) => copy.municipality) }));
  const extractIds: Partial<Record<RegisterCode, number>> = {};
  for (const e of extracts) extractIds[e.register as RegisterCode] = e.id;
  // A full extract with deltas applied is other data than it was: `population#3+9` is not `population#3`.
  const extractKey = (e: ActiveExtract) => `${e.register}#${e.id}${(e.deltaIds ?? []).map((d) => `+${d}`).join('')}`;
  const key = `${sorted.map((c) => `${c.id}@${c.version}`).join(',')}|${extracts.map(extractKey).join(',')}`;
  const delta = options.delta;
  return {
    ok: true,
    plan: {
      asOf,
      criteria: planned,
      extracts,
      binding: { asOf, extractIds, ...(delta ? { people: delta.people } : {}) },
      pseudonymKeyId: extracts[0]?.pseudonymKeyId ?? '',
      runKey: delta ? `delta#${delta.extractId}|${key}` : key,
      ...(delta ? { delta: { extractId: delta.extractId, register: delta.register } } : {}),
    },
  };
}

export interface TakingOverCopy {
  readonly municipality: string;
  readonly criterionId: string;
  readonly version: number;
}

/**
 * The municipal copies among `criteria` that take their municipality over from the national `criterion`
 * (none for a municipal one), by municipality: a run leaves those case municipalities to the copy, and a
 * preview of the national criterion leaves them out the same way.
 */
export function copiesTakingOver(
  criterion: Pick<RunCriterion, 'id' | 'municipality'>,
  criteria: ReadonlyArray<Pick<RunCriterion, 'id' | 'version' | 'municipality' | 'basedOn'>>,
): TakingOverCopy[] {
  if (criterion.municipality !== null) return [];
  return criteria
    .filter((copy) => copy.basedOn === criterion.id && copy.municipality !== null)
    .map((copy) => ({ municipality: copy.municipality!, criterionId: copy.id, version: copy.version }))
    .sort((a, b) => (a.municipality < b.municipality ? -1 : a.municipality > b.municipality ? 1 : 0));
}
