import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock, DomainError, ErrorCode, isIsoDate, addDays } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { ContactsVault, type ContactRecord } from '@tiltas/contacts';
import { DatabaseService } from '@tiltas/database';
import type { Redis } from 'ioredis';
import type { EntityManager } from 'typeorm';
import { caseEntry, caseForStep } from './case-access';
import { CasesRepository } from './cases.repository';
import { OutreachActor, assertPerson, outreachScope } from './outreach-actor';
import { ResponseLinksRepository } from './response-links/response-links.repository';
import { RevealVolumeRow, RevealsRepository } from './reveals.repository';

/** The Redis connection of the reveal counters (shared by every api replica, so the limit is per worker, not per replica). */
export const OUTREACH_REDIS = Symbol('OUTREACH_REDIS');

@Injectable()
export class OutreachRedisCloser implements OnApplicationShutdown {
  constructor(@Inject(OUTREACH_REDIS) private readonly redis: Redis) {}
  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

export interface RevealedContact {
  readonly caseId: number;
  readonly givenName: string;
  readonly familyName: string;
  readonly phone: string | null;
  readonly email: string | null;
  readonly address: string;
  readonly postalCode: string;
  readonly language: string;
  /** The phone the person left on the response page themselves, if they did (sealed like every contact). */
  readonly callbackPhone: string | null;
  readonly revealedAt: string;
  /** Reveals left to this worker in the current hour. */
  readonly revealsLeftThisHour: number;
  /** The reveal this showing belongs to (a re-view shows the same reveal again). */
  readonly revealId: number;
  /** Set when this is a logged re-view of an earlier reveal rather than the reveal itself. */
  readonly reviewedAt: string | null;
  /** Until when the same reveal may be viewed again without a new one. */
  readonly reviewableUntil: string;
}

/** The purpose a printed letter writes to the reveal log: a disclosure, never a reveal to re-view. */
export const LETTER_REVEAL_PURPOSE = 'invitation letter printed';

export interface RevealVolume {
  readonly from: string;
  readonly to: string;
  readonly revealsPerHourLimit: number;
  readonly workers: ReadonlyArray<RevealVolumeRow & { readonly flagged: boolean; readonly why: string[] }>;
}

const PURPOSE_MIN = 3;
const PURPOSE_MAX = 300;
/** A worker is flagged at this multiple of their municipality's median (and at least FLAG_FLOOR reveals). */
const FLAG_FACTOR = 3;
const FLAG_FLOOR = 10;

/**
 * Contact reveal: the person's contact details, opened from the vault for a case the asking worker holds,
 * with a stated purpose, logged (the reveal row and the audit entry commit with the decision), and
 * rate-limited per worker per clock hour with counters in Redis.
 */
@Injectable()
export class ContactRevealService {
  constructor(
    private readonly db: DatabaseService,
    private readonly cases: CasesRepository,
    private readonly reveals: RevealsRepository,
    private readonly responses: ResponseLinksRepository,
    private readonly vault: ContactsVault,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OUTREACH_REDIS) private readonly redis: Redis,
  ) {}

  async reveal(actor: OutreachActor, caseId: number, purpose: string): Promise<RevealedContact> {
    assertPerson(actor, 'reveal contact details');
    // An auditor or administrator never sees contact details, whatever case they name.
    if (actor.role !== 'WORKER' && actor.role !== 'COORDINATOR') throw DomainError.forbidden('Contact details are revealed only to the worker who holds the case');
    const stated = (purpose ?? '').trim();
    if (stated.length < PURPOSE_MIN || stated.length > PURPOSE_MAX) throw DomainError.validation(`purpose is required: ${PURPOSE_MIN} to ${PURPOSE_MAX} characters saying why the contact is needed`);
    const limit = this.config.outreach.revealsPerHour;
    // Refusals and misses are logged too, so the transaction commits and the error is thrown after it.
    const outcome = await this.db.transaction(outreachScope(actor), async (m) => {
      const c = await caseForStep(this.cases, m, actor, caseId, 'reveal');
      const used = await this.count(actor.userId);
      if (used > limit) {
        await this.audit.record(m, caseEntry(actor, c, 'contact.reveal_refused', { reason: 'rate_limited', limitPerHour: limit }));
        return { kind: 'limited' as const };
      }
      const contact = await this.vault.open(c.pseudonym, m);
      const left = await this.responses.latestPhone(m, c.id);
      const callbackPhone = left ? this.vault.openDetail(c.pseudonym, left.sealed, left.keyId) : null;
      const revealId = await this.reveals.insert(m, c.id, c.municipality, actor.userId, stated, contact !== null);
      await this.cases.event(m, c, actor.userId, 'CONTACT_REVEALED', { found: contact !== null });
      const fields = [...(contact ? presentFields(contact) : []), ...(callbackPhone ? ['callbackPhone'] : [])];
      // The stated purpose is free text: it stays in the reveal row the entry names, out of the hash chain.
      await this.audit.record(m, caseEntry(actor, c, 'contact.revealed', { revealId, found: contact !== null, fields }));
      return { kind: 'opened' as const, contact, callbackPhone, used, revealId };
    });
    if (outcome.kind === 'limited') {
      throw new DomainError(ErrorCode.RATE_LIMITED, `at most ${limit} contact reveals per hour: try again after the hour turns`, { limitPerHour: limit });
    }
    const { contact, callbackPhone, used, revealId } = outcome;
    if (!contact) throw DomainError.notFound(`contact details for case ${caseId} in the active contacts extract`);
    const now = this.clock.now();
    return {
      caseId,
      givenName: contact.given_name,
      familyName: contact.family_name,
      phone: contact.phone,
      email: contact.email,
      address: contact.address,
      postalCode: contact.postal_code,
      language: contact.language,
      callbackPhone,
      revealedAt: now.toISOString(),
      revealsLeftThisHour: Math.max(0, limit - used),
      revealId,
      reviewedAt: null,
      reviewableUntil: new Date(now.getTime() + this.config.outreach.revealReviewMinutes * 60_000).toISOString(),
    };
  }

  /**
   * The same reveal shown again: the worker's own latest reveal of this case (one that found details, not a
   * printed letter) made within REVEAL_REVIEW_MINUTES, while they still hold the case. The vault is opened
   * again and the view is logged (`contact.reviewed`, naming the reveal) in the same transaction, but the
   * hourly budget is not spent. Null when there is no such reveal: a new reveal, with its purpose, is needed.
   */
  async review(actor: OutreachActor, caseId: number): Promise<RevealedContact | null> {
    assertPerson(actor, 'view contact details');
    if (actor.role !== 'WORKER' && actor.role !== 'COORDINATOR') return null;
    const minutes = this.config.outreach.revealReviewMinutes;
    if (minutes === 0) return null;
    const now = this.clock.now();
    const shown = await this.db.transaction(outreachScope(actor), async (m) => {
      // A case the worker no longer holds, or one closed since, shows nothing again (and is no error here:
      // the case page says what became of it).
      const c = await caseForStep(this.cases, m, actor, caseId, 'reveal').catch((err: unknown) => {
        if (err instanceof DomainError) return null;
        throw err;
      });
      if (!c) return null;
      const earlier = await this.reveals.latestOwn(m, c.id, actor.userId, minutes, LETTER_REVEAL_PURPOSE);
      if (!earlier) return null;
      const contact = await this.vault.open(c.pseudonym, m);
      if (!contact) return null;
      const left = await this.responses.latestPhone(m, c.id);
      const callbackPhone = left ? this.vault.openDetail(c.pseudonym, left.sealed, left.keyId) : null;
      const fields = [...presentFields(contact), ...(callbackPhone ? ['callbackPhone'] : [])];
      await this.audit.record(m, caseEntry(actor, c, 'contact.reviewed', { revealId: earlier.id, fields }));
      return { contact, callbackPhone, earlier };
    });
    if (!shown) return null;
    const { contact, callbackPhone, earlier } = shown;
    return {
      caseId,
      givenName: contact.given_name,
      familyName: contact.family_name,
      phone: contact.phone,
      email: contact.email,
      address: contact.address,
      postalCode: contact.postal_code,
      language: contact.language,
      callbackPhone,
      revealedAt: earlier.revealedAt.toISOString(),
      revealsLeftThisHour: Math.max(0, this.config.outreach.revealsPerHour - (await this.used(actor.userId))),
      revealId: earlier.id,
      reviewedAt: now.toISOString(),
      reviewableUntil: new Date(earlier.revealedAt.getTime() + minutes * 60_000).toISOString(),
    };
  }

  /**
   * Opens the vault, inside the caller's transaction, for a disclosure other than the reveal itself: the
   * printed invitation letter shows the person's name and address to whoever prints it. It counts toward
   * the same hourly limit and is written to the same reveal log (with `purpose`), so the limit holds and
   * auditors' volumes see every disclosure to a person. The caller has checked that the actor holds the
   * case, and writes its own audit entry (naming the returned reveal id) in the same transaction.
   */
  async disclose(
    m: EntityManager,
    actor: { readonly userId: string },
    c: { readonly id: number; readonly municipality: string; readonly pseudonym: string },
    purpose: string,
  ): Promise<{ contact: ContactRecord | null; revealId: number }> {
    const limit = this.config.outreach.revealsPerHour;
    if ((await this.count(actor.userId)) > limit) {
      throw new DomainError(ErrorCode.RATE_LIMITED, `at most ${limit} contact reveals per hour, printed letters included: try again after the hour turns`, { limitPerHour: limit });
    }
    const contact = await this.vault.open(c.pseudonym, m);
    const revealId = await this.reveals.insert(m, c.id, c.municipality, actor.userId, purpose, contact !== null);
    return { contact, revealId };
  }

  /**
   * Reveals per worker between two dates (inclusive), for auditors: counts, distinct cases, the busiest
   * hour, and a flag with its reasons when a worker's volume stands out from their municipality's peers
   * or reaches the hourly limit.
   */
  async volume(actor: OutreachActor, from?: string, to?: string): Promise<RevealVolume> {
    if (actor.role !== 'AUDITOR' && actor.role !== 'ADMIN') throw DomainError.forbidden('Reveal volumes are for auditors');
    const end = to ?? this.clock.today();
    const start = from ?? addDays(end, -30);
    if (!isIsoDate(start) || !isIsoDate(end)) throw DomainError.validation('from and to must be dates (YYYY-MM-DD)');
    if (start > end) throw DomainError.validation('from must not be after to');
    const limit = this.config.outreach.revealsPerHour;
    const rows = await this.db.transaction(outreachScope(actor), (m) => this.reveals.volume(m, start, end));
    const medians = new Map<string, number>();
    for (const municipality of new Set(rows.map((r) => r.municipality))) {
      medians.set(municipality, median(rows.filter((r) => r.municipality === municipality).map((r) => r.reveals)));
    }
    return {
      from: start,
      to: end,
      revealsPerHourLimit: limit,
      workers: rows.map((r) => {
        const why: string[] = [];
        const peers = medians.get(r.municipality) ?? 0;
        if (r.reveals >= FLAG_FLOOR && r.reveals >= FLAG_FACTOR * peers && rows.filter((p) => p.municipality === r.municipality).length > 1) {
          why.push(`${r.reveals} reveals, at least ${FLAG_FACTOR}× the municipality's median of ${peers}`);
        }
        if (r.peakHourReveals >= limit) why.push(`reached the hourly limit of ${limit}`);
        if (r.notFound >= FLAG_FLOOR && r.notFound * 2 > r.reveals) why.push(`${r.notFound} reveals found no contact details`);
        return { ...r, flagged: why.length > 0, why };
      }),
    };
  }

  /** The reveals counted so far in the worker's current clock-hour window (read only: nothing is spent). */
  private async used(userId: string): Promise<number> {
    const hour = this.clock.now().toISOString().slice(0, 13);
    return Number((await this.redis.get(`${this.config.redis.prefix}:outreach:reveals:${userId}:${hour}`)) ?? 0);
  }

  /** Counts this reveal in the worker's current clock-hour window and returns the count so far. */
  private async count(userId: string): Promise<number> {
    const hour = this.clock.now().toISOString().slice(0, 13);
    const key = `${this.config.redis.prefix}:outreach:reveals:${userId}:${hour}`;
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, 3700).exec()) as [[Error | null, number], [Error | null, number]];
    return count;
  }
}

function presentFields(contact: { phone: string | null; email: string | null }): string[] {
  return ['name', 'address', 'language', ...(contact.phone ? ['phone'] : []), ...(contact.email ? ['email'] : [])];
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
