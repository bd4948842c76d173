import { DomainError, isIsoDate } from '@tiltas/common';
import type { RegisterCode } from '@tiltas/registers';

/**
 * The parameters of a compiled query, in `$n` order. Only two kinds are bound per run (the reference date
 * and each register's extract id); the criterion's own values are carried with the query.
 */
export type SqlParam =
  | { readonly name: 'asOf'; readonly kind: 'asOf' }
  | { readonly name: `extract:${RegisterCode}`; readonly kind: 'extract'; readonly register: RegisterCode }
  | { readonly name: string; readonly kind: 'value'; readonly value: SqlValue }
  | { readonly name: 'people'; readonly kind: 'people' };

export type SqlValue = string | number | readonly string[] | readonly number[];

export interface CompiledSql {
  /** Parameterised SQL: `$1` is `params[0]`. */
  readonly sql: string;
  readonly params: readonly SqlParam[];
  /** `params` names in `$n` order: `asOf`, `extract:<register>`, or the criterion path of a value. */
  readonly paramNames: readonly string[];
}

/** What a run binds: the reference date D and the extract id read for each register. */
export interface RunBinding {
  readonly asOf: string;
  readonly extractIds: Partial<Record<RegisterCode, number>>;
  /** Only these persons (32-byte pseudonyms), for a query compiled with `people` (a delta's same-day run). */
  readonly people?: readonly Buffer[];
}

/** The positional values for `compiled.sql`; refuses a missing extract rather than reading none. */
export function bindParams(compiled: CompiledSql, run: RunBinding): unknown[] {
  if (!isIsoDate(run.asOf)) throw DomainError.validation(`asOf is not a date (YYYY-MM-DD): ${run.asOf}`);
  return compiled.params.map((p) => {
    switch (p.kind) {
      case 'asOf':
        return run.asOf;
      case 'extract': {
        const id = run.extractIds[p.register];
        if (id === undefined || !Number.isInteger(id)) {
          throw DomainError.validation(`no extract id given for register ${p.register}`, { register: p.register });
        }
        return id;
      }
      case 'value':
        return p.value;
      case 'people':
        if (!run.people) throw DomainError.validation('no persons given for a query restricted to persons');
        return run.people;
    }
  });
}

/** Collects parameters while SQL is written; the same name is bound once and reused. */
export class ParamBag {
  private readonly list: SqlParam[] = [];
  private readonly index = new Map<string, number>();

  asOf(): string {
    return `${this.slot({ name: 'asOf', kind: 'asOf' })}::date`;
  }

  extract(register: RegisterCode): string {
    return `${this.slot({ name: `extract:${register}` as const, kind: 'extract', register })}::int`;
  }

  /** The persons a query is restricted to, as `bytea[]`. */
  people(): string {
    return `${this.slot({ name: 'people', kind: 'people' })}::bytea[]`;
  }

  value(name: string, value: SqlValue, cast: 'int' | 'text' | 'int[]' | 'text[]'): string {
    const known = this.index.get(name);
    if (known !== undefined) {
      const prior = this.list[known];
      if (prior.kind !== 'value' || JSON.stringify(prior.value) !== JSON.stringify(value)) {
        throw new Error(`parameter ${name} bound twice with different values`);
      }
    }
    return `${this.slot({ name, kind: 'value', value })}::${cast}`;
  }

  result(sql: string): CompiledSql {
    return { sql, params: [...this.list], paramNames: this.list.map((p) => p.name) };
  }

  private slot(param: SqlParam): string {
    let i = this.index.get(param.name);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(param);
      this.index.set(param.name, i);
    }
    return `$${i + 1}`;
  }
}
