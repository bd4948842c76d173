import type { EntityManager } from 'typeorm';

/**
 * The ids of a person's cases, for the subject lookup: a run logs the cases it created in bulk (one
 * `case.created` entry with id ranges, never one entry per case), so the lookup finds those entries
 * through the person's case ids. Provided by the lib that owns cases (outreach), globally; without it the
 * lookup returns the entries that name the person as subject only.
 */
export const SUBJECT_CASE_IDS = Symbol('SUBJECT_CASE_IDS');

export interface SubjectCaseIds {
  caseIds(manager: EntityManager, subject: string): Promise<number[]>;
}
