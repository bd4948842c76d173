import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ACCESS_REDIS } from './access-redis';

/** A password check the limits have made room for; settled as failed or succeeded once it is done. */
export interface SignInReservation {
  readonly accountKey: string;
  readonly addressKey: string;
  /** Points on the account including this attempt's: the attempt that takes the last one locks on failure. */
  readonly accountConsumed: number;
}

export type ReserveOutcome = { readonly locked: false; readonly reservation: SignInReservation } | { readonly locked: true; readonly retryAfterSeconds: number };

/**
 * Sign-in limits per account and per client address, held in Redis so they hold across api replicas.
 *
 * An attempt takes its point atomically (one Lua INCR per limit) before the password is checked, so
 * parallel attempts cannot all pass a check made before any of them has failed: at most
 * SIGN_IN_MAX_FAILURES password checks run per account per window (or until a right password clears it),
 * however many arrive at once. Redis out of reach refuses sign-in rather than let guesses through. A wrong
 * password keeps its points; the failure that reaches the account limit locks the account for
 * SIGN_IN_LOCKOUT_MINUTES from that failure. A right password clears the account's points and hands the
 * address its point back, since the address limit is there to stop guessing, not sign-ins. A refused
 * attempt checks no password and hands back whatever point it took on the other limit.
 */
@Injectable()
export class SignInThrottle {
  private readonly account: RateLimiterRedis;
  private readonly address: RateLimiterRedis;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ACCESS_REDIS) redis: Redis,
  ) {
    const { auth } = config;
    this.account = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${config.redis.prefix}:sign-in-failures:account`,
      points: auth.maxFailedSignIns,
      duration: auth.lockoutMinutes * 60,
    });
    this.address = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${config.redis.prefix}:sign-in-failures:address`,
      points: auth.maxFailedSignInsPerAddress,
      duration: auth.addressWindowMinutes * 60,
    });
  }

  /** Hashed so that Redis keys carry no usernames (nor passwords typed into the username field). */
  private accountKey(username: string): string {
    return createHash('sha256').update(username.trim().toLowerCase()).digest('hex').slice(0, 32);
  }

  async reserve(username: string, address: string): Promise<ReserveOutcome> {
    const accountKey = this.accountKey(username);
    const addressKey = address;
    const [account, addr] = await Promise.allSettled([this.account.consume(accountKey), this.address.consume(addressKey)]);
    const unavailable = [account, addr].find((r) => r.status === 'rejected' && !(r.reason instanceof RateLimiterRes));
    if (unavailable) {
      await this.refund(account, addr, accountKey, addressKey);
      throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'Sign-in is unavailable for now: the sign-in limits cannot be checked (Redis).');
    }
    if (account.status === 'fulfilled' && addr.status === 'fulfilled') {
      return { locked: false, reservation: { accountKey, addressKey, accountConsumed: account.value.consumedPoints } };
    }
    await this.refund(account, addr, accountKey, addressKey);
    const waits = [account, addr].map((r) => (r.status === 'rejected' ? (r.reason as RateLimiterRes).msBeforeNext : 0));
    return { locked: true, retryAfterSeconds: Math.max(1, Math.ceil(Math.max(...waits) / 1000)) };
  }

  private async refund(account: PromiseSettledResult<RateLimiterRes>, addr: PromiseSettledResult<RateLimiterRes>, accountKey: string, addressKey: string): Promise<void> {
    await Promise.all([
      account.status === 'fulfilled' ? this.account.reward(accountKey) : null,
      addr.status === 'fulfilled' ? this.address.reward(addressKey) : null,
    ]);
  }

  /**
   * The failure that took the account's last place locks it for the full lockout from now. Unless a right
   * password checked alongside has cleared the account meanwhile: then this failure is one of a burst its
   * owner has already answered, and locking them out after they signed in would punish the wrong person.
   */
  async failed(reservation: SignInReservation): Promise<void> {
    const max = this.config.auth.maxFailedSignIns;
    if (reservation.accountConsumed < max) return;
    const current = await this.account.get(reservation.accountKey);
    if (current && current.consumedPoints >= max) await this.account.block(reservation.accountKey, this.config.auth.lockoutMinutes * 60);
  }

  /** The attempt ended in neither verdict (a database error): it was no guess, so it costs nothing. */
  async release(reservation: SignInReservation): Promise<void> {
    await Promise.all([this.account.reward(reservation.accountKey), this.address.reward(reservation.addressKey)]);
  }

  async isAccountLocked(username: string): Promise<boolean> {
    const res = await this.account.get(this.accountKey(username));
    return res !== null && res.consumedPoints >= this.config.auth.maxFailedSignIns;
  }

  /** An administrator's unlock: the account's failures are forgotten, as if the lockout had run out. */
  async clearAccount(username: string): Promise<boolean> {
    return this.account.delete(this.accountKey(username));
  }

  async succeeded(reservation: SignInReservation): Promise<void> {
    await Promise.all([this.account.delete(reservation.accountKey), this.address.reward(reservation.addressKey)]);
  }
}
