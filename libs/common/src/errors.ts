/**
 * Libraries throw DomainErrors with a code; only the HTTP edge maps codes to status codes
 * (apps/api's DomainErrorFilter), and the CLI prints the message and exits non-zero.
 */
export enum ErrorCode {
  /** The input breaks a rule: a field, a file, a date. 400. */
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  /** Not signed in, or the sign-in failed. 401. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** Signed in but not allowed (role, municipality, lawful basis). 403. */
  FORBIDDEN = 'FORBIDDEN',
  /** No such thing, or not within the caller's scope (never tell which). 404. */
  NOT_FOUND = 'NOT_FOUND',
  /** The state of things forbids it now: an illegal transition, a lost race, a duplicate. 409. */
  CONFLICT = 'CONFLICT',
  /** A lawful basis does not cover what is asked. 403. */
  LAWFUL_BASIS_MISSING = 'LAWFUL_BASIS_MISSING',
  /** An extract was rejected whole. 422. */
  EXTRACT_REJECTED = 'EXTRACT_REJECTED',
  /** The request carries more than a configured limit allows (an upload past MAX_UPLOAD_BYTES). 413. */
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  /** Too many attempts; try later. 429. */
  RATE_LIMITED = 'RATE_LIMITED',
  /** A service Tiltas needs (PostgreSQL, Redis) cannot be reached. 503. */
  DEPENDENCY_UNAVAILABLE = 'DEPENDENCY_UNAVAILABLE',
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Safe to show to the caller: field names and reasons, never personal data. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static validation(message: string, details?: Record<string, unknown>): DomainError {
    return new DomainError(ErrorCode.VALIDATION_FAILED, message, details);
  }

  static notFound(what: string): DomainError {
    return new DomainError(ErrorCode.NOT_FOUND, `${what} not found`);
  }

  static forbidden(message: string): DomainError {
    return new DomainError(ErrorCode.FORBIDDEN, message);
  }

  static conflict(message: string, details?: Record<string, unknown>): DomainError {
    return new DomainError(ErrorCode.CONFLICT, message, details);
  }
}

export function isDomainError(error: unknown, code?: ErrorCode): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}
