import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DeliveryStatus, LetterLanguage, MessageKind, MessageStatus, SendChannel } from './message-kinds';

export interface TemplateRow {
  readonly municipality: string;
  readonly kind: MessageKind;
  readonly language: LetterLanguage;
  readonly subject: string | null;
  readonly body: string;
  readonly version: number;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

export interface SenderRow {
  readonly municipality: string;
  readonly municipalityName: string;
  readonly contactPhone: string | null;
  readonly contactEmail: string | null;
  readonly officeAddress: string | null;
  readonly updatedAt: string | null;
}

/** A case as letters need it: whose, where, held by whom. */
export interface LetterCase {
  readonly id: number;
  /** 64 lowercase hex. */
  readonly pseudonym: string;
  readonly municipality: string;
  readonly status: string;
  readonly assignedTo: string | null;
}

export interface MessageRow {
  readonly id: string;
  readonly caseId: number;
  readonly municipality: string;
  readonly channel: SendChannel;
  readonly status: MessageStatus;
  readonly attempts: number;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly language: LetterLanguage | null;
  readonly sentAt: string | null;
  readonly failedAt: string | null;
  readonly lastError: string | null;
  /** What became of it after Tiltas handed it over (QUEUED, ACCEPTED, DELIVERED, BOUNCED, FAILED). */
  readonly delivery: DeliveryStatus;
  readonly deliveryAt: string | null;
  readonly deliveryReason: string | null;
}

export interface UserSummary {
  readonly id: string;
  readonly displayName: string;
  readonly role: string;
  readonly municipality: string | null;
  readonly disabled: boolean;
}

const iso = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const TEMPLATE_COLUMNS = `municipality, kind, language, subject, body, version, ${iso('updated_at')} AS "updatedAt", updated_by AS "updatedBy"`;
const MESSAGE_COLUMNS = `id, case_id::int AS "caseId", municipality, channel, status, attempts, requested_by AS "requestedBy",
  ${iso('requested_at')} AS "requestedAt", language, ${iso('sent_at')} AS "sentAt", ${iso('failed_at')} AS "failedAt", last_error AS "lastError",
  delivery, ${iso('delivery_at')} AS "deliveryAt", delivery_reason AS "deliveryReason"`;

/**
 * The SQL of letters. Every method runs in the caller's scoped transaction, so row-level security decides
 * what a municipality's coordinator or worker can see; none of them filters by municipality alone.
 */
@Injectable()
export class LettersRepository {
  async templates(m: EntityManager, municipality: string): Promise<TemplateRow[]> {
    return m.query(`SELECT ${TEMPLATE_COLUMNS} FROM message_template WHERE municipality = $1 ORDER BY kind, language`, [municipality]);
  }

  async template(m: EntityManager, municipality: string, kind: MessageKind, language: LetterLanguage): Promise<TemplateRow | null> {
    const rows: TemplateRow[] = await m.query(`SELECT ${TEMPLATE_COLUMNS} FROM message_template WHERE municipality = $1 AND kind = $2 AND language = $3`, [
      municipality,
      kind,
      language,
    ]);
    return rows[0] ?? null;
  }

  async saveTemplate(m: EntityManager, row: { municipality: string; kind: MessageKind; language: LetterLanguage; subject: string | null; body: string; by: string }): Promise<TemplateRow> {
    const rows: TemplateRow[] = await m.query(
      `INSERT INTO message_template (municipality, kind, language, subject, body, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (municipality, kind, language) DO UPDATE
         SET subject = EXCLUDED.subject, body = EXCLUDED.body, updated_by = EXCLUDED.updated_by, updated_at = now(),
             version = message_template.version + 1
       RETURNING ${TEMPLATE_COLUMNS}`,
      [row.municipality, row.kind, row.language, row.subject, row.body, row.by],
    );
    return rows[0];
  }

  async deleteTemplate(m: EntityManager, municipality: string, kind: MessageKind, language: LetterLanguage): Promise<boolean> {
    // Through a CTE: TypeORM answers a bare DELETE … RETURNING with [rows, count], a SELECT with rows.
    const rows: unknown[] = await m.query(
      `WITH gone AS (DELETE FROM message_template WHERE municipality = $1 AND kind = $2 AND language = $3 RETURNING 1) SELECT * FROM gone`,
      [municipality, kind, language],
    );
    return rows.length > 0;
  }

  async sender(m: EntityManager, municipality: string): Promise<SenderRow | null> {
    const rows: SenderRow[] = await m.query(
      `SELECT municipality, municipality_name AS "municipalityName", contact_phone AS "contactPhone", contact_email AS "contactEmail",
              office_address AS "officeAddress", ${iso('updated_at')} AS "updatedAt"
         FROM letter_sender WHERE municipality = $1`,
      [municipality],
    );
    return rows[0] ?? null;
  }

  async saveSender(m: EntityManager, row: Omit<SenderRow, 'updatedAt'> & { by: string }): Promise<void> {
    await m.query(
      `INSERT INTO letter_sender (municipality, municipality_name, contact_phone, contact_email, office_address, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (municipality) DO UPDATE
         SET municipality_name = EXCLUDED.municipality_name, contact_phone = EXCLUDED.contact_phone,
             contact_email = EXCLUDED.contact_email, office_address = EXCLUDED.office_address,
             updated_by = EXCLUDED.updated_by, updated_at = now()`,
      [row.municipality, row.municipalityName, row.contactPhone, row.contactEmail, row.officeAddress, row.by],
    );
  }

  /** The case if row-level security lets this transaction see it; `share` keeps it from changing hands meanwhile. */
  async findCase(m: EntityManager, caseId: number, lock: 'update' | 'share' | 'none' = 'none'): Promise<LetterCase | null> {
    const rows: LetterCase[] = await m.query(
      `SELECT id::int AS id, encode(pseudonym, 'hex') AS pseudonym, municipality, status, assigned_to AS "assignedTo"
         FROM cases WHERE id = $1 ${lock === 'share' ? 'FOR SHARE' : lock === 'update' ? 'FOR UPDATE' : ''}`,
      [caseId],
    );
    return rows[0] ?? null;
  }

  async user(m: EntityManager, id: string): Promise<UserSummary | null> {
    const rows: UserSummary[] = await m.query(
      `SELECT id, display_name AS "displayName", role, municipality, disabled_at IS NOT NULL AS disabled FROM users WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async insertMessage(m: EntityManager, row: { id: string; caseId: number; municipality: string; channel: SendChannel; requestedBy: string; requestedAt: Date }): Promise<MessageRow> {
    const rows: MessageRow[] = await m.query(
      `INSERT INTO outgoing_message (id, case_id, municipality, channel, requested_by, requested_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${MESSAGE_COLUMNS}`,
      [row.id, row.caseId, row.municipality, row.channel, row.requestedBy, row.requestedAt],
    );
    return rows[0];
  }

  async messages(m: EntityManager, caseId: number): Promise<MessageRow[]> {
    return m.query(`SELECT ${MESSAGE_COLUMNS} FROM outgoing_message WHERE case_id = $1 ORDER BY requested_at, id`, [caseId]);
  }

  /**
   * Locks the message for its delivery: a second delivery of the same message (a duplicate job, a retry
   * racing a slow first try) waits here and then finds it SENT.
   */
  async lockMessage(m: EntityManager, id: string): Promise<MessageRow | null> {
    const rows: MessageRow[] = await m.query(`SELECT ${MESSAGE_COLUMNS} FROM outgoing_message WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ?? null;
  }

  async markSent(m: EntityManager, id: string, language: LetterLanguage, at: Date): Promise<void> {
    await m.query(
      `UPDATE outgoing_message SET status = 'SENT', sent_at = $3, language = $2, attempts = attempts + 1, last_error = NULL,
              delivery = 'ACCEPTED', delivery_at = $3, delivery_reason = NULL
        WHERE id = $1 AND status = 'PENDING'`,
      [id, language, at],
    );
  }

  /** Counts a failed try; `final` gives up (FAILED), otherwise the message stays PENDING for the retry. */
  async markTryFailed(m: EntityManager, id: string, reason: string, final: boolean, at: Date, counted: boolean): Promise<MessageRow | null> {
    const rows: MessageRow[] = await m.query(
      `WITH changed AS (
         UPDATE outgoing_message
            SET attempts = attempts + $5::int, last_error = $2,
                status = CASE WHEN $3 THEN 'FAILED' ELSE status END,
                failed_at = CASE WHEN $3 THEN $4::timestamptz ELSE failed_at END,
                delivery = CASE WHEN $3 THEN 'FAILED' ELSE delivery END,
                delivery_at = CASE WHEN $3 THEN $4::timestamptz ELSE delivery_at END,
                delivery_reason = CASE WHEN $3 THEN left(regexp_replace($2, '[^A-Z0-9_.]', '_', 'g'), 60) ELSE delivery_reason END
          WHERE id = $1 AND status = 'PENDING'
          RETURNING *)
       SELECT ${MESSAGE_COLUMNS} FROM changed`,
      [id, reason, final, at, counted ? 1 : 0],
    );
    return rows[0] ?? null;
  }

  /**
   * Takes one delivery callback: records its id (a replay finds it there and changes nothing) and moves
   * the message's delivery status. Returns null when the callback id was seen before.
   */
  async recordDeliveryCallback(
    m: EntityManager,
    row: { source: SendChannel; callbackId: string; messageId: string; status: Exclude<DeliveryStatus, 'QUEUED' | 'ACCEPTED'>; reason: string | null; at: Date },
  ): Promise<{ accepted: boolean }> {
    const taken: unknown[] = await m.query(
      `INSERT INTO delivery_callback (source, callback_id, message_id, status, received_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (source, callback_id) DO NOTHING RETURNING 1`,
      [row.source, row.callbackId, row.messageId, row.status, row.at],
    );
    if (taken.length === 0) return { accepted: false };
    await m.query(`UPDATE outgoing_message SET delivery = $2, delivery_at = $3, delivery_reason = $4 WHERE id = $1`, [row.messageId, row.status, row.at, row.reason]);
    return { accepted: true };
  }
}
