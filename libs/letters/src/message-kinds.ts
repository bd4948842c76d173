/** What a template renders: a printed invitation letter, an email or an SMS. */
export const MESSAGE_KINDS = ['LETTER', 'EMAIL', 'SMS'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** The languages of the contacts register (its `language` column); every kind ships in each. */
export const LETTER_LANGUAGES = ['lt', 'ru', 'pl', 'en'] as const;
export type LetterLanguage = (typeof LETTER_LANGUAGES)[number];

/** The channels a job sends through; a printed letter is handed over or posted by the worker. */
export const SEND_CHANNELS = ['EMAIL', 'SMS'] as const;
export type SendChannel = (typeof SEND_CHANNELS)[number];

export const MESSAGE_STATUSES = ['PENDING', 'SENT', 'FAILED'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/**
 * What became of a message after Tiltas handed it over: QUEUED (not yet taken), ACCEPTED (the SMTP relay or
 * the SMS gateway took it), then from their signed callbacks DELIVERED, BOUNCED or FAILED.
 */
export const DELIVERY_STATUSES = ['QUEUED', 'ACCEPTED', 'DELIVERED', 'BOUNCED', 'FAILED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export function isMessageKind(value: unknown): value is MessageKind {
  return typeof value === 'string' && (MESSAGE_KINDS as readonly string[]).includes(value);
}

export function isLetterLanguage(value: unknown): value is LetterLanguage {
  return typeof value === 'string' && (LETTER_LANGUAGES as readonly string[]).includes(value);
}

export function isSendChannel(value: unknown): value is SendChannel {
  return typeof value === 'string' && (SEND_CHANNELS as readonly string[]).includes(value);
}

/** SMS has no subject; a letter's subject is its heading, an email's its Subject line. */
export function kindHasSubject(kind: MessageKind): boolean {
  return kind !== 'SMS';
}

/**
 * The variables every template may use, and nothing else: strict rendering turns any other name into an
 * error when a coordinator saves the template, not when a person is waiting for the letter.
 * `contactPhone`, `contactEmail` and `officeAddress` may be null (test them with {{#if}}).
 */
export interface TemplateVariables {
  /** The person's given name, as the contacts register spells it. */
  readonly personName: string;
  readonly municipalityName: string;
  /** The worker who holds the case (their display name). */
  readonly workerName: string;
  readonly contactPhone: string | null;
  readonly contactEmail: string | null;
  readonly officeAddress: string | null;
  /** The date of the letter, YYYY-MM-DD; templates print it with {{longDate date}}. */
  readonly date: string;
}

export const TEMPLATE_VARIABLE_NAMES: readonly (keyof TemplateVariables)[] = [
  'personName',
  'municipalityName',
  'workerName',
  'contactPhone',
  'contactEmail',
  'officeAddress',
  'date',
];
