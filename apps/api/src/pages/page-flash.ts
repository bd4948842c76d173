import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Actor } from '@tiltas/access';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { createRedis } from '@tiltas/queue';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';

export const FLASH_COOKIE = 'tiltas_flash';
const FLASH_ID = /^[A-Za-z0-9_-]{22}$/;
/** A flash waits this long for the page it redirects to; a browser that never follows the redirect leaves nothing behind. */
const FLASH_TTL_SECONDS = 300;

/** What a form post hands to the page it redirects to: shown once, then gone. */
export interface Flash {
  /** A catalogue key of a notice ("Attempt recorded"). */
  readonly notice?: string;
  /** A refusal the person can fix or understand on the page (the service's message). */
  readonly error?: string;
  /** The HTTP status the refusal would have had (kept for the page's own notice, the redirect is always 303). */
  readonly errorStatus?: number;
  /** The fields the person typed, so a refused form comes back filled in. */
  readonly form?: Record<string, unknown>;
  /** Anything else a page needs once (e.g. the reveal just made, or a partner link just issued). */
  readonly data?: Record<string, unknown>;
}

/**
 * Post/Redirect/Get for every page form: a post does its work, leaves a flash and answers 303, so a
 * refresh or the back button never offers to send the form again. The flash lives server-side in Redis
 * (it may hold what the person typed, which is personal data), keyed by the signed-in user and a random
 * id; the browser holds only the id, in an httpOnly cookie, and the first page that reads it removes it.
 */
@Injectable()
export class PageFlash implements OnApplicationShutdown {
  private readonly redis: Redis;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.redis = createRedis(config, 'app');
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }

  private key(actor: Actor, id: string): string {
    return `${this.config.redis.prefix}:flash:${actor.userId}:${id}`;
  }

  /** Leaves `flash` for the next page of this user and redirects there (303: the browser follows with a GET). */
  async redirect(res: Response, actor: Actor, to: string, flash: Flash): Promise<void> {
    const id = randomBytes(16).toString('base64url');
    await this.redis.set(this.key(actor, id), JSON.stringify(flash), 'EX', FLASH_TTL_SECONDS);
    res.cookie(FLASH_COOKIE, id, this.cookieOptions());
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, to);
  }

  /** The flash left for this page, once: reading it removes it and its cookie. */
  async take(req: Request, res: Response, actor: Actor): Promise<Flash | null> {
    const id = (req.cookies as Record<string, unknown> | undefined)?.[FLASH_COOKIE];
    if (typeof id !== 'string') return null;
    res.clearCookie(FLASH_COOKIE, this.cookieOptions());
    if (!FLASH_ID.test(id)) return null;
    const key = this.key(actor, id);
    const [[, raw]] = (await this.redis.multi().get(key).del(key).exec()) as [[Error | null, string | null], [Error | null, number]];
    if (!raw) return null;
    try {
      return JSON.parse(raw) as Flash;
    } catch {
      return null;
    }
  }

  private cookieOptions() {
    return { httpOnly: true, sameSite: 'lax' as const, secure: this.config.env !== 'development' && this.config.env !== 'test', path: '/', maxAge: FLASH_TTL_SECONDS * 1000 };
  }
}
