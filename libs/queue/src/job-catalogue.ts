/**
 * The job catalogue: one enum of names, one payload map, one queue per kind of work. The worker refuses to
 * start unless every name here has exactly one handler (see JobHandlerRegistry).
 */
export enum QueueName {
  INGEST = 'ingest',
  IDENTIFY = 'identify',
  LETTERS = 'letters',
  MAINTENANCE = 'maintenance',
}

export enum JobName {
  /** A round trip through the queue: proves api → Redis → worker → PostgreSQL. */
  PING = 'system.ping',
  /** Records the audit log's head in audit_anchor (AUDIT_ANCHOR_CRON). */
  AUDIT_ANCHOR = 'audit.anchor',
  /** Links committed audit entries into the hash chain (every few seconds; see AuditSealer). */
  AUDIT_SEAL = 'audit.seal',
  /** Ingests an extract an administrator uploaded through the API (apps/api extracts). */
  INGEST_UPLOAD = 'ingest.upload',
  /** Purges what retention says is due: superseded extracts (RETENTION_CRON). */
  RETENTION = 'retention.run',
  /** Runs identification at a reference date D (IDENTIFY_CRON, the CLI's `identify`, the API). */
  IDENTIFY = 'identify.run',
  /**
   * Runs identification for the persons of one accepted delta delivery, at once (spec "Delta
   * deliveries"); the job id names the delta (`identify.delta@<extractId>`), so it runs once per delta.
   */
  IDENTIFY_DELTA = 'identify.delta',
  /** Sends one outgoing_message (an email or an SMS a worker asked for) through its transport. */
  SEND_MESSAGE = 'letters.send',
}

export interface JobPayloads {
  [JobName.PING]: { token: string };
  /** `period` is the tick's UTC minute, `2026-10-01T0215`. */
  [JobName.AUDIT_ANCHOR]: { period: string };
  /** `period` is the tick's UTC minute, `2026-10-01T0215`. */
  [JobName.AUDIT_SEAL]: { period: string };
  /** The extract_upload row's id; its files are in STORAGE_DIR. */
  [JobName.INGEST_UPLOAD]: { uploadId: string };
  /** `period` is the tick's UTC date, `2026-10-01`. */
  [JobName.RETENTION]: { period: string };
  /**
   * `asOf` is D (the tick's UTC date); `criteria` limits the run to those ACTIVE criteria ids; `startedBy`
   * is the user who started it from a page or the API (the log names them), absent for the schedule.
   */
  [JobName.IDENTIFY]: {
    asOf: string;
    criteria?: string[];
    trigger?: 'schedule' | 'api';
    startedBy?: { userId: string; role: string; municipality: string | null; scope: 'national' | 'municipal' };
  };
  /** The delta extract's id, and D: today in Europe/Vilnius when the delta was accepted. */
  [JobName.IDENTIFY_DELTA]: { extractId: number; asOf: string };
  /** The outgoing_message row's id; the job id is `letters.send@<messageId>`, so one message is one job. */
  [JobName.SEND_MESSAGE]: { messageId: string };
}

export const JOB_QUEUE: Readonly<Record<JobName, QueueName>> = {
  [JobName.PING]: QueueName.MAINTENANCE,
  [JobName.AUDIT_ANCHOR]: QueueName.MAINTENANCE,
  [JobName.AUDIT_SEAL]: QueueName.MAINTENANCE,
  [JobName.INGEST_UPLOAD]: QueueName.INGEST,
  [JobName.RETENTION]: QueueName.MAINTENANCE,
  [JobName.IDENTIFY]: QueueName.IDENTIFY,
  [JobName.IDENTIFY_DELTA]: QueueName.IDENTIFY,
  [JobName.SEND_MESSAGE]: QueueName.LETTERS,
};

/** How many jobs of a queue one worker process runs at once. Identification is one heavy job at a time. */
export const QUEUE_CONCURRENCY: Readonly<Record<QueueName, number>> = {
  [QueueName.INGEST]: 1,
  [QueueName.IDENTIFY]: 1,
  [QueueName.LETTERS]: 4,
  [QueueName.MAINTENANCE]: 2,
};

/**
 * Retries with exponential backoff for unexpected failures. Completed jobs are kept for a week so that a
 * period's deterministic job id (e.g. `identify:2026-10-01`) cannot be enqueued a second time by a late tick.
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential' as const, delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/**
 * At most `max` sends per `duration` ms across every worker process (a BullMQ global rate limit on the
 * letters queue, kept in Redis), so a coordinator's batch cannot trip the SMTP relay's or the SMS
 * gateway's own limits.
 */
export const LETTERS_RATE_LIMIT = { max: 10, duration: 1_000 } as const;

export const ALL_JOB_NAMES: readonly JobName[] = Object.values(JobName);

/**
 * Job ids that name their period (`identify.run@2026-10-01`), so that any number of schedulers enqueue a
 * period once. BullMQ reserves `:` in custom ids, hence `@`.
 */
export const periodJobId = (name: JobName, period: string): string => `${name}@${period}`;

/** The one job of a delta's same-day identification, whoever enqueues it and however often. */
export const deltaJobId = (extractId: number): string => periodJobId(JobName.IDENTIFY_DELTA, String(extractId));
