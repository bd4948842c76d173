/**
 * Who a transaction acts for. It is written into the transaction with set_config(..., true), where
 * row-level security policies read it (`tiltas.scope`, `tiltas.municipality`, `tiltas.actor`), so scope
 * holds even in a query that forgot to filter, and it ends with the transaction, so a pooled connection
 * never carries one request's scope into the next.
 */
export interface DbScope {
  /** `national` sees every municipality; `municipal` only `municipality`. */
  readonly scope: 'national' | 'municipal';
  readonly municipality: string | null;
  /** User id or `system:<job>`. */
  readonly actor: string;
  readonly role: string;
}

export const SYSTEM_SCOPE = (job: string): DbScope => ({
  scope: 'national',
  municipality: null,
  actor: `system:${job}`,
  role: 'SYSTEM',
});
