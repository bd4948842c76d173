import { z } from 'zod';
import { DomainError } from '@tiltas/common';
import {
  MUNICIPALITY_CODES,
  REGISTERS,
  REGISTER_CODES,
  type ColumnDeclaration,
  type RegisterCode,
} from '@tiltas/registers';

/**
 * The criteria language: a criterion is validated JSON whose every identifier (register, column) is
 * checked against the register declarations, so the compiler can put identifiers in SQL verbatim and
 * bind every value as a parameter.
 */

const CRITERION_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const EVENT_NAME = /^[a-z][a-z0-9_]*$/;

/** Registers a criterion may read: every register but the identifying ones (contacts). */
export const READABLE_REGISTERS = REGISTER_CODES.filter((code) => !REGISTERS[code].identifying);

/** Registers with a period, the only ones "in register X at D" can be asked of. */
export const PERIOD_REGISTERS = REGISTER_CODES.filter((code) => REGISTERS[code].period !== null);

const registerCode = z.enum(REGISTER_CODES, { error: () => `must be one of ${REGISTER_CODES.join(', ')}` });
const columnName = z.string().min(1);
const days = z.int().min(-36_600).max(36_600);

/** A comparison on a column of the same register row; values are checked against the column type later. */
export const comparisonSchema = z.discriminatedUnion('op', [
  z.strictObject({ column: columnName, op: z.enum(['in', 'notIn']), values: z.array(z.union([z.string(), z.int()])).min(1) }),
  z.strictObject({ column: columnName, op: z.enum(['=', '<>', '<', '<=', '>', '>=']), value: z.union([z.string(), z.int()]) }),
  z.strictObject({ column: columnName, op: z.enum(['isNull', 'isNotNull']) }),
]);
export type Comparison = z.infer<typeof comparisonSchema>;

const residentCondition = z.strictObject({ kind: z.literal('resident') });

const ageCondition = z.strictObject({
  kind: z.literal('age'),
  min: z.int().min(0).max(150).optional(),
  max: z.int().min(0).max(150).optional(),
});

const inRegisterCondition = z.strictObject({
  kind: z.literal('inRegister'),
  register: registerCode,
  where: z.array(comparisonSchema).optional(),
});

const notInRegisterCondition = z.strictObject({
  kind: z.literal('notInRegister'),
  register: registerCode,
  where: z.array(comparisonSchema).optional(),
});

/** Both bounds inclusive, in days relative to D: { fromDays: -90, toDays: 0 } is [D−90, D]. */
const windowSchema = z.strictObject({ fromDays: days, toDays: days });

const eventCondition = z.strictObject({
  kind: z.literal('event'),
  /** Referred to by the municipality and priority rules, and the key of the event in `reason`. */
  name: z.string().regex(EVENT_NAME, 'must be lower snake_case (a-z, 0-9, _), starting with a letter'),
  register: registerCode,
  /** The date column the window applies to, and the date the event stands for. */
  date: columnName,
  window: windowSchema.optional(),
  /** The same row's period is active at D (prison: custody not yet released). */
  activeAtD: z.boolean().optional(),
  where: z.array(comparisonSchema).optional(),
  /**
   * Which matching rows represent the event: the one with the latest or earliest `date` (default latest),
   * or `each` row, so that a person may be found once per distinct case municipality (pre-release: the
   * release municipality of each custody about to end).
   */
  pick: z.enum(['latest', 'earliest', 'each']).optional(),
});

export const conditionSchema = z.discriminatedUnion('kind', [
  residentCondition,
  ageCondition,
  inRegisterCondition,
  notInRegisterCondition,
  eventCondition,
]);
export type Condition = z.infer<typeof conditionSchema>;
export type EventCondition = z.infer<typeof eventCondition>;
export type AgeCondition = z.infer<typeof ageCondition>;

/**
 * The case municipality: the population municipality, or a municipality column of the event's
 * representative row (ties on that date broken by the smallest non-null code), falling back to the
 * population municipality when that row has none. With an event picked `each`, every matching row
 * gives a municipality, and the person is found once per distinct one (its most urgent row).
 */
export const municipalityRuleSchema = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('population') }),
  z.strictObject({ source: z.literal('event'), event: z.string(), column: columnName }),
]);
export type MunicipalityRule = z.infer<typeof municipalityRuleSchema>;

/**
 * Smaller is more urgent. `windowDate` is the date that puts the person on the list:
 * - daysSince: D − event date (recent first); windowDate the event date;
 * - daysUntil: event date − D (soonest first); windowDate the event date;
 * - daysUntilWindowCloses: days until the event date leaves the event's window; windowDate the event date;
 * - daysUntilAgeOut: days until the person leaves the age band (needs an age max); windowDate the last
 *   day in the band.
 */
export const priorityRuleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('daysSince'), event: z.string() }),
  z.strictObject({ kind: z.literal('daysUntil'), event: z.string() }),
  z.strictObject({ kind: z.literal('daysUntilWindowCloses'), event: z.string() }),
  z.strictObject({ kind: z.literal('daysUntilAgeOut') }),
]);
export type PriorityRule = z.infer<typeof priorityRuleSchema>;

const baseCriterionSchema = z.strictObject({
  id: z.string().regex(CRITERION_ID, 'must be kebab-case (a-z, 0-9, single hyphens), starting with a letter').max(80),
  title: z.string().trim().min(1).max(200),
  purpose: z.literal('outreach'),
  /** Conditions in funnel order; the first is always `resident` (everyone in a cohort is first a resident). */
  conditions: z.array(conditionSchema).min(1),
  municipality: municipalityRuleSchema,
  priority: priorityRuleSchema,
  /** A municipality's tuned copy: only cases whose municipality is one of these. */
  scope: z.array(z.string()).min(1).optional(),
});

export type CriterionDefinition = z.infer<typeof baseCriterionSchema>;

type Path = (string | number)[];
interface Ctx {
  readonly issues: { path: Path; message: string }[];
}

function issue(ctx: Ctx, path: Path, message: string): void {
  ctx.issues.push({ path, message });
}

function column(register: RegisterCode, name: string): ColumnDeclaration | undefined {
  return REGISTERS[register].columns.find((c) => c.name === name && c.type !== 'pseudonym');
}

function isMunicipalityColumn(col: ColumnDeclaration): boolean {
  return col.type === 'code' && col.codes === MUNICIPALITY_CODES;
}

function checkValue(ctx: Ctx, path: Path, col: ColumnDeclaration, value: string | number): void {
  if (col.type === 'integer') {
    if (typeof value !== 'number') return issue(ctx, path, `${col.name} is an integer column: the value must be an integer`);
    if ((col.min !== undefined && value < col.min) || (col.max !== undefined && value > col.max)) {
      issue(ctx, path, `${col.name} is between ${col.min} and ${col.max}`);
    }
    return;
  }
  if (typeof value !== 'string') return issue(ctx, path, `${col.name} is a text column: the value must be a string`);
  if (col.type === 'code' && !col.codes!.includes(value)) {
    issue(ctx, path, `${JSON.stringify(value)} is not a ${col.name} code`);
  }
}

function checkComparisons(ctx: Ctx, path: Path, register: RegisterCode, where: readonly Comparison[] | undefined): void {
  where?.forEach((cmp, i) => {
    const at = [...path, i];
    const col = column(register, cmp.column);
    if (!col) return issue(ctx, [...at, 'column'], `${register} has no column ${JSON.stringify(cmp.column)}`);
    if (cmp.op === 'isNull' || cmp.op === 'isNotNull') {
      if (!col.nullable) issue(ctx, [...at, 'op'], `${register}.${col.name} is never null`);
      return;
    }
    if (col.type === 'date') return issue(ctx, [...at, 'column'], `${col.name} is a date: use an event window for dates`);
    const ordered = ['<', '<=', '>', '>='].includes(cmp.op);
    if (ordered && col.type !== 'integer') issue(ctx, [...at, 'op'], `${cmp.op} compares integers; ${col.name} is not one`);
    if ('values' in cmp) cmp.values.forEach((v, j) => checkValue(ctx, [...at, 'values', j], col, v));
    else if ('value' in cmp) checkValue(ctx, [...at, 'value'], col, cmp.value);
  });
}

function checkReadable(ctx: Ctx, path: Path, register: RegisterCode, needsPeriod: boolean): boolean {
  const decl = REGISTERS[register];
  if (decl.identifying) {
    issue(ctx, path, `${register} is identifying and never read by criteria`);
    return false;
  }
  if (needsPeriod && decl.period === null) {
    issue(ctx, path, `${register} has no period; "in register at D" needs one of ${PERIOD_REGISTERS.join(', ')}`);
    return false;
  }
  return true;
}

/** Rules that need the register declarations or cross-references between parts of the criterion. */
function checkSemantics(c: CriterionDefinition, ctx: Ctx): void {
  if (c.conditions[0]?.kind !== 'resident') {
    issue(ctx, ['conditions', 0], 'the first condition must be {"kind":"resident"}: everyone in a cohort is first a resident at D');
  }
  const events = new Map<string, EventCondition>();
  let ageMax: number | undefined;
  c.conditions.forEach((cond, i) => {
    const at: Path = ['conditions', i];
    switch (cond.kind) {
      case 'resident':
        if (i !== 0) issue(ctx, at, 'resident may appear only once, as the first condition');
        break;
      case 'age':
        if (cond.min === undefined && cond.max === undefined) issue(ctx, at, 'an age band needs min, max or both');
        if (cond.min !== undefined && cond.max !== undefined && cond.min > cond.max) issue(ctx, [...at, 'max'], 'max must be at least min');
        if (cond.max !== undefined) ageMax = ageMax === undefined ? cond.max : Math.min(ageMax, cond.max);
        break;
      case 'inRegister':
      case 'notInRegister':
        if (checkReadable(ctx, [...at, 'register'], cond.register, true)) checkComparisons(ctx, [...at, 'where'], cond.register, cond.where);
        break;
      case 'event': {
        if (events.has(cond.name)) issue(ctx, [...at, 'name'], `event name ${JSON.stringify(cond.name)} is used twice`);
        events.set(cond.name, cond);
        if (!checkReadable(ctx, [...at, 'register'], cond.register, cond.activeAtD === true)) break;
        const dateCol = column(cond.register, cond.date);
        if (!dateCol || dateCol.type !== 'date') issue(ctx, [...at, 'date'], `${cond.register} has no date column ${JSON.stringify(cond.date)}`);
        if (cond.window && cond.window.fromDays > cond.window.toDays) issue(ctx, [...at, 'window', 'toDays'], 'toDays must be at least fromDays');
        if (!cond.window && cond.activeAtD !== true) issue(ctx, [...at, 'window'], 'an event needs a window, activeAtD: true, or both');
        checkComparisons(ctx, [...at, 'where'], cond.register, cond.where);
        break;
      }
    }
  });

  const m = c.municipality;
  if (m.source === 'event') {
    const ev = events.get(m.event);
    if (!ev) issue(ctx, ['municipality', 'event'], `no event named ${JSON.stringify(m.event)} among the conditions`);
    else {
      const col = column(ev.register, m.column);
      if (!col || !isMunicipalityColumn(col)) issue(ctx, ['municipality', 'column'], `${ev.register} has no municipality column ${JSON.stringify(m.column)}`);
    }
  }

  const p = c.priority;
  if (p.kind === 'daysUntilAgeOut') {
    if (ageMax === undefined) issue(ctx, ['priority', 'kind'], 'daysUntilAgeOut needs an age condition with a max');
  } else {
    const ev = events.get(p.event);
    if (!ev) issue(ctx, ['priority', 'event'], `no event named ${JSON.stringify(p.event)} among the conditions`);
    else if (p.kind === 'daysUntilWindowCloses' && !ev.window) issue(ctx, ['priority', 'event'], `event ${JSON.stringify(p.event)} has no window to close`);
  }

  c.scope?.forEach((code, i) => {
    if (!MUNICIPALITY_CODES.includes(code)) issue(ctx, ['scope', i], `${JSON.stringify(code)} is not a municipality code (LT-01…LT-60)`);
  });
}

/** The shape of a criterion; the rules that need the declarations are checked by validateCriterion. */
export const criterionSchema = baseCriterionSchema;

export interface CriterionIssue {
  /** Dotted path into the JSON, e.g. `conditions.2.where.0.values.1`; empty for the whole criterion. */
  readonly path: string;
  readonly message: string;
}

export type CriterionValidation =
  | { readonly ok: true; readonly criterion: CriterionDefinition }
  | { readonly ok: false; readonly issues: readonly CriterionIssue[] };

export function validateCriterion(input: unknown): CriterionValidation {
  const result = criterionSchema.safeParse(input);
  const toIssue = (path: readonly PropertyKey[], message: string): CriterionIssue => ({
    path: path.map(String).join('.'),
    message,
  });
  if (!result.success) return { ok: false, issues: result.error.issues.map((i) => toIssue(i.path, i.message)) };
  // Semantic rules run only on a well-shaped criterion, so they can trust every field's type.
  const ctx: Ctx = { issues: [] };
  checkSemantics(result.data, ctx);
  if (ctx.issues.length > 0) return { ok: false, issues: ctx.issues.map((i) => toIssue(i.path, i.message)) };
  return { ok: true, criterion: result.data };
}

/** Parses a criterion or throws a VALIDATION_FAILED DomainError listing every issue with its path. */
export function parseCriterion(input: unknown): CriterionDefinition {
  const result = validateCriterion(input);
  if (result.ok) return result.criterion;
  const text = result.issues.map((i) => `${i.path || '(criterion)'}: ${i.message}`).join('; ');
  throw DomainError.validation(`invalid criterion: ${text}`, { issues: result.issues });
}

/** Every register the criterion reads, population first: what its lawful basis must cover. */
export function registersRead(criterion: CriterionDefinition): RegisterCode[] {
  const read = new Set<RegisterCode>(['population']);
  for (const cond of criterion.conditions) {
    if (cond.kind === 'inRegister' || cond.kind === 'notInRegister' || cond.kind === 'event') read.add(cond.register);
  }
  return REGISTER_CODES.filter((code) => read.has(code));
}
