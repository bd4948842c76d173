/** One email as the transport sends it. `messageId` is the outgoing_message id: the same on every try. */
export interface OutgoingEmail {
  readonly messageId: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly language: string;
}

export interface OutgoingSms {
  readonly messageId: string;
  readonly to: string;
  readonly text: string;
}

/**
 * Why a send failed, as a reason code that is safe to store and log (never the server's reply, which can
 * quote the address). `permanent` failures (a refused recipient, a malformed number) are not retried.
 */
export class TransportError extends Error {
  constructor(
    readonly reason: string,
    readonly permanent: boolean,
  ) {
    super(`send failed: ${reason}${permanent ? ' (permanent)' : ''}`);
    this.name = 'TransportError';
  }
}

/** Sends email. Implementations must be safe to call again with the same messageId after a failure. */
export abstract class EmailTransport {
  abstract readonly configured: boolean;
  abstract send(email: OutgoingEmail): Promise<void>;
}

/** Sends SMS through a gateway. Same contract as EmailTransport. */
export abstract class SmsTransport {
  abstract readonly configured: boolean;
  abstract send(sms: OutgoingSms): Promise<void>;
}
