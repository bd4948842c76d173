import { Injectable, Logger } from '@nestjs/common';
import { Actor, actorScope } from '@tiltas/access';
import { AuditService } from '@tiltas/audit';
import { Clock, DomainError, ErrorCode } from '@tiltas/common';
import { ContactsVault } from '@tiltas/contacts';
import { DatabaseService, SYSTEM_SCOPE, applyScope } from '@tiltas/database';
import { CaseWorkService, OutreachActor, ResponseLinksService } from '@tiltas/outreach';
import { JobName, JobProducer, periodJobId } from '@tiltas/queue';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { caseIdFrom, heldCase, isOpenHeldBy } from './case-holder';
import { responseBlock } from './invitation-letter.service';
import { LetterTemplatesService } from './letter-templates.service';
import { LettersRepository, MessageRow } from './letters.repository';
import { LetterLanguage, SEND_CHANNELS, SendChannel, isLetterLanguage, isSendChannel } from './message-kinds';
import { EmailTransport, SmsTransport, TransportError } from './transport/message-transport';

/** Tries per message before it is given up as FAILED; the backoff doubles from `delay` ms. */
export const SEND_ATTEMPTS = 5;
export const SEND_JOB_OPTIONS = { attempts: SEND_ATTEMPTS, backoff: { type: 'exponential' as const, delay: 10_000 } };

export const sendJobId = (messageId: string): string => periodJobId(JobName.SEND_MESSAGE, messageId);

export interface DeliveryResult {
  readonly messageId: string;
  /** SENT now or before, FAILED now or before, or MISSING (the message is gone with its case). */
  readonly status: 'SENT' | 'FAILED' | 'MISSING';
  /** True only for the try that sent it: a retry after SENT sends nothing. */
  readonly sentNow: boolean;
  readonly reason: string | null;
}

/** A reason to stop trying that no retry can change (the case moved on, no address on record). */
class GiveUp extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Email and SMS for a case: a worker who holds the case asks (a PENDING message, a job), the job sends
 * through the channel's transport and, in one transaction, records the attempt on the case (MESSAGE_LEFT),
 * marks the message SENT and logs `message.sent`. The message row is locked for the whole delivery and
 * checked first, so a duplicate or retried job after SENT sends nothing. Neither the address nor the
 * text is stored or logged; both are rebuilt from the vault and the template when the job sends.
 */
@Injectable()
export class MessageSendingService {
  private readonly logger = new Logger('Letters');

  constructor(
    private readonly db: DatabaseService,
    private readonly repo: LettersRepository,
    private readonly templates: LetterTemplatesService,
    private readonly vault: ContactsVault,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly producer: JobProducer,
    private readonly caseWork: CaseWorkService,
    private readonly responseLinks: ResponseLinksService,
    private readonly email: EmailTransport,
    private readonly sms: SmsTransport,
  ) {}

  /** Queues an email or SMS to the person of a case the actor holds. */
  async request(actor: Actor, caseIdInput: unknown, channelInput: unknown): Promise<MessageRow> {
    const caseId = caseIdFrom(caseIdInput);
    if (!isSendChannel(channelInput)) throw DomainError.validation(`channel must be one of ${SEND_CHANNELS.join(', ')}`);
    const channel: SendChannel = channelInput;
    const message = await this.db.transaction(actorScope(actor), async (m) => {
      const c = await heldCase(this.repo, m, actor, caseId);
      if (!this.transport(channel).configured) {
        throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${channel === 'EMAIL' ? 'Email' : 'SMS'} sending is not configured`);
      }
      const contact = await this.vault.open(c.pseudonym, m);
      if (!addressFor(channel, contact)) {
        throw DomainError.conflict(`The contacts register has no ${channel === 'EMAIL' ? 'email address' : 'phone number'} for the person of case ${caseId}`);
      }
      const row = await this.repo.insertMessage(m, { id: randomUUID(), caseId, municipality: c.municipality, channel, requestedBy: actor.userId, requestedAt: this.clock.now() });
      await this.audit.record(m, {
        actor: actor.userId,
        role: actor.role,
        municipality: c.municipality,
        action: 'message.requested',
        subject: c.pseudonym,
        objectType: 'outgoing_message',
        objectId: row.id,
        details: { caseId, channel },
      });
      return row;
    });
    try {
      // After commit: a job that ran before the row was visible would find nothing to send.
      await this.producer.enqueue(JobName.SEND_MESSAGE, { messageId: message.id }, { ...SEND_JOB_OPTIONS, jobId: sendJobId(message.id) });
    } catch (err) {
      await this.db.transaction(SYSTEM_SCOPE(JobName.SEND_MESSAGE), (m) => this.repo.markTryFailed(m, message.id, 'QUEUE_UNAVAILABLE', true, this.clock.now(), false));
      this.logger.error({ err, messageId: message.id }, 'could not queue a message');
      throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'The message could not be queued; try again');
    }
    return message;
  }

  async list(actor: Actor, caseIdInput: unknown): Promise<MessageRow[]> {
    const caseId = caseIdFrom(caseIdInput);
    return this.db.transaction(actorScope(actor), async (m) => {
      await heldCase(this.repo, m, actor, caseId);
      return this.repo.messages(m, caseId);
    });
  }

  /**
   * Sends one message (the job's work). `attempt` is the job's try, from 1: an unexpected or passing
   * failure throws so the queue retries with backoff, until the last try marks the message FAILED.
   */
  async deliver(messageId: string, attempt: number): Promise<DeliveryResult> {
    const final = attempt >= SEND_ATTEMPTS;
    try {
      return await this.db.transaction(SYSTEM_SCOPE(JobName.SEND_MESSAGE), (m) => this.deliverIn(m, messageId, attempt));
    } catch (err) {
      if (!(err instanceof GiveUp) && !(err instanceof TransportError)) {
        if (final) await this.recordFailure(messageId, 'UNEXPECTED_ERROR', true, attempt, false);
        throw err;
      }
      const giveUp = err instanceof GiveUp || err.permanent || final;
      const status = await this.recordFailure(messageId, err.reason, giveUp, attempt, err instanceof TransportError);
      if (status === 'PENDING') throw err;
      return { messageId, status: status === 'SENT' ? 'SENT' : status === null ? 'MISSING' : 'FAILED', sentNow: false, reason: status === 'SENT' ? null : err.reason };
    }
  }

  private async deliverIn(m: EntityManager, messageId: string, attempt: number): Promise<DeliveryResult> {
    const message = await this.repo.lockMessage(m, messageId);
    if (!message) return { messageId, status: 'MISSING', sentNow: false, reason: null };
    if (message.status !== 'PENDING') return { messageId, status: message.status, sentNow: false, reason: message.lastError };
    const requester = await this.repo.user(m, message.requestedBy);
    if (!requester || requester.disabled) throw new GiveUp('REQUESTER_DISABLED');
    // From here on the work is the requester's, within their municipality's scope.
    await applyScope(m, { scope: 'municipal', municipality: message.municipality, actor: requester.id, role: requester.role });
    const c = await this.repo.findCase(m, message.caseId, 'update');
    if (!c || c.status === 'CLOSED') throw new GiveUp('CASE_CLOSED');
    if (!isOpenHeldBy(c, requester.id)) throw new GiveUp('CASE_NOT_HELD');
    const contact = await this.vault.open(c.pseudonym, m);
    const to = addressFor(message.channel, contact);
    if (!contact || !to) throw new GiveUp(message.channel === 'EMAIL' ? 'NO_EMAIL' : 'NO_PHONE');
    const language: LetterLanguage = isLetterLanguage(contact.language) ? contact.language : 'lt';
    const sender = await this.templates.senderIn(m, c.municipality);
    const template = await this.templates.effective(m, c.municipality, message.channel, language);
    const now = this.clock.now();
    const variables = this.templates.variables(sender, requester.displayName, contact.given_name, this.clock.today());
    // Issued in this transaction: a try that fails leaves no link behind, the one that sends keeps its own.
    const link = await this.responseLinks.issue(m, requester.id, c, message.channel, language);
    const composed = this.templates.composer.compose(message.channel, template, variables, language, undefined, responseBlock(link));

    if (message.channel === 'EMAIL') {
      await this.email.send({ messageId, to, subject: composed.subject ?? '', text: composed.text, html: composed.html ?? '', language });
    } else {
      await this.sms.send({ messageId, to, text: composed.text });
    }

    const actor: OutreachActor = { userId: requester.id, role: requester.role as OutreachActor['role'], municipality: c.municipality, scope: 'municipal' };
    const recorded = await this.caseWork.recordAttempt(actor, c.id, { channel: message.channel, result: 'MESSAGE_LEFT', attemptedAt: now, note: `${message.channel} sent by Tiltas` }, m);
    await this.repo.markSent(m, messageId, language, now);
    await this.audit.record(m, {
      actor: requester.id,
      role: requester.role,
      municipality: c.municipality,
      action: 'message.sent',
      subject: c.pseudonym,
      objectType: 'outgoing_message',
      objectId: messageId,
      details: { caseId: c.id, channel: message.channel, language, attempt, attemptId: recorded.attemptId, responseLinkId: link.linkId },
    });
    this.logger.log({ messageId, channel: message.channel, attempt }, 'message sent');
    return { messageId, status: 'SENT', sentNow: true, reason: null };
  }

  /**
   * Counts a failed try and logs `message.failed`. Returns the message's status after it (PENDING while
   * retries remain), or null when the message is gone.
   */
  private async recordFailure(messageId: string, reason: string, giveUp: boolean, attempt: number, counted: boolean): Promise<MessageRow['status'] | null> {
    return this.db.transaction(SYSTEM_SCOPE(JobName.SEND_MESSAGE), async (m) => {
      const row = await this.repo.markTryFailed(m, messageId, reason, giveUp, this.clock.now(), counted);
      // Not PENDING any more: another delivery settled it meanwhile; that one logged what happened.
      if (!row) return (await this.repo.lockMessage(m, messageId))?.status ?? null;
      const c = await this.repo.findCase(m, row.caseId);
      await this.audit.record(m, {
        actor: row.requestedBy,
        role: (await this.repo.user(m, row.requestedBy))?.role ?? 'WORKER',
        municipality: row.municipality,
        action: 'message.failed',
        subject: c?.pseudonym ?? null,
        objectType: 'outgoing_message',
        objectId: messageId,
        details: { caseId: row.caseId, channel: row.channel, reason, attempt, final: giveUp },
      });
      this.logger.warn({ messageId, channel: row.channel, reason, attempt, final: giveUp }, 'message not sent');
      return row.status;
    });
  }

  private transport(channel: SendChannel): EmailTransport | SmsTransport {
    return channel === 'EMAIL' ? this.email : this.sms;
  }
}

function addressFor(channel: SendChannel, contact: { email: string | null; phone: string | null } | null): string | null {
  if (!contact) return null;
  const value = channel === 'EMAIL' ? contact.email : contact.phone;
  return value && value.trim() !== '' ? value.trim() : null;
}
