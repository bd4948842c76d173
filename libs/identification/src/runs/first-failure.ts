import { compileFunnel, type CompiledSql, type CriterionDefinition, type SqlParam } from '@tiltas/targeting';

export interface FirstFailureSql extends CompiledSql {
  /** The label of the condition a person fails first, by `failed` index (0 = the first condition). */
  readonly labels: readonly string[];
}

/**
 * Per person, the first condition of the criterion they no longer meet: the funnel's own CASE (the same
 * predicates, in the same order, as the criterion's query), kept per row instead of counted, for the
 * people given as the last parameter (bytea[]). People missing from the population extract give no row.
 * Result columns: pseudonym bytea, failed integer (index into `labels`; `labels.length` when they meet all).
 */
export function compileFirstFailure(criterion: CriterionDefinition): FirstFailureSql {
  const funnel = compileFunnel(criterion);
  const open = funnel.sql.indexOf('\nFROM (\n');
  const close = funnel.sql.lastIndexOf('\n) AS f');
  const inner = open >= 0 && close > open ? funnel.sql.slice(open + '\nFROM (\n'.length, close) : '';
  if (!/^\s*SELECT CASE\n/.test(inner) || !/\n\s*WHERE p\.extract_id = \$\d+::int\s*$/.test(inner)) {
    // The funnel's shape is what this reads; a change there must fail loudly here, not mislabel people.
    throw new Error('the compiled funnel no longer has the shape first-failure reads (SELECT CASE … WHERE p.extract_id = …)');
  }
  const peopleSlot = funnel.params.length + 1;
  const sql = [
    `SELECT pseudonym, passed AS failed FROM (`,
    inner.replace(/^(\s*)SELECT CASE\n/, '$1SELECT p.pseudonym, CASE\n'),
    `    AND p.pseudonym = ANY($${peopleSlot}::bytea[])`,
    `) AS f`,
  ].join('\n');
  const people: SqlParam = { name: 'people', kind: 'value', value: [] };
  return {
    sql,
    params: [...funnel.params, people],
    paramNames: [...funnel.paramNames, 'people'],
    labels: funnel.steps.slice(1).map((s) => s.label),
  };
}
