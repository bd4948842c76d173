import { DomainError, isIsoDate } from '@tiltas/common';
import { z } from 'zod';
import { CASE_STATUSES } from '../case-codes';

/** The three work lists a filter, a sort and a saved view belong to. */
export const WORK_LIST_PAGES = ['queue', 'cases', 'caseload'] as const;
export type WorkListPage = (typeof WORK_LIST_PAGES)[number];

/** The columns a list may be sorted by: a whitelist, so no request text ever reaches ORDER BY. */
export const WORK_LIST_SORTS = ['urgency', 'window', 'created', 'attempts', 'next', 'id'] as const;
export type WorkListSort = (typeof WORK_LIST_SORTS)[number];

/** Holder filters: the actor's own cases, the unassigned ones, anyone's; or one worker's id (coordinators). */
export const HOLDER_CHOICES = ['me', 'nobody', 'anyone'] as const;

export const PAGE_SIZE_MIN = 10;
export const PAGE_SIZE_MAX = 200;
export const PAGE_SIZE_DEFAULT = 50;
/** Offset paging stays cheap and bounded: no page past this number is served. */
export const PAGE_MAX = 10_000;

const isoDate = z.string().refine(isIsoDate, 'must be a date (YYYY-MM-DD)');

/**
 * What a work list is narrowed and ordered by, as saved in a view and read from a query string. Strict:
 * an unknown key is an error rather than silently ignored, so a view never stores something it cannot apply.
 */
export const workListFilterSchema = z
  .object({
    cohort: z.string().regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, 'must be a criterion id (kebab-case)').max(80).optional(),
    status: z.enum(['OPEN', ...CASE_STATUSES]).optional(),
    windowFrom: isoDate.optional(),
    windowTo: isoDate.optional(),
    holder: z.union([z.enum(HOLDER_CHOICES), z.uuid()]).optional(),
    sort: z.enum(WORK_LIST_SORTS).optional(),
    dir: z.enum(['asc', 'desc']).optional(),
    pageSize: z.coerce.number().int().min(PAGE_SIZE_MIN).max(PAGE_SIZE_MAX).optional(),
  })
  .strict()
  .refine((f) => !f.windowFrom || !f.windowTo || f.windowFrom <= f.windowTo, { message: 'windowFrom must not be after windowTo', path: ['windowFrom'] });

export type WorkListFilter = z.infer<typeof workListFilterSchema>;

const FILTER_KEYS = ['cohort', 'status', 'windowFrom', 'windowTo', 'holder', 'sort', 'dir', 'pageSize'] as const;

function problems(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || 'filter'} ${i.message}`).join('; ');
}

/** A filter from a query string or form: known keys only, blanks dropped. VALIDATION_FAILED names every bad field. */
export function parseWorkListFilter(input: Record<string, unknown> | undefined): WorkListFilter {
  const picked: Record<string, unknown> = {};
  for (const key of FILTER_KEYS) {
    const raw = input?.[key];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (typeof value === 'string' && value.trim() !== '') picked[key] = value.trim();
    else if (typeof value === 'number') picked[key] = value;
  }
  return checkWorkListFilter(picked);
}

/** A filter object (a saved view's JSON) checked against the schema. */
export function checkWorkListFilter(value: unknown): WorkListFilter {
  const parsed = workListFilterSchema.safeParse(value);
  if (!parsed.success) throw DomainError.validation(`The list filter is not valid: ${problems(parsed.error)}`);
  return parsed.data;
}

/** A page number from a query string: 1 when absent, bounded by PAGE_MAX. */
export function parsePageNumber(value: unknown): number {
  if (value === undefined || value === null || value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > PAGE_MAX) throw DomainError.validation(`page must be a whole number from 1 to ${PAGE_MAX}`);
  return n;
}

/** The filter as query-string pairs (for links that keep it: paging, sorting, applying a view). */
export function filterQuery(filter: WorkListFilter): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filter[key];
    if (value !== undefined) params.set(key, String(value));
  }
  return params.toString();
}
