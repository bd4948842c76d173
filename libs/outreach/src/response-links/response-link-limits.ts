import { Inject, Injectable } from '@nestjs/common';
import { DomainError, ErrorCode } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { OUTREACH_REDIS } from '../contact-reveal.service';

/**
 * Limits on the public response page, held in Redis so they hold across api replicas: per client address
 * (every request, forged and expired links included, so nobody can try tokens at speed) and per link
 * (a link shared or leaked cannot be hammered from many addresses). A request takes its points before the
 * database is asked; Redis out of reach refuses the request (503) rather than let it through unlimited.
 */
@Injectable()
export class ResponseLinkLimits {
  private readonly address: RateLimiterRedis;
  private readonly link: RateLimiterRedis;

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(OUTREACH_REDIS) redis: Redis) {
    const limits = config.outreach.responseLink;
    this.address = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${config.redis.prefix}:response-link:address`, points: limits.maxPerAddress, duration: limits.windowMinutes * 60 });
    this.link = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${config.redis.prefix}:response-link:link`, points: limits.maxPerLink, duration: limits.windowMinutes * 60 });
  }

  /** Takes a point for the address and, when the token is one of ours, for the link (by its lookup hash, never the token). */
  async take(address: string, lookup: Buffer | null): Promise<void> {
    await this.consume(this.address, address || 'unknown');
    if (lookup) await this.consume(this.link, lookup.subarray(0, 16).toString('hex'));
  }

  private async consume(limiter: RateLimiterRedis, key: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) {
        const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
        throw new DomainError(ErrorCode.RATE_LIMITED, `Too many requests: try again in ${seconds} seconds`, { retryAfterSeconds: seconds });
      }
      throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'The response page is unavailable for now: its limits cannot be checked (Redis).');
    }
  }
}
