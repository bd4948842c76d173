import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { OutgoingSms, SmsTransport, TransportError } from './message-transport';

const TIMEOUT_MS = 15_000;

/**
 * SMS through an HTTP gateway (SMS_GATEWAY_URL): one JSON POST per message,
 * `{ "to": "+370…", "text": "…", "reference": "<message id>" }`, with the message id as the
 * Idempotency-Key header too, so a gateway that honours it sends a retried message once. A 2xx reply is
 * accepted; 408, 429 and 5xx are worth another try; any other 4xx refuses this message for good.
 */
@Injectable()
export class HttpSmsTransport extends SmsTransport {
  private readonly url: string | null;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super();
    this.url = config.mail.smsGatewayUrl;
  }

  get configured(): boolean {
    return this.url !== null;
  }

  async send(sms: OutgoingSms): Promise<void> {
    if (!this.url) throw new TransportError('SMS_NOT_CONFIGURED', true);
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': sms.messageId },
        body: JSON.stringify({ to: sms.to, text: sms.text, reference: sms.messageId }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new TransportError((err as Error).name === 'TimeoutError' ? 'SMS_GATEWAY_TIMEOUT' : 'SMS_GATEWAY_UNREACHABLE', false);
    }
    // The body is not needed (and may echo the number): drain it so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return;
    const retry = response.status === 408 || response.status === 429 || response.status >= 500;
    throw new TransportError(`SMS_GATEWAY_${response.status}`, !retry);
  }
}
