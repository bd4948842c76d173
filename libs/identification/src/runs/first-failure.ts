import { compilePassed, type CompiledSql, type CriterionDefinition, type SqlParam } from '@tiltas/targeting';

export interface FirstFailureSql extends CompiledSql {
  /** The label of the condition a person fails first, by `failed` index (0 = the first condition). */
  readonly labels: readonly string[];
}

/**
 * Per person, the first condition of the criterion they no longer meet: the funnel's own tests (the same
 * predicates, in the same order, as the criterion's query), kept per row instead of counted, for the
 * people given as the last parameter (bytea[]). People missing from the population extract give no row.
 * Result columns: pseudonym bytea, failed integer (index into `labels`; `labels.length` when they meet all).
 */
export function compileFirstFailure(criterion: CriterionDefinition): FirstFailureSql {
  const passed = compilePassed(criterion);
  const peopleSlot = passed.params.length + 1;
  const sql = [`SELECT pseudonym, passed AS failed FROM (`, passed.sql, `  AND p.pseudonym = ANY($${peopleSlot}::bytea[])`, `) AS f`].join('\n');
  const people: SqlParam = { name: 'people', kind: 'value', value: [] };
  return {
    sql,
    params: [...passed.params, people],
    paramNames: [...passed.paramNames, 'people'],
    labels: passed.steps.slice(1).map((s) => s.label),
  };
}
