import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import nodemailer from 'nodemailer';
import { EmailTransport, OutgoingEmail, TransportError } from './message-transport';

const TIMEOUT_MS = 15_000;

const smtpTransporter = (url: string) =>
  nodemailer.createTransport({ url, connectionTimeout: TIMEOUT_MS, greetingTimeout: TIMEOUT_MS, socketTimeout: TIMEOUT_MS });

/**
 * Email through an SMTP relay (SMTP_URL) with nodemailer. The Message-ID is derived from the message id,
 * so if a try reached the relay but its result was lost, the retry carries the same Message-ID and
 * receiving systems can recognise the duplicate.
 */
@Injectable()
export class SmtpEmailTransport extends EmailTransport implements OnApplicationShutdown {
  private readonly transporter: ReturnType<typeof smtpTransporter> | null;
  private readonly from: string;
  private readonly domain: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.from = config.mail.from;
    this.domain = /@([^>\s]+)>?\s*$/.exec(config.mail.from)?.[1] ?? 'tiltas.invalid';
    this.transporter = config.mail.smtpUrl ? smtpTransporter(config.mail.smtpUrl) : null;
  }

  get configured(): boolean {
    return this.transporter !== null;
  }

  async send(email: OutgoingEmail): Promise<void> {
    if (!this.transporter) throw new TransportError('EMAIL_NOT_CONFIGURED', true);
    try {
      await this.transporter.sendMail({
        from: this.from,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: `<${email.messageId}@${this.domain}>`,
        headers: { 'Content-Language': email.language, 'Auto-Submitted': 'auto-generated' },
      });
    } catch (err) {
      throw smtpFailure(err);
    }
  }

  onApplicationShutdown(): void {
    this.transporter?.close();
  }
}

/** 5xx replies are the relay's final word on this message; 4xx, timeouts and lost connections may pass. */
export function smtpFailure(err: unknown): TransportError {
  const e = err as { responseCode?: number; code?: string };
  if (typeof e.responseCode === 'number') {
    return new TransportError(`SMTP_${e.responseCode}`, e.responseCode >= 500);
  }
  if (e.code === 'EENVELOPE') return new TransportError('SMTP_ENVELOPE_REFUSED', true);
  return new TransportError(`SMTP_${typeof e.code === 'string' ? e.code.replace(/[^A-Z0-9_]/g, '') : 'UNKNOWN'}`, false);
}
