import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { ACCESS_REDIS } from './access-redis';

/**
 * An office behind one NAT address shares that address, so the address limit is this many times the
 * account limit: it stops one machine trying many accounts without locking out a whole municipality
 * because one colleague mistyped.
 */
export const ADDRESS_LIMIT_FACTOR = 5;

export interface ThrottleState {
  readonly locked: boolean;
  readonly retryAfterSeconds: number;
}

/**
 * Failed sign-ins counted in Redis per account and per address, so the limit holds however many api
 * replicas there are. A counter lives lockoutMinutes after its last failure; at the limit further
 * attempts are refused without checking the password until it expires.
 */
@Injectable()
export class SignInThrottle {
  private readonly lockoutMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ACCESS_REDIS) private readonly redis: Redis,
  ) {
    this.lockoutMs = config.auth.lockoutMinutes * 60_000;
  }

  private accountKey(username: string): string {
    // Hashed so that Redis keys carry no usernames (nor passwords typed into the username field).
    const h = createHash('sha256').update(username.trim().toLowerCase()).digest('hex').slice(0, 32);
    return `${this.config.redis.prefix}:sign-in-failures:account:${h}`;
  }

  private addressKey(address: string): string {
    return `${this.config.redis.prefix}:sign-in-failures:address:${address}`;
  }

  async state(username: string, address: string): Promise<ThrottleState> {
    const max = this.config.auth.maxFailedSignIns;
    const accountKey = this.accountKey(username);
    const addressKey = this.addressKey(address);
    const [[, account], [, addr], [, accountTtl], [, addressTtl]] = (await this.redis
      .multi()
      .get(accountKey)
      .get(addressKey)
      .pttl(accountKey)
      .pttl(addressKey)
      .exec()) as Array<[Error | null, unknown]>;
    const accountLocked = Number(account ?? 0) >= max;
    const addressLocked = Number(addr ?? 0) >= max * ADDRESS_LIMIT_FACTOR;
    if (!accountLocked && !addressLocked) return { locked: false, retryAfterSeconds: 0 };
    const ttl = Math.max(accountLocked ? Number(accountTtl) : 0, addressLocked ? Number(addressTtl) : 0);
    return { locked: true, retryAfterSeconds: Math.max(1, Math.ceil(ttl / 1000)) };
  }

  async recordFailure(username: string, address: string): Promise<void> {
    await this.redis
      .multi()
      .incr(this.accountKey(username))
      .pexpire(this.accountKey(username), this.lockoutMs)
      .incr(this.addressKey(address))
      .pexpire(this.addressKey(address), this.lockoutMs)
      .exec();
  }

  /** A correct password clears the account's count (not the address's: that one guards other accounts). */
  async recordSuccess(username: string): Promise<void> {
    await this.redis.del(this.accountKey(username));
  }
}
