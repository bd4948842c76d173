import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { DomainError, ErrorCode, dependencyFailure, dependencyUnavailable, isDependencyFailure } from '@tiltas/common';
import type { Request, Response } from 'express';

const STATUS: Record<ErrorCode, number> = {
  [ErrorCode.VALIDATION_FAILED]: HttpStatus.BAD_REQUEST,
  [ErrorCode.UNAUTHENTICATED]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.FORBIDDEN]: HttpStatus.FORBIDDEN,
  [ErrorCode.LAWFUL_BASIS_MISSING]: HttpStatus.FORBIDDEN,
  [ErrorCode.NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.CONFLICT]: HttpStatus.CONFLICT,
  [ErrorCode.EXTRACT_REJECTED]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorCode.PAYLOAD_TOO_LARGE]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.RATE_LIMITED]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.DEPENDENCY_UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
};

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  requestId?: string;
}

/** Turns any thrown thing into a response that helps the caller and leaks nothing of the internals. */
export function toErrorBody(exception: unknown, requestId: string | undefined): ErrorBody {
  // PostgreSQL or Redis down is not a bug of ours nor the caller's: 503, saying which and to try again.
  const dependency = exception instanceof DomainError ? null : dependencyFailure(exception);
  if (dependency) exception = dependencyUnavailable(dependency);
  if (exception instanceof DomainError) {
    return { statusCode: STATUS[exception.code], code: exception.code, message: exception.message, details: exception.details, requestId };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? ([] as unknown[]).concat((response as { message: unknown }).message).join('; ')
        : exception.message;
    return { statusCode: status, code: httpCode(status), message, requestId };
  }
  return { statusCode: 500, code: 'INTERNAL', message: 'Something went wrong on our side. The error was logged; quote the request id when reporting it.', requestId };
}

function httpCode(status: number): string {
  switch (status) {
    case 400: return ErrorCode.VALIDATION_FAILED;
    case 401: return ErrorCode.UNAUTHENTICATED;
    case 403: return ErrorCode.FORBIDDEN;
    case 404: return ErrorCode.NOT_FOUND;
    case 409: return ErrorCode.CONFLICT;
    case 413: return ErrorCode.PAYLOAD_TOO_LARGE;
    case 429: return ErrorCode.RATE_LIMITED;
    default: return `HTTP_${status}`;
  }
}

/** Pages that want HTML errors register a renderer; the JSON API always gets the body. */
/** How long a refused request's unread body is drained before the answer goes out regardless. */
const DRAIN_MS = 2_000;
const DEPENDENCY_LOG_MS = 30_000;

export type HtmlErrorRenderer = (req: Request, res: Response, body: ErrorBody) => boolean;

@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');
  static htmlRenderer: HtmlErrorRenderer | null = null;
  private lastDependencyLog = 0;
  private unloggedDependencyErrors = 0;

  private dependencyLog(exception: unknown): void {
    const now = Date.now();
    if (now - this.lastDependencyLog < DEPENDENCY_LOG_MS) {
      this.unloggedDependencyErrors++;
      return;
    }
    const reason = exception instanceof Error ? exception.message : String(exception);
    this.logger.warn({ dependency: dependencyFailure(exception), reason, alsoSince: this.unloggedDependencyErrors }, 'answering 503: a dependency is unavailable');
    this.lastDependencyLog = now;
    this.unloggedDependencyErrors = 0;
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request & { id?: string }>();
    const res = ctx.getResponse<Response>();
    const requestId = req.id ? String(req.id) : undefined;
    const body = toErrorBody(exception, requestId);
    if (body.statusCode === 503 && isDependencyFailure(exception)) {
      // During an outage every request fails the same way: one line per DEPENDENCY_LOG_MS, with a count.
      this.dependencyLog(exception);
    } else if (body.statusCode >= 500) {
      // Logged once, here, with the request id; the caller sees only the generic message.
      this.logger.error({ err: exception, requestId, path: req.path }, 'unhandled error');
    }
    if (res.headersSent) return;
    if (body.statusCode === 503) res.setHeader('Retry-After', '30');
    const send = (): void => {
      if (res.headersSent) return;
      // A browser's own form post (the extract upload without script posts to the API) gets a page too.
      const browserForm = req.method === 'POST' && Boolean(req.is(['multipart/form-data', 'application/x-www-form-urlencoded']));
      if (DomainErrorFilter.htmlRenderer && (!req.path.startsWith('/api') || browserForm) && DomainErrorFilter.htmlRenderer(req, res, body)) return;
      // A download refused after its headers were set (an audit export whose filter is refused) must not
      // arrive as an attachment of the download's type: the error is JSON, shown where the caller is.
      res.removeHeader('Content-Disposition');
      res.status(body.statusCode).type('application/json').json(body);
    };
    if (req.complete) return send();
    // Refused before its body was read (an upload stopped by the CSRF check or a guard): read the rest and
    // throw it away before answering, so the client gets the answer rather than a reset while it is still
    // sending. A body that does not end soon gets the answer anyway, on a connection closed after it.
    const timer = setTimeout(() => {
      res.setHeader('Connection', 'close');
      send();
    }, DRAIN_MS);
    timer.unref();
    req.once('end', () => {
      clearTimeout(timer);
      send();
    });
    req.resume();
  }
}
