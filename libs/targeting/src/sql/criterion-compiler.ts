import { REGISTERS, type ColumnDeclaration, type RegisterCode } from '@tiltas/registers';
import type {
  Comparison,
  Condition,
  CriterionDefinition,
  EventCondition,
} from '../criterion.schema';
import { ParamBag, type CompiledSql, type SqlParam, type SqlValue } from './sql-params';

/**
 * Compiles a validated criterion to one set-based SELECT over the register tables (`reg_<code>`, one
 * extract each, chosen by a bound extract id). Every identifier comes from the register declarations
 * (the criterion's names were checked against them); every value is a bind parameter.
 *
 * Result columns: pseudonym bytea, municipality text, priority integer, window_date date, reason jsonb.
 */

const table = (register: RegisterCode): string => `reg_${register}`;

function declaredColumn(register: RegisterCode, name: string): ColumnDeclaration {
  const col = REGISTERS[register].columns.find((c) => c.name === name && c.type !== 'pseudonym');
  // Validation guarantees the column; reaching here with an unknown one is a programming error.
  if (!col) throw new Error(`${register} has no column ${name}`);
  return col;
}

/** Aliases number events by their condition, so that no name from the criterion becomes an identifier. */
function eventAlias(criterion: CriterionDefinition, event: EventCondition): string {
  return `ev_${criterion.conditions.indexOf(event) + 1}`;
}

/** One-line descriptions used as SQL comments and funnel labels; built from declarations and numbers only. */
export function describeCondition(cond: Condition): string {
  switch (cond.kind) {
    case 'resident':
      return 'resident at D: in population, not deceased or emigrated on or before D';
    case 'age':
      if (cond.min !== undefined && cond.max !== undefined) return `age ${cond.min}-${cond.max} in full years at D`;
      if (cond.min !== undefined) return `age ${cond.min} or more in full years at D`;
      return `age ${cond.max} or less in full years at D`;
    case 'inRegister':
      return `in ${cond.register} at D${describeWhere(cond.where)}`;
    case 'notInRegister':
      return `not in ${cond.register} at D${describeWhere(cond.where)}`;
    case 'event': {
      const parts = [`event ${cond.name}: some ${cond.register} row`];
      if (cond.window) parts.push(`with ${cond.date} in [${offset(cond.window.fromDays)}, ${offset(cond.window.toDays)}]`);
      if (cond.activeAtD) parts.push('active at D');
      return parts.join(' ') + describeWhere(cond.where);
    }
  }
}

function offset(days: number): string {
  if (days === 0) return 'D';
  return days > 0 ? `D+${days}` : `D-${-days}`;
}

function describeWhere(where: readonly Comparison[] | undefined): string {
  if (!where?.length) return '';
  return ' where ' + where.map((c) => {
    if (c.op === 'isNull' || c.op === 'isNotNull') return `${c.column} ${c.op === 'isNull' ? 'is null' : 'is not null'}`;
    if (c.op === 'in' || c.op === 'notIn') return `${c.column} ${c.op === 'in' ? 'in' : 'not in'} (${c.values.length} values)`;
    return `${c.column} ${c.op} value`;
  }).join(' and ');
}

class CriterionSql {
  readonly bag = new ParamBag();
  private readonly events: EventCondition[];

  constructor(readonly criterion: CriterionDefinition) {
    this.events = criterion.conditions.filter((c): c is EventCondition => c.kind === 'event');
  }

  get D(): string {
    return this.bag.asOf();
  }

  event(name: string): EventCondition {
    const ev = this.events.find((e) => e.name === name);
    if (!ev) throw new Error(`no event ${name}`);
    return ev;
  }

  activeAt(alias: string, register: RegisterCode): string {
    const period = REGISTERS[register].period;
    if (!period) throw new Error(`${register} has no period`);
    // prison custody ends the day before release: released_on is itself a day outside (exclusive end).
    const endOp = period.end === 'exclusive' ? '>' : '>=';
    return `${alias}.${period.from} <= ${this.D} AND (${alias}.${period.to} IS NULL OR ${alias}.${period.to} ${endOp} ${this.D})`;
  }

  comparison(alias: string, register: RegisterCode, cmp: Comparison, path: string): string {
    const col = declaredColumn(register, cmp.column);
    const ref = `${alias}.${col.name}`;
    const integer = col.type === 'integer';
    switch (cmp.op) {
      case 'isNull':
        return `${ref} IS NULL`;
      case 'isNotNull':
        return `${ref} IS NOT NULL`;
      case 'in':
        return `${ref} = ANY(${this.bag.value(`${path}.values`, cmp.values as SqlValue, integer ? 'int[]' : 'text[]')})`;
      // A null value is not in any list: "not in (X)" holds for it.
      case 'notIn':
        return `(${ref} IS NULL OR ${ref} <> ALL(${this.bag.value(`${path}.values`, cmp.values as SqlValue, integer ? 'int[]' : 'text[]')}))`;
      case '<>':
        return `${ref} IS DISTINCT FROM ${this.bag.value(`${path}.value`, cmp.value, integer ? 'int' : 'text')}`;
      default:
        return `${ref} ${cmp.op} ${this.bag.value(`${path}.value`, cmp.value, integer ? 'int' : 'text')}`;
    }
  }

  where(alias: string, register: RegisterCode, where: readonly Comparison[] | undefined, path: string): string[] {
    return (where ?? []).map((cmp, i) => this.comparison(alias, register, cmp, `${path}.where.${i}`));
  }

  /** The predicates an event row must meet, with the event's register aliased as `alias`. */
  eventPredicates(ev: EventCondition, index: number, alias: string): string[] {
    const path = `conditions.${index}`;
    const preds = [
      `${alias}.extract_id = ${this.bag.extract(ev.register)}`,
      `${alias}.pseudonym = p.pseudonym`,
      `${alias}.${ev.date} IS NOT NULL`,
    ];
    if (ev.window) {
      preds.push(
        `${alias}.${ev.date} BETWEEN ${this.D} + ${this.bag.value(`${path}.window.fromDays`, ev.window.fromDays, 'int')}` +
          ` AND ${this.D} + ${this.bag.value(`${path}.window.toDays`, ev.window.toDays, 'int')}`,
      );
    }
    if (ev.activeAtD) preds.push(this.activeAt(alias, ev.register));
    preds.push(...this.where(alias, ev.register, ev.where, path));
    return preds;
  }

  /** The municipality column the case rule takes from this event, if any. */
  municipalityColumn(ev: EventCondition): string | undefined {
    const m = this.criterion.municipality;
    return m.source === 'event' && m.event === ev.name ? m.column : undefined;
  }

  /** The representative row first: by date, then (for the case municipality) the smallest non-null code. */
  eventOrder(ev: EventCondition, alias: string): string {
    const order = [`${alias}.${ev.date} ${ev.pick === 'earliest' ? 'ASC' : 'DESC'}`];
    const mun = this.municipalityColumn(ev);
    if (mun) order.push(`${alias}.${mun} ASC NULLS LAST`);
    order.push(`${alias}.line ASC`);
    return order.join(', ');
  }

  /** Columns the event row reports in `reason`: its date, its period, what it was compared on, its municipality. */
  eventColumns(ev: EventCondition): string[] {
    const cols = [ev.date];
    const period = REGISTERS[ev.register].period;
    if (ev.activeAtD && period) cols.push(period.from, period.to);
    for (const cmp of ev.where ?? []) cols.push(cmp.column);
    const mun = this.municipalityColumn(ev);
    if (mun) cols.push(mun);
    return [...new Set(cols)];
  }

  /** A condition as a boolean over the population row `p`, for WHERE and for the funnel. */
  predicate(cond: Condition, index: number): string {
    const path = `conditions.${index}`;
    switch (cond.kind) {
      case 'resident':
        return `(p.deceased_on IS NULL OR p.deceased_on > ${this.D}) AND (p.emigrated_on IS NULL OR p.emigrated_on > ${this.D})`;
      case 'age': {
        // Full years: age >= N exactly when birth_date <= D - N years; PostgreSQL maps 29 February to
        // 28 February in a common year, so a leap-day birthday turns on 1 March, as ageAt counts.
        const preds: string[] = [];
        if (cond.min !== undefined) {
          preds.push(`p.birth_date <= ${this.D} - make_interval(years => ${this.bag.value(`${path}.min`, cond.min, 'int')})`);
        }
        if (cond.max !== undefined) {
          preds.push(`p.birth_date > ${this.D} - make_interval(years => ${this.bag.value(`${path}.max`, cond.max, 'int')} + 1)`);
        }
        return preds.join(' AND ');
      }
      case 'inRegister':
      case 'notInRegister': {
        const preds = [
          `r.extract_id = ${this.bag.extract(cond.register)}`,
          `r.pseudonym = p.pseudonym`,
          this.activeAt('r', cond.register),
          ...this.where('r', cond.register, cond.where, path),
        ];
        const exists = `EXISTS (SELECT 1 FROM ${table(cond.register)} AS r WHERE ${preds.join(' AND ')})`;
        return cond.kind === 'inRegister' ? exists : `NOT ${exists}`;
      }
      case 'event':
        return `EXISTS (SELECT 1 FROM ${table(cond.register)} AS e WHERE ${this.eventPredicates(cond, index, 'e').join(' AND ')})`;
    }
  }

  /** The case municipality; `eventRef` gives the SQL for an event's column (lateral alias or subquery). */
  municipality(eventRef: (ev: EventCondition, column: string) => string): string {
    const m = this.criterion.municipality;
    if (m.source === 'population') return 'p.municipality';
    return `COALESCE(${eventRef(this.event(m.event), m.column)}, p.municipality)`;
  }

  scopePredicate(municipality: string): string | undefined {
    const scope = this.criterion.scope;
    if (!scope) return undefined;
    return `${municipality} = ANY(${this.bag.value('scope', scope, 'text[]')})`;
  }

  /** Not one of the case municipalities a run leaves to their own copies (as the run filters its rows). */
  notLeftOutPredicate(municipality: string, leftOut: readonly string[]): string | undefined {
    if (leftOut.length === 0) return undefined;
    return `${municipality} <> ALL(${this.bag.value('leftOut', leftOut, 'text[]')})`;
  }

  ageOutDate(): string {
    const maxima = this.criterion.conditions.flatMap((c) => (c.kind === 'age' && c.max !== undefined ? [c.max] : []));
    const index = this.criterion.conditions.findIndex((c) => c.kind === 'age' && c.max === Math.min(...maxima));
    // The last day in the band is the day before the (max+1)th birthday. PostgreSQL adds years to a
    // 29 February as 28 February in a common year, where that day is itself the last day in the band
    // (the birthday falls on 1 March); the day-of-month differing is exactly that case.
    const years = `make_interval(years => ${this.bag.value(`conditions.${index}.max`, Math.min(...maxima), 'int')} + 1)`;
    const birthday = `(p.birth_date + ${years})::date`;
    return `(${birthday} - CASE WHEN extract(day FROM p.birth_date) = extract(day FROM ${birthday}) THEN 1 ELSE 0 END)`;
  }
}

export interface CompileOptions {
  /**
   * Only the persons bound as `people` (RunBinding.people): the same query, restricted to a person set, for
   * the same-day run over a delta's persons. The population row is then found by its pseudonym index.
   */
  readonly people?: boolean;
}

/**
 * A reason's facts name the delta an event row came from (`delta_extract_id`), when it did: the row's
 * provenance (spec "Delta deliveries"). Rows of the full extract itself add nothing.
 */
function provenance(alias: string): string {
  return `CASE WHEN ${alias}.delta_extract_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('delta_extract_id', ${alias}.delta_extract_id) END`;
}

/** The run query: everyone the criterion finds at D, one row each. */
export function compileCriterion(criterion: CriterionDefinition, options: CompileOptions = {}): CompiledSql {
  const q = new CriterionSql(criterion);
  const conds = criterion.conditions;
  const D = q.D;
  const extractPopulation = q.bag.extract('population');

  const laterals: string[] = [];
  conds.forEach((cond, i) => {
    if (cond.kind !== 'event') return;
    const alias = eventAlias(criterion, cond);
    const cols = [...q.eventColumns(cond), 'line', 'delta_extract_id'].map((c) => `e.${c}`).join(', ');
    const each = cond.pick === 'each';
    laterals.push(
      [
        `-- ${i + 1}. ${describeCondition(cond)}; ${each ? 'each row that matches:' : 'the row that represents it:'}`,
        `CROSS JOIN LATERAL (`,
        `  SELECT ${cols}`,
        `  FROM ${table(cond.register)} AS e`,
        `  WHERE ${q.eventPredicates(cond, i, 'e').join('\n    AND ')}`,
        ...(each ? [] : [`  ORDER BY ${q.eventOrder(cond, 'e')}`, `  LIMIT 1`]),
        `) AS ${alias}`,
      ].join('\n'),
    );
  });

  const where: string[] = [`WHERE p.extract_id = ${extractPopulation}`];
  if (options.people) where.push(`  -- only the persons given (a delta's)`, `  AND p.pseudonym = ANY(${q.bag.people()})`);
  conds.forEach((cond, i) => {
    if (cond.kind === 'event') return;
    where.push(`  -- ${i + 1}. ${describeCondition(cond)}`, `  AND ${q.predicate(cond, i)}`);
  });
  const municipality = q.municipality((ev, col) => `${eventAlias(criterion, ev)}.${col}`);
  const scope = q.scopePredicate(municipality);
  if (scope) where.push('  -- only cases of the municipalities in scope', `  AND ${scope}`);

  const { priority, windowDate } = priorityColumns(q, (ev) => `${eventAlias(criterion, ev)}.${ev.date}`);

  const reasonParts = [`'age', date_part('year', age(${D}, p.birth_date))::int`];
  conds.forEach((cond, i) => {
    if (cond.kind !== 'event') return;
    const alias = eventAlias(criterion, cond);
    const fields = q.eventColumns(cond).map((c) => `'${c}', ${alias}.${c}`).join(', ');
    reasonParts.push(`${q.bag.value(`conditions.${i}.name`, cond.name, 'text')}, jsonb_build_object(${fields}) || ${provenance(alias)}`);
  });

  // Events picked `each` can match several rows: keep one row per person and municipality, the most urgent.
  const eachEvents = conds.filter((c): c is EventCondition => c.kind === 'event' && c.pick === 'each');
  const distinct = eachEvents.length > 0;
  const sql = [
    `-- criterion ${criterion.id}: everyone it finds at D, one row ${distinct ? 'per person and case municipality' : 'each'}`,
    `SELECT ${distinct ? `DISTINCT ON (p.pseudonym, ${municipality})\n       ` : ''}p.pseudonym,`,
    `       ${municipality} AS municipality,`,
    `       (${priority})::integer AS priority,`,
    `       (${windowDate})::date AS window_date,`,
    `       jsonb_build_object(${reasonParts.join(',\n                          ')}) AS reason`,
    `FROM ${table('population')} AS p`,
    ...laterals,
    ...where,
    ...(distinct
      ? [`ORDER BY p.pseudonym, ${municipality}, ${priority}, ${windowDate}, ${eachEvents.map((e) => `${eventAlias(criterion, e)}.line`).join(', ')}`]
      : []),
  ].join('\n');
  return q.bag.result(sql);
}

function priorityColumns(q: CriterionSql, eventDate: (ev: EventCondition) => string): { priority: string; windowDate: string } {
  const rule = q.criterion.priority;
  const D = q.D;
  if (rule.kind === 'daysUntilAgeOut') {
    const last = q.ageOutDate();
    return { priority: `${last} - ${D}`, windowDate: last };
  }
  const ev = q.event(rule.event);
  const date = eventDate(ev);
  switch (rule.kind) {
    case 'daysSince':
      return { priority: `${D} - ${date}`, windowDate: date };
    case 'daysUntil':
      return { priority: `${date} - ${D}`, windowDate: date };
    case 'daysUntilWindowCloses': {
      // The date stays in [D+from, D+to] while D <= date − from: that is the last day it lists the person.
      const index = q.criterion.conditions.indexOf(ev);
      const from = q.bag.value(`conditions.${index}.window.fromDays`, ev.window!.fromDays, 'int');
      return { priority: `(${date} - ${from}) - ${D}`, windowDate: date };
    }
  }
}

export interface FunnelStep {
  readonly label: string;
}

export interface CompiledFunnel extends CompiledSql {
  /** The first step is everyone in the population extract; then one step per condition, then the scope and the left-out municipalities if any. */
  readonly steps: readonly FunnelStep[];
}

export interface FunnelOptions {
  /**
   * Case municipalities to leave out, as a run leaves a national criterion's municipalities to their
   * own ACTIVE copies: a last step keeps the people found for a municipality not among them.
   */
  readonly leftOut?: readonly string[];
}

interface FunnelTest {
  readonly label: string;
  readonly predicate: string;
  /** Reads no register: a test of the population row alone (resident, age). */
  readonly rowOnly: boolean;
}

/** The funnel's tests in order: one per condition, then the scope if any, then the municipalities left out if any. */
function funnelTests(q: CriterionSql, criterion: CriterionDefinition, leftOut: readonly string[]): FunnelTest[] {
  const tests: FunnelTest[] = criterion.conditions.map((cond, i) => ({
    label: describeCondition(cond),
    predicate: q.predicate(cond, i),
    rowOnly: cond.kind === 'resident' || cond.kind === 'age',
  }));
  const rule = criterion.municipality;
  const municipalityEvent = rule.source === 'event' ? q.event(rule.event) : undefined;
  let scope: string | undefined;
  let kept: string | undefined;
  if (rule.source === 'event' && municipalityEvent?.pick === 'each') {
    // Found once per matching row: in scope (and not left out) when any matching row's municipality is.
    const municipality = `COALESCE(m.${rule.column}, p.municipality)`;
    const preds = q.eventPredicates(municipalityEvent, criterion.conditions.indexOf(municipalityEvent), 'm');
    const exists = (more: readonly string[]) => `EXISTS (SELECT 1 FROM ${table(municipalityEvent.register)} AS m WHERE ${[...preds, ...more].join(' AND ')})`;
    const inScope = q.scopePredicate(municipality);
    const notLeftOut = q.notLeftOutPredicate(municipality, leftOut);
    if (inScope) scope = exists([inScope]);
    if (notLeftOut) kept = exists([...(inScope ? [inScope] : []), notLeftOut]);
  } else {
    const municipality = q.municipality((ev, col) => {
      const alias = 'm';
      return `(SELECT ${alias}.${col} FROM ${table(ev.register)} AS ${alias} WHERE ${q
        .eventPredicates(ev, criterion.conditions.indexOf(ev), alias)
        .join(' AND ')} ORDER BY ${q.eventOrder(ev, alias)} LIMIT 1)`;
    });
    scope = q.scopePredicate(municipality);
    kept = q.notLeftOutPredicate(municipality, leftOut);
  }
  const rowOnly = (predicate: string) => !/\bSELECT\b/.test(predicate);
  if (scope) tests.push({ label: 'case municipality in scope', predicate: scope, rowOnly: rowOnly(scope) });
  if (kept) tests.push({ label: 'case municipality not taken over by its own copy', predicate: kept, rowOnly: rowOnly(kept) });
  return tests;
}

/** `CASE WHEN (test) IS NOT TRUE THEN its index … ELSE past the last END`, numbering from `first`. */
function passedCase(tests: readonly FunnelTest[], first: number, indent: string): string {
  if (tests.length === 0) return `${first}`;
  const whens = tests.map((t, i) => `${indent}  -- ${first + i + 1}. ${t.label}\n${indent}  WHEN (${t.predicate}) IS NOT TRUE THEN ${first + i}`);
  return [`CASE`, ...whens, `${indent}  ELSE ${first + tests.length} END`].join('\n');
}

/**
 * Per person in the population extract, how many of the criterion's tests (conditions, then scope) they
 * pass in order before the first they fail: `SELECT p.pseudonym, <passed> AS passed FROM … WHERE
 * p.extract_id = …`, for callers that add their own filter on p (first-failure names the people).
 */
export function compilePassed(criterion: CriterionDefinition): CompiledFunnel {
  const q = new CriterionSql(criterion);
  const extractPopulation = q.bag.extract('population');
  const tests = funnelTests(q, criterion, []);
  const sql = [
    `SELECT p.pseudonym, ${passedCase(tests, 0, '  ')} AS passed`,
    `FROM ${table('population')} AS p`,
    `WHERE p.extract_id = ${extractPopulation}`,
  ].join('\n');
  return { ...q.bag.result(sql), steps: funnelSteps(tests) };
}

function funnelSteps(tests: readonly FunnelTest[]): FunnelStep[] {
  return [{ label: 'in the population extract' }, ...tests.map((t) => ({ label: t.label }))];
}

/**
 * How many people remain after each condition, in order: rows of (`passed`, `people`), the number of
 * people who pass that many tests before failing one, which readFunnel turns into the steps. Two passes
 * over the population extract: the leading tests that read no register (resident, age) for everyone, in a
 * scan PostgreSQL runs in parallel; then, for those who pass them, the register tests in a CASE that
 * stops at the first failure (so later EXISTS are skipped). Grouping by the CASE evaluates it once per
 * person; a count per step over it would evaluate it once per step, as the planner copies it into each.
 */
export function compileFunnel(criterion: CriterionDefinition, options: FunnelOptions = {}): CompiledFunnel {
  const q = new CriterionSql(criterion);
  const extractPopulation = q.bag.extract('population');
  const tests = funnelTests(q, criterion, options.leftOut ?? []);
  const leading = tests.findIndex((t) => !t.rowOnly);
  const cheap = leading < 0 ? tests.length : leading;
  const rest = tests.slice(cheap);
  const parts: string[] = [];
  if (cheap > 0) {
    parts.push(
      [
        `-- everyone, by the first test on the population row alone they fail`,
        `SELECT passed, count(*)::int AS people`,
        `FROM (`,
        `  SELECT ${passedCase(tests.slice(0, cheap), 0, '  ')} AS passed`,
        `  FROM ${table('population')} AS p`,
        `  WHERE p.extract_id = ${extractPopulation}`,
        `) AS f`,
        // Those who pass them all are counted by the register tests below.
        ...(rest.length > 0 ? [`WHERE passed < ${cheap}`] : []),
        `GROUP BY passed`,
      ].join('\n'),
    );
  }
  if (rest.length > 0) {
    parts.push(
      [
        `-- those who pass them, by the first register test they fail`,
        `SELECT passed, count(*)::int AS people`,
        `FROM (`,
        `  SELECT ${passedCase(rest, cheap, '  ')} AS passed`,
        // A subquery of its own (OFFSET 0), so the population is filtered in a parallel scan; the EXISTS
        // tests, which PostgreSQL runs only in the leader, then see just the people who passed.
        `  FROM (`,
        `    SELECT * FROM ${table('population')} AS p`,
        `    WHERE p.extract_id = ${extractPopulation}`,
        ...tests.slice(0, cheap).map((t) => `      AND (${t.predicate})`),
        `    OFFSET 0`,
        `  ) AS p`,
        `) AS f`,
        `GROUP BY passed`,
      ].join('\n'),
    );
  }
  const sql = [`-- criterion ${criterion.id}: how many people pass how many tests, in order`, parts.join('\nUNION ALL\n')].join('\n');
  return { ...q.bag.result(sql), steps: funnelSteps(tests) };
}

/** The funnel's rows as its steps, labelled: after step k remain those who passed at least k conditions. */
export function readFunnel(funnel: CompiledFunnel, rows: ReadonlyArray<Record<string, unknown>>): { label: string; remaining: number }[] {
  const byPassed = new Map<number, number>();
  for (const r of rows) byPassed.set(Number(r.passed), (byPassed.get(Number(r.passed)) ?? 0) + Number(r.people));
  let remaining = 0;
  const counts = funnel.steps.map((_, k) => k).reverse().map((k) => (remaining += byPassed.get(k) ?? 0)).reverse();
  return funnel.steps.map((s, k) => ({ label: s.label, remaining: counts[k] }));
}

export interface ReviewOptions {
  /** Inline this date for D; without it D is the psql variable `:'as_of'`. */
  readonly asOf?: string;
}

function literal(value: SqlValue): string {
  const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;
  if (Array.isArray(value)) {
    return `ARRAY[${(value as readonly (string | number)[]).map((v) => (typeof v === 'number' ? (v < 0 ? `(${v})` : String(v)) : quote(v))).join(', ')}]`;
  }
  if (typeof value === 'number') return value < 0 ? `(${value})` : String(value);
  return quote(value as string);
}

function reviewValue(param: SqlParam, options: ReviewOptions): string {
  switch (param.kind) {
    case 'asOf':
      return options.asOf ? literal(options.asOf) : `:'as_of'`;
    case 'extract':
      return `(SELECT id FROM extract WHERE register = ${literal(param.register)} AND status = 'ACTIVE')`;
    case 'value':
      return literal(param.value);
    case 'people':
      return `:'people'`;
  }
}

function commentLine(text: string): string {
  return `-- ${text.replace(/[\r\n]+/g, ' ')}`;
}

/**
 * The run query as a reviewer reads it: commented, with each register's active extract looked up by name
 * and every value written out, runnable by hand in psql (`psql -v as_of=2026-10-01 -f review.sql`).
 */
export function sqlForReview(criterion: CriterionDefinition, options: ReviewOptions = {}): string {
  const compiled = compileCriterion(criterion);
  const body = compiled.sql.replace(/\$(\d+)\b/g, (_, n: string) => reviewValue(compiled.params[Number(n) - 1], options));
  const header = [
    commentLine(`criterion ${criterion.id}: ${criterion.title}`),
    commentLine(`purpose: ${criterion.purpose}`),
    commentLine(`D = ${options.asOf ?? ":'as_of' (set it with psql -v as_of=YYYY-MM-DD or \\set as_of 'YYYY-MM-DD')"}`),
    commentLine('each register is read from its ACTIVE extract'),
    commentLine(`conditions, in order:`),
    ...criterion.conditions.map((c, i) => commentLine(`  ${i + 1}. ${describeCondition(c)}`)),
    commentLine(`municipality: ${criterion.municipality.source === 'population' ? 'population.municipality' : `${criterion.municipality.column} of event ${criterion.municipality.event} (smallest non-null code on that date), else population.municipality`}`),
    commentLine(`priority (smaller is more urgent): ${criterion.priority.kind}${'event' in criterion.priority ? ` of event ${criterion.priority.event}` : ''}`),
    ...(criterion.scope ? [commentLine(`scope: ${criterion.scope.join(', ')}`)] : []),
  ];
  return `${header.join('\n')}\n${body};\n`;
}
