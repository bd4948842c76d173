import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock, DomainError, ErrorCode } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService, SYSTEM_SCOPE } from '@tiltas/database';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { LettersRepository } from './letters.repository';
import type { DeliveryStatus, SendChannel } from './message-kinds';

/** How far a callback's timestamp may be from our clock; older signed bodies are refused as replays. */
export const CALLBACK_TOLERANCE_SECONDS = 300;
export const SIGNATURE_HEADER = 'x-tiltas-signature';
export const TIMESTAMP_HEADER = 'x-tiltas-timestamp';

/** The statuses each source may report. */
const REPORTED: Record<SendChannel, readonly DeliveryStatus[]> = {
  SMS: ['DELIVERED', 'FAILED'],
  EMAIL: ['DELIVERED', 'BOUNCED'],
};
const CALLBACK_ID = /^[A-Za-z0-9._:-]{1,100}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REASON = /^[A-Z0-9_.]{1,60}$/;

export interface DeliveryCallback {
  /** The sender's own id of this callback: a second callback with the same id is a replay. */
  readonly id: string;
  /** The outgoing_message id (the SMS gateway's `reference`, the email's Message-ID local part). */
  readonly reference: string;
  readonly status: DeliveryStatus;
  /** A short reason code (`MAILBOX_FULL`, `NUMBER_UNREACHABLE`), never a server's reply text. */
  readonly reason: string | null;
}

export interface CallbackOutcome {
  readonly messageId: string;
  readonly delivery: DeliveryStatus;
}

/**
 * The string a callback is signed over: `<timestamp>.<id>.<reference>.<status>.<reason or empty>`. Fields,
 * not the raw body, so that a body parser's reformatting cannot break a valid signature and no field can
 * be added unsigned.
 */
export function callbackSigningString(timestamp: string, body: DeliveryCallback): string {
  return `${timestamp}.${body.id}.${body.reference}.${body.status}.${body.reason ?? ''}`;
}

/** `sha256=<hex>` of the signing string under the source's secret (what a gateway sends). */
export function signCallback(secret: string, timestamp: string, body: DeliveryCallback): string {
  return `sha256=${createHmac('sha256', secret).update(callbackSigningString(timestamp, body)).digest('hex')}`;
}

/**
 * Delivery status callbacks: the SMS gateway's delivery report and the mail system's bounce processing post
 * here (docs/messages.md). Each is signed with HMAC-SHA256 under its own secret, carries a timestamp within
 * five minutes of ours and an id of its own; a forged, stale or replayed callback is refused and changes
 * nothing. An accepted one moves the message's delivery status and is logged (`message.delivery`) in the
 * same transaction.
 */
@Injectable()
export class DeliveryCallbacksService {
  private readonly logger = new Logger('Letters');
  private readonly secrets: Record<SendChannel, string | null>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly db: DatabaseService,
    private readonly repo: LettersRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {
    this.secrets = { SMS: config.mail.smsCallbackSecret, EMAIL: config.mail.emailBounceSecret };
  }

  async receive(source: SendChannel, headers: { signature: unknown; timestamp: unknown }, input: unknown): Promise<CallbackOutcome> {
    const secret = this.secrets[source];
    if (!secret) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Delivery callbacks are not configured for this channel.');
    const body = parseCallback(source, input);
    const timestamp = typeof headers.timestamp === 'string' ? headers.timestamp : '';
    const signature = typeof headers.signature === 'string' ? headers.signature : '';
    if (!/^\d{1,12}$/.test(timestamp) || !sameSignature(signature, signCallback(secret, timestamp, body))) {
      this.logger.warn({ source }, 'delivery callback refused: bad signature');
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'The callback signature is not valid.');
    }
    const skew = Math.abs(this.clock.now().getTime() / 1000 - Number(timestamp));
    if (skew > CALLBACK_TOLERANCE_SECONDS) {
      this.logger.warn({ source, skew }, 'delivery callback refused: stale timestamp');
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'The callback is too old or from the future.');
    }
    const job = source === 'SMS' ? 'letters.delivery-sms' : 'letters.delivery-email';
    return this.db.transaction(SYSTEM_SCOPE(job), async (m) => {
      const message = await this.repo.lockMessage(m, body.reference);
      if (!message || message.channel !== source) throw DomainError.notFound('Message');
      if (message.status !== 'SENT') throw DomainError.conflict('The message was not handed over, so it cannot have been delivered.');
      const now = this.clock.now();
      const { accepted } = await this.repo.recordDeliveryCallback(m, { source, callbackId: body.id, messageId: message.id, status: body.status as 'DELIVERED', reason: body.reason, at: now });
      if (!accepted) throw DomainError.conflict('This callback was received before.', { reason: 'replay' });
      const c = await this.repo.findCase(m, message.caseId);
      await this.audit.record(m, {
        actor: `system:${job}`,
        role: 'SYSTEM',
        municipality: message.municipality,
        action: 'message.delivery',
        subject: c?.pseudonym ?? null,
        objectType: 'outgoing_message',
        objectId: message.id,
        details: { caseId: message.caseId, channel: source, from: message.delivery, to: body.status, reason: body.reason, callbackId: body.id },
      });
      this.logger.log({ messageId: message.id, channel: source, delivery: body.status }, 'delivery status received');
      return { messageId: message.id, delivery: body.status };
    });
  }
}

function parseCallback(source: SendChannel, input: unknown): DeliveryCallback {
  const b = (input ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof b.id !== 'string' || !CALLBACK_ID.test(b.id)) problems.push('id: 1-100 characters of A-Z a-z 0-9 . _ : -');
  if (typeof b.reference !== 'string' || !UUID.test(b.reference)) problems.push('reference: the message id (a UUID)');
  if (typeof b.status !== 'string' || !REPORTED[source].includes(b.status as DeliveryStatus)) problems.push(`status: one of ${REPORTED[source].join(', ')}`);
  if (b.reason !== undefined && b.reason !== null && (typeof b.reason !== 'string' || !REASON.test(b.reason))) problems.push('reason: a code of A-Z 0-9 _ . (at most 60)');
  if (problems.length > 0) throw DomainError.validation(`The callback is not valid: ${problems.join('; ')}`);
  return { id: b.id as string, reference: (b.reference as string).toLowerCase(), status: b.status as DeliveryStatus, reason: (b.reason as string | null | undefined) ?? null };
}

function sameSignature(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
