import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock, DomainError, addDays, isIsoDate } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { ContactsVault } from '@tiltas/contacts';
import { DatabaseService, DbScope, applyScope } from '@tiltas/database';
import type { EntityManager } from 'typeorm';
import { caseEntry } from '../case-access';
import { CALLBACK_TIMES, CallbackTime, RESPONSE_ANSWERS, RESPONSE_LINK_CHANNEL, ResponseAnswer } from '../case-codes';
import { CaseWorkService } from '../case-work.service';
import { CasesRepository } from '../cases.repository';
import { OutreachActor } from '../outreach-actor';
import { ResponseLinkLimits } from './response-link-limits';
import { ResponseLinkTokens, formatToken } from './response-link-token';
import { CaseResponseView, LinkKind, LinkLanguage, ResponseLinkRow, ResponseLinksRepository } from './response-links.repository';

/** Who the answers are recorded as: the person, through Tiltas's public page (no account of theirs exists). */
export const RESPONSE_LINK_ACTOR = 'system:response-link';
/** A link is found by its hash alone, in any municipality; the answer then runs in the link's municipality. */
const LINK_SCOPE: DbScope = { scope: 'national', municipality: null, actor: RESPONSE_LINK_ACTOR, role: 'SYSTEM' };
/** "Not now" without a date: ask again in a month. */
const LATER_DEFAULT_DAYS = 30;
const PHONE = /^\+?[0-9 ()-]{5,40}$/;

export interface IssuedLink {
  readonly linkId: number;
  /** As printed: `7KQ2-M9XD-HT4P-3WZB`. */
  readonly token: string;
  /** The whole link: PUBLIC_URL + `/r/` + token. */
  readonly url: string;
  readonly expiresAt: string;
}

/** What a link leads to. Refused links say only why, and the municipality to call when it is known. */
export type LinkState =
  | { readonly state: 'open'; readonly municipality: string; readonly language: LinkLanguage; readonly expiresAt: string }
  | { readonly state: 'answered'; readonly municipality: string; readonly language: LinkLanguage; readonly answer: ResponseAnswer }
  | { readonly state: 'expired' | 'used'; readonly municipality: string; readonly language: LinkLanguage }
  | { readonly state: 'forged' };

export interface ResponseInput {
  readonly answer?: unknown;
  readonly callbackOn?: unknown;
  readonly callbackTime?: unknown;
  readonly phone?: unknown;
}

/** A form problem, by field, for the page to name in the person's language. */
export type ResponseField = 'answer' | 'callbackOn' | 'callbackTime' | 'phone';

interface CheckedInput {
  readonly answer: ResponseAnswer;
  readonly callbackOn: string | null;
  readonly callbackTime: CallbackTime | null;
  readonly phone: string | null;
}

function invalid(field: ResponseField, message: string): DomainError {
  return DomainError.validation(message, { field });
}

/**
 * The response link of every letter, email and SMS (docs/response-links.md): issued with the letter or
 * message, in the caller's transaction; opened and answered by the person on a public page. An answer
 * lands on the case in one transaction with its audit entries: "I would like help" is a REACHED attempt
 * through RESPONSE_LINK and puts the case first in its holder's queue; "Not now" schedules the next
 * attempt; "Do not contact me again" closes the case OPTED_OUT with the national opt-out, as the case
 * rules do for a worker. A link takes one answer, and expires.
 */
@Injectable()
export class ResponseLinksService {
  private readonly logger = new Logger('ResponseLinks');
  private readonly tokens: ResponseLinkTokens;

  constructor(
    private readonly db: DatabaseService,
    private readonly repo: ResponseLinksRepository,
    private readonly cases: CasesRepository,
    private readonly caseWork: CaseWorkService,
    private readonly audit: AuditService,
    private readonly vault: ContactsVault,
    private readonly limits: ResponseLinkLimits,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.tokens = new ResponseLinkTokens(config.secrets.responseLinkSecret);
  }

  /** A new link for a letter or message about case `c`, inside the caller's (scoped) transaction. */
  async issue(m: EntityManager, issuedBy: string, c: { id: number; municipality: string }, kind: LinkKind, language: LinkLanguage): Promise<IssuedLink> {
    const { token, lookup } = this.tokens.issue();
    const issuedAt = this.clock.now();
    const expiresAt = new Date(issuedAt.getTime() + this.config.outreach.responseLink.days * 86_400_000);
    const linkId = await this.repo.insert(m, { lookup, caseId: c.id, municipality: c.municipality, kind, language, issuedBy, issuedAt, expiresAt });
    return { linkId, token, url: this.urlOf(token), expiresAt: expiresAt.toISOString() };
  }

  /** What a sample letter shows where the person's link goes (a coordinator's preview): no link of anyone's. */
  sampleUrl(): string {
    return this.urlOf(formatToken('0'.repeat(16)));
  }

  /** The link's state for the page; counts against the address's and the link's limits. */
  async look(tokenInput: string, address: string): Promise<LinkState> {
    const verified = this.tokens.verify(tokenInput);
    await this.limits.take(address, typeof verified === 'string' ? null : verified.lookup);
    if (typeof verified === 'string') return { state: 'forged' };
    return this.db.transaction(LINK_SCOPE, async (m) => {
      const link = await this.repo.find(m, verified.lookup);
      if (!link) return { state: 'forged' as const };
      return this.refusal(link) ?? { state: 'open' as const, municipality: link.municipality, language: link.language, expiresAt: link.expiresAt.toISOString() };
    });
  }

  /**
   * The person's answer. A form problem throws VALIDATION_FAILED naming the field (details.field); a
   * link that cannot take it returns its refusal, so the page can say so calmly.
   */
  async answer(tokenInput: string, address: string, input: ResponseInput): Promise<LinkState> {
    const verified = this.tokens.verify(tokenInput);
    await this.limits.take(address, typeof verified === 'string' ? null : verified.lookup);
    if (typeof verified === 'string') return { state: 'forged' };
    const checked = this.check(input);
    return this.db.transaction(LINK_SCOPE, async (m) => {
      const link = await this.repo.find(m, verified.lookup, true);
      if (!link) return { state: 'forged' as const };
      const refused = this.refusal(link);
      if (refused) return refused;
      await this.land(m, link, checked);
      return { state: 'answered' as const, municipality: link.municipality, language: link.language, answer: checked.answer };
    });
  }

  /** The answers that landed on a case, newest first (the case page's notice). Runs in the caller's scope. */
  responses(m: EntityManager, caseId: number): Promise<CaseResponseView[]> {
    return this.repo.responses(m, caseId);
  }

  /** The phone the person left, opened for a reveal the caller has decided on and logs. */
  async phoneLeft(m: EntityManager, c: { id: number; pseudonym: string }): Promise<string | null> {
    const sealed = await this.repo.latestPhone(m, c.id);
    return sealed ? this.vault.openDetail(c.pseudonym, sealed.sealed, sealed.keyId) : null;
  }

  private async land(m: EntityManager, link: ResponseLinkRow, input: CheckedInput): Promise<void> {
    await applyScope(m, { scope: 'municipal', municipality: link.municipality, actor: RESPONSE_LINK_ACTOR, role: 'SYSTEM' });
    const actor: OutreachActor = { userId: RESPONSE_LINK_ACTOR, role: 'SYSTEM', municipality: link.municipality, scope: 'municipal' };
    const now = this.clock.now();
    const c = (await this.cases.find(m, link.caseId, 'update'))!;
    const stepDetails: Record<string, unknown> = {};
    if (input.answer === 'HELP') {
      const attempt = await this.caseWork.recordAttempt(actor, c.id, { channel: RESPONSE_LINK_CHANNEL, result: 'REACHED', attemptedAt: now, note: null }, m);
      await this.cases.requestHelp(m, c.id, now);
      stepDetails.attemptId = attempt.attemptId;
    } else if (input.answer === 'LATER') {
      await this.caseWork.scheduleNext(actor, c.id, input.callbackOn, undefined, m);
    } else {
      const closed = await this.caseWork.close(actor, c.id, { outcome: 'OPTED_OUT' }, m);
      stepDetails.optOutId = closed.optOut?.id ?? null;
    }
    // "Do not contact me again" keeps no way of contacting them.
    const phone = input.answer !== 'STOP' && input.phone ? this.vault.sealDetail(c.pseudonym, input.phone) : null;
    const callbackTime = input.answer === 'STOP' ? null : input.callbackTime;
    const responseId = await this.repo.insertResponse(m, {
      caseId: c.id,
      municipality: c.municipality,
      linkId: link.id,
      answer: input.answer,
      answeredAt: now,
      callbackOn: input.answer === 'LATER' ? input.callbackOn : null,
      callbackTime,
      phone,
    });
    await this.repo.markAnswered(m, link.id, input.answer, now);
    const details = { linkId: link.id, responseId, answer: input.answer, kind: link.kind, callbackOn: input.answer === 'LATER' ? input.callbackOn : null, callbackTime, phoneGiven: phone !== null };
    await this.cases.event(m, c, RESPONSE_LINK_ACTOR, 'RESPONSE', details);
    await this.audit.record(m, caseEntry(actor, c, 'response.answered', { ...details, ...stepDetails }));
    this.logger.log({ linkId: link.id, answer: input.answer, municipality: c.municipality }, 'response link answered');
  }

  private refusal(link: ResponseLinkRow): LinkState | null {
    if (link.answeredAt !== null || (link.caseStatus !== 'ASSIGNED' && link.caseStatus !== 'IN_PROGRESS')) {
      return { state: 'used', municipality: link.municipality, language: link.language };
    }
    if (link.expiresAt.getTime() <= this.clock.now().getTime()) return { state: 'expired', municipality: link.municipality, language: link.language };
    return null;
  }

  private check(input: ResponseInput): CheckedInput {
    const answer = input.answer;
    if (typeof answer !== 'string' || !(RESPONSE_ANSWERS as readonly string[]).includes(answer)) {
      throw invalid('answer', `answer must be one of ${RESPONSE_ANSWERS.join(', ')}`);
    }
    const today = this.clock.today();
    let callbackOn: string | null = null;
    if (answer === 'LATER') {
      const given = typeof input.callbackOn === 'string' ? input.callbackOn.trim() : '';
      if (given === '') callbackOn = addDays(today, LATER_DEFAULT_DAYS);
      else if (!isIsoDate(given)) throw invalid('callbackOn', 'callbackOn must be a date (YYYY-MM-DD)');
      else if (given <= today || given > addDays(today, 366)) throw invalid('callbackOn', `callbackOn must be after today (${today}) and within a year`);
      else callbackOn = given;
    }
    const time = typeof input.callbackTime === 'string' ? input.callbackTime.trim() : '';
    if (time !== '' && !(CALLBACK_TIMES as readonly string[]).includes(time)) throw invalid('callbackTime', `callbackTime must be one of ${CALLBACK_TIMES.join(', ')}`);
    const phone = typeof input.phone === 'string' ? input.phone.trim() : '';
    if (phone !== '' && (!PHONE.test(phone) || phone.replace(/\D/g, '').length < 5)) throw invalid('phone', 'phone must be a phone number');
    return { answer: answer as ResponseAnswer, callbackOn, callbackTime: time === '' ? null : (time as CallbackTime), phone: phone === '' ? null : phone };
  }

  private urlOf(token: string): string {
    return `${this.config.http.publicUrl.replace(/\/+$/, '')}/r/${token}`;
  }
}
