import { ArgumentMetadata, ExecutionContext, PipeTransform, RequestMethod, createParamDecorator } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiParam,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { IS_PUBLIC, REQUIRED_ROLES, Role } from '@tiltas/access';
import { DomainError } from '@tiltas/common';

/** The names under which configure-app registers the two ways to sign in. */
export const BEARER_SCHEME = 'bearer';
export const COOKIE_SCHEME = 'cookie';

/**
 * The largest ids a route accepts. An `integer` column holds up to 2^31 − 1; a `bigint` id travels as a
 * JSON number, so it is bounded by the largest integer a JSON number carries exactly (2^53 − 1), which an
 * identity column reaches only after nine quadrillion rows.
 */
export const INT4_MAX = 2_147_483_647;
export const INT8_JSON_MAX = Number.MAX_SAFE_INTEGER;

/** Every error the API answers with (DomainErrorFilter's body). */
export class ErrorBodyDto {
  @ApiProperty({ example: 400, type: 'integer' }) statusCode!: number;
  @ApiProperty({ example: 'VALIDATION_FAILED', description: 'Stable, machine-readable: VALIDATION_FAILED, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT, …' }) code!: string;
  @ApiProperty({ description: 'What went wrong, for a person to read.' }) message!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Machine-readable particulars, such as `problems` per field.' }) details?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'Quote it when reporting a problem.' }) requestId?: string;
}

const SAFE_METHODS = new Set<RequestMethod>([RequestMethod.GET, RequestMethod.HEAD, RequestMethod.OPTIONS]);

/**
 * The responses every operation of a controller shares, read from the same metadata the guards obey, so
 * the document cannot drift from what AuthGuard and RolesGuard do: 400 for input outside this document
 * (every route validates its input); for routes that need a signed-in actor, both ways to sign in, 401,
 * and 403 when a role is required or the method is unsafe (a cookie session without its CSRF token).
 * A public route lists 401 only where it answers it itself (sign-in). Put it above @Roles / @Public:
 * class decorators apply bottom-up, and this one reads theirs.
 */
export function ApiStandardErrors(): ClassDecorator {
  return (target) => {
    const classPublic = Reflect.getMetadata(IS_PUBLIC, target) === true;
    const classRoles = Reflect.getMetadata(REQUIRED_ROLES, target) as Role[] | undefined;
    const prototype = target.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const descriptor = Object.getOwnPropertyDescriptor(prototype, name);
      const handler = descriptor?.value as object | undefined;
      if (name === 'constructor' || typeof handler !== 'function') continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      if (method === undefined) continue;
      const isPublic = (Reflect.getMetadata(IS_PUBLIC, handler) as boolean | undefined) ?? classPublic;
      const roles = (Reflect.getMetadata(REQUIRED_ROLES, handler) as Role[] | undefined) ?? classRoles;
      const decorators: MethodDecorator[] = [
        ApiBadRequestResponse({ type: ErrorBodyDto, description: 'The input does not match this document (each problem named), or a rule on its values is broken.' }),
      ];
      if (!isPublic) {
        decorators.push(
          ApiBearerAuth(BEARER_SCHEME),
          ApiCookieAuth(COOKIE_SCHEME),
          ApiUnauthorizedResponse({ type: ErrorBodyDto, description: 'Not signed in, the session ended, or the API token is unknown, expired or revoked.' }),
        );
        const reasons = [
          roles && roles.length > 0 ? `Signed in without the role ${roles.join(' or ')}.` : null,
          SAFE_METHODS.has(method) ? null : 'A cookie session without its CSRF token (X-CSRF-Token), or from another origin; bearer tokens need none.',
        ].filter((r): r is string => r !== null);
        if (reasons.length > 0) decorators.push(ApiForbiddenResponse({ type: ErrorBodyDto, description: reasons.join(' ') }));
      }
      for (const decorate of decorators) decorate(prototype, name, descriptor!);
    }
  };
}

/** An error status an operation answers, with the shared error body. */
export function ApiErrorResponse(status: number, description: string): MethodDecorator & ClassDecorator {
  return ApiResponse({ status, description, type: ErrorBodyDto });
}

/** A success response whose body is the given plain JSON schema (shapes that come from lib interfaces). */
export function ApiJsonResponse(status: number, description: string, schema: object): MethodDecorator & ClassDecorator {
  return ApiResponse({ status, description, schema });
}

export type IdColumn = 'int4' | 'int8';

/**
 * A path id as its column holds it. One rule for every id route, stated in the document: an id is a
 * decimal whole number from 1 to the column's maximum; anything else (`1e10`, `-1`, `01`, past the
 * column's range) is outside the documented parameter and answers 400 naming it; a well-formed id with
 * no row in the caller's scope answers 404.
 */
export class ParseIdPipe implements PipeTransform<unknown, number> {
  constructor(private readonly column: IdColumn) {}

  transform(value: unknown, metadata: ArgumentMetadata): number {
    const name = typeof metadata.data === 'string' ? metadata.data : 'id';
    const max = this.column === 'int4' ? INT4_MAX : INT8_JSON_MAX;
    const n = typeof value === 'string' && /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n > max) {
      throw DomainError.validation(`${name} must be a whole number from 1 to ${max}`, { problems: { [name]: `must be a whole number from 1 to ${max}` } });
    }
    return n;
  }
}

/**
 * The path parameter as the client wrote it. A custom decorator on purpose: the global ValidationPipe
 * leaves those alone, where for `@Param() id: number` it would first turn `1e10` or `0x10` into a number.
 */
const RawPathParam = createParamDecorator((name: string, ctx: ExecutionContext): unknown => ctx.switchToHttp().getRequest<{ params: Record<string, string> }>().params[name]);

/** `@IdParam('id', 'int8')`: the path id parsed by ParseIdPipe and documented with its bounds. */
export function IdParam(name: string, column: IdColumn, description?: string): ParameterDecorator {
  const param = RawPathParam(name, new ParseIdPipe(column));
  const doc = ApiParam({
    name,
    required: true,
    description: description ?? `A whole number from 1 to ${column === 'int4' ? INT4_MAX : INT8_JSON_MAX}; outside that, 400.`,
    schema: { type: 'integer', minimum: 1, maximum: column === 'int4' ? INT4_MAX : INT8_JSON_MAX },
  });
  return (target, key, index) => {
    param(target, key, index);
    if (key === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (descriptor) doc(target, key, descriptor);
  };
}
