import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

/** The Redis connection sessions, sign-in counters and OIDC state live in (shared by every api replica). */
export const ACCESS_REDIS = Symbol('ACCESS_REDIS');

@Injectable()
export class AccessRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(ACCESS_REDIS) private readonly redis: Redis) {}
  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
