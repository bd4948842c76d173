import { CriterionDefinition, CriterionIssue, validateCriterion } from '@tiltas/targeting';

/** The editor's fields: the common ones as inputs, the whole definition as JSON for everything else. */
export interface CriterionForm {
  readonly title: string;
  readonly ageMin: string;
  readonly ageMax: string;
  readonly definition: string;
  readonly hasAge: boolean;
}

export type FieldErrors = Partial<Record<'title' | 'ageMin' | 'ageMax' | 'definition', string[]>>;

export type FormVerdict = { readonly ok: true; readonly definition: CriterionDefinition } | { readonly ok: false; readonly errors: FieldErrors };

function ageIndex(definition: { conditions?: unknown }): number {
  return Array.isArray(definition.conditions) ? definition.conditions.findIndex((c) => (c as { kind?: unknown })?.kind === 'age') : -1;
}

export function formOf(definition: CriterionDefinition): CriterionForm {
  const age = definition.conditions.find((c) => c.kind === 'age') as { min?: number; max?: number } | undefined;
  return {
    title: definition.title,
    ageMin: age?.min === undefined ? '' : String(age.min),
    ageMax: age?.max === undefined ? '' : String(age.max),
    definition: JSON.stringify(definition, null, 2),
    hasAge: age !== undefined,
  };
}

/** A number field: blank is "no bound"; anything else must be a whole number, or the schema says why. */
function bound(value: string): number | string | undefined {
  const v = value.trim();
  if (v === '') return undefined;
  return /^-?\d+$/.test(v) ? Number(v) : v;
}

/**
 * Reads the submitted form into a definition and validates it with the criteria language's own schema,
 * putting each issue beside the field it concerns: the title and age bounds beside their inputs, the rest
 * beside the JSON (with its path, so the coordinator finds it).
 */
export function readCriterionForm(form: CriterionForm): FormVerdict {
  let parsed: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(form.definition);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, errors: { definition: ['the definition must be a JSON object'] } };
    parsed = value as Record<string, unknown>;
  } catch (err) {
    return { ok: false, errors: { definition: [`not valid JSON: ${(err as Error).message}`] } };
  }
  parsed.title = form.title.trim();
  const index = ageIndex(parsed);
  if (index >= 0) {
    const conditions = [...(parsed.conditions as unknown[])];
    const { min: _min, max: _max, ...rest } = conditions[index] as Record<string, unknown>;
    const min = bound(form.ageMin);
    const max = bound(form.ageMax);
    conditions[index] = { ...rest, ...(min === undefined ? {} : { min }), ...(max === undefined ? {} : { max }) };
    parsed.conditions = conditions;
  }
  const verdict = validateCriterion(parsed);
  if (verdict.ok) return { ok: true, definition: verdict.criterion };
  return { ok: false, errors: placeIssues(verdict.issues, index) };
}

export function placeIssues(issues: readonly CriterionIssue[], ageAt: number): FieldErrors {
  const errors: FieldErrors = {};
  const add = (field: keyof FieldErrors, message: string) => (errors[field] ??= []).push(message);
  for (const issue of issues) {
    if (issue.path === 'title') add('title', issue.message);
    else if (ageAt >= 0 && issue.path === `conditions.${ageAt}.min`) add('ageMin', issue.message);
    else if (ageAt >= 0 && issue.path === `conditions.${ageAt}.max`) add('ageMax', issue.message);
    else if (ageAt >= 0 && issue.path === `conditions.${ageAt}`) add('ageMax', issue.message);
    else add('definition', `${issue.path || '(criterion)'}: ${issue.message}`);
  }
  return errors;
}
