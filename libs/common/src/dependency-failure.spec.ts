import { DomainError, ErrorCode } from './errors';
import { dependencyFailure, dependencyUnavailable, isDependencyFailure } from './dependency-failure';

function withProps(message: string, props: Record<string, unknown>): Error {
  return Object.assign(new Error(message), props);
}

describe('telling a dependency being down from a failed request', () => {
  it('names Redis for what ioredis rejects a command with during an outage', () => {
    expect(dependencyFailure(withProps('Reached the max retries per request limit (which is 2). Refer to "maxRetriesPerRequest" option for details.', { name: 'MaxRetriesPerRequestError' }))).toBe('Redis');
    expect(dependencyFailure(new Error('Connection is closed.'))).toBe('Redis');
    expect(dependencyFailure(new Error('Command timed out'))).toBe('Redis');
  });

  it('names PostgreSQL for a terminated backend, a lost connection, a refused connect, wrapped or not', () => {
    expect(dependencyFailure(withProps('terminating connection due to administrator command', { code: '57P01' }))).toBe('PostgreSQL');
    expect(dependencyFailure(new Error('Connection terminated unexpectedly'))).toBe('PostgreSQL');
    expect(dependencyFailure(withProps('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }))).toBe('PostgreSQL');
    // TypeORM's QueryFailedError keeps the driver's error; pg's pool gives an AggregateError for ::1 and 127.0.0.1.
    expect(dependencyFailure(withProps('query failed', { name: 'QueryFailedError', driverError: withProps('x', { code: '08006' }) }))).toBe('PostgreSQL');
    expect(dependencyFailure(new AggregateError([withProps('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' })], ''))).toBe('PostgreSQL');
  });

  it('leaves errors about the request itself alone', () => {
    expect(dependencyFailure(withProps('duplicate key value violates unique constraint', { code: '23505' }))).toBeNull();
    expect(dependencyFailure(withProps('syntax error at or near', { code: '42601' }))).toBeNull();
    expect(dependencyFailure(DomainError.validation('manifest is invalid'))).toBeNull();
    expect(isDependencyFailure(DomainError.conflict('lost a race'))).toBe(false);
    expect(dependencyFailure(new Error('something else'))).toBeNull();
    expect(dependencyFailure('a string')).toBeNull();
  });

  it('counts a DomainError DEPENDENCY_UNAVAILABLE as one, and words the 503 by the dependency', () => {
    expect(isDependencyFailure(new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'SMS sending is not configured'))).toBe(true);
    const redis = dependencyUnavailable('Redis');
    expect(redis.code).toBe(ErrorCode.DEPENDENCY_UNAVAILABLE);
    expect(redis.message).toMatch(/Redis cannot be reached.*try again/);
    expect(dependencyFailure(redis)).toBe('Redis');
    expect(dependencyUnavailable('PostgreSQL').message).toMatch(/PostgreSQL cannot be reached/);
  });
});
