import { DomainError, ErrorCode } from './errors';

/** The services Tiltas cannot work without; a failure of one of them is temporary by nature. */
export type Dependency = 'PostgreSQL' | 'Redis';

/**
 * SQLSTATE classes and codes that mean the server or the connection went away, not that the statement
 * was wrong: 08 connection exception, 57P01 admin_shutdown (pg_terminate_backend), 57P02 crash_shutdown,
 * 57P03 cannot_connect_now, 53300 too_many_connections, 40001/40P01 serialization failure and deadlock.
 */
const PG_TRANSIENT = /^(08...|57P0[123]|53300|40001|40P01)$/;

const PG_MESSAGES = [
  /^Connection terminated/,
  /is not queryable$/,
  /^timeout exceeded when trying to connect$/,
  /terminating connection due to administrator command/,
  /^Driver not Connected$/,
];

const REDIS_MESSAGES = [/^Connection is closed\.?$/, /^Command timed out$/, /^Stream isn't writeable and enableOfflineQueue/, /max retries per request limit/];

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  driverError?: unknown;
  errors?: unknown;
}

/**
 * Which dependency an error says is unavailable, or null when the error is about the request itself.
 * Callers use it to answer 503 instead of 500 and to let a job retry instead of ending it for good. It
 * looks through TypeORM's QueryFailedError (driverError), `cause` chains and AggregateErrors (a
 * connection refused on both 127.0.0.1 and ::1).
 */
export function dependencyFailure(error: unknown, depth = 0): Dependency | null {
  if (depth > 4 || typeof error !== 'object' || error === null) return null;
  if (error instanceof DomainError) {
    if (error.code !== ErrorCode.DEPENDENCY_UNAVAILABLE) return null;
    const named = (error.details as { dependency?: unknown } | undefined)?.dependency;
    return named === 'Redis' || named === 'PostgreSQL' ? named : null;
  }
  const e = error as ErrorLike;
  const message = typeof e.message === 'string' ? e.message : '';
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  if (name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.some((p) => p.test(message))) return 'Redis';
  if (PG_TRANSIENT.test(code) || PG_MESSAGES.some((p) => p.test(message))) return 'PostgreSQL';
  // ioredis hands a command its own errors above (it retries the socket's); a bare socket error reaching a
  // caller comes from pg's pool connecting.
  if (NETWORK_CODES.has(code)) return 'PostgreSQL';
  for (const inner of [e.driverError, e.cause, ...(Array.isArray(e.errors) ? e.errors : [])]) {
    const found = dependencyFailure(inner, depth + 1);
    if (found) return found;
  }
  return null;
}

/**
 * True when the error means a dependency is down (a DomainError DEPENDENCY_UNAVAILABLE counts even when
 * it names none): work that failed this way must be retried, never recorded as refused.
 */
export function isDependencyFailure(error: unknown): boolean {
  return dependencyFailure(error) !== null || (error instanceof DomainError && error.code === ErrorCode.DEPENDENCY_UNAVAILABLE);
}

/** The DomainError an edge answers with when a dependency is down: what is missing, and that it is temporary. */
export function dependencyUnavailable(dependency: Dependency | null): DomainError {
  const what =
    dependency === 'Redis'
      ? 'Sessions and the job queue are unavailable (Redis cannot be reached)'
      : dependency === 'PostgreSQL'
        ? 'The database is unavailable (PostgreSQL cannot be reached)'
        : 'A service Tiltas needs is unavailable';
  return new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what}. Please try again in a minute.`, dependency ? { dependency } : undefined);
}
