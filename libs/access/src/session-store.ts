import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { Redis } from 'ioredis';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ACCESS_REDIS } from './access-redis';

export const SESSION_COOKIE = 'tiltas_session';

export type SignInMethod = 'password' | 'oidc';

export interface SessionRecord {
  readonly userId: string;
  /** Epoch milliseconds by the injected Clock. */
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** The synchronizer token every cookie-authenticated unsafe request must echo. */
  readonly csrfToken: string;
  readonly method: SignInMethod;
}

export interface Session extends SessionRecord {
  readonly id: string;
  readonly expiresAt: Date;
}

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
/** How stale a session's recorded last activity may be before a request writes it again. */
const TOUCH_GRANULARITY_MS = 1_000;

/**
 * Server-side sessions in Redis, so every api replica sees the same sign-ins and sign-out ends a session
 * everywhere. The cookie holds an opaque random id; Redis holds only an HMAC of it (keyed with the session
 * secret), so a copy of Redis cannot be replayed as cookies. Expiry is decided by the Clock (idle and
 * absolute limits); the Redis TTL only clears what has expired.
 */
@Injectable()
export class SessionStore {
  private readonly idleMs: number;
  private readonly absoluteMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ACCESS_REDIS) private readonly redis: Redis,
    private readonly clock: Clock,
  ) {
    this.idleMs = config.auth.sessionIdleMinutes * 60_000;
    this.absoluteMs = config.auth.sessionAbsoluteHours * 3_600_000;
  }

  private key(id: string): string {
    const digest = createHmac('sha256', this.config.secrets.sessionSecret).update(id).digest('hex');
    return `${this.config.redis.prefix}:session:${digest}`;
  }

  private userIndex(userId: string): string {
    return `${this.config.redis.prefix}:user-sessions:${userId}`;
  }

  private expiresAt(record: SessionRecord): number {
    return Math.min(record.lastSeenAt + this.idleMs, record.createdAt + this.absoluteMs);
  }

  private async write(id: string, record: SessionRecord, key = this.key(id)): Promise<Session> {
    const expiresAt = this.expiresAt(record);
    const ttl = Math.max(1, expiresAt - this.clock.now().getTime());
    await this.redis
      .multi()
      .set(key, JSON.stringify(record), 'PX', ttl)
      .sadd(this.userIndex(record.userId), key)
      .pexpire(this.userIndex(record.userId), this.absoluteMs)
      .exec();
    return { ...record, id, expiresAt: new Date(expiresAt) };
  }

  async create(userId: string, method: SignInMethod): Promise<Session> {
    const now = this.clock.now().getTime();
    const id = randomBytes(32).toString('base64url');
    return this.write(id, { userId, createdAt: now, lastSeenAt: now, csrfToken: randomBytes(32).toString('base64url'), method });
  }

  /**
   * The live session for this cookie value, its idle timer restarted; null when unknown or expired. A
   * session seen less than TOUCH_GRANULARITY_MS ago is not written again: a busy worker's requests cost
   * one Redis round trip instead of two, and the idle limit can only end a session that much sooner.
   */
  async touch(id: string): Promise<Session | null> {
    if (!SESSION_ID.test(id)) return null;
    const key = this.key(id);
    const raw = await this.redis.get(key);
    if (!raw) return null;
    const record = JSON.parse(raw) as SessionRecord;
    const now = this.clock.now().getTime();
    if (now >= this.expiresAt(record)) {
      await this.destroy(id, record.userId);
      return null;
    }
    if (now >= record.lastSeenAt && now - record.lastSeenAt < TOUCH_GRANULARITY_MS) {
      return { ...record, id, expiresAt: new Date(this.expiresAt(record)) };
    }
    return this.write(id, { ...record, lastSeenAt: now }, key);
  }

  async destroy(id: string, userId?: string): Promise<void> {
    if (!SESSION_ID.test(id)) return;
    const pipeline = this.redis.multi().del(this.key(id));
    if (userId) pipeline.srem(this.userIndex(userId), this.key(id));
    await pipeline.exec();
  }

  /** Ends every session of a user (disabled, or their role changed). */
  async destroyAllForUser(userId: string): Promise<number> {
    const keys = await this.redis.smembers(this.userIndex(userId));
    if (keys.length === 0) return 0;
    const deleted = await this.redis.del(...keys);
    await this.redis.del(this.userIndex(userId));
    return deleted;
  }
}

export function sameToken(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
