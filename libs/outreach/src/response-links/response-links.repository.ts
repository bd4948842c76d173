import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CallbackTime, ResponseAnswer } from '../case-codes';

export type LinkKind = 'LETTER' | 'EMAIL' | 'SMS';
export type LinkLanguage = 'lt' | 'ru' | 'pl' | 'en';

export interface ResponseLinkRow {
  readonly id: number;
  readonly caseId: number;
  readonly municipality: string;
  readonly kind: LinkKind;
  readonly language: LinkLanguage;
  readonly expiresAt: Date;
  readonly answeredAt: Date | null;
  readonly answer: ResponseAnswer | null;
  /** The case's status now: a closed case takes no more answers. */
  readonly caseStatus: string;
}

/** An answer as the case page shows it; the phone stays sealed here (it is revealed like other contacts). */
export interface CaseResponseView {
  readonly id: number;
  readonly answer: ResponseAnswer;
  readonly answeredAt: string;
  readonly kind: LinkKind;
  readonly callbackOn: string | null;
  readonly callbackTime: CallbackTime | null;
  readonly phoneGiven: boolean;
}

const TS = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The SQL of response links; every method runs in the caller's scoped transaction. */
@Injectable()
export class ResponseLinksRepository {
  async insert(m: EntityManager, row: { lookup: Buffer; caseId: number; municipality: string; kind: LinkKind; language: LinkLanguage; issuedBy: string; issuedAt: Date; expiresAt: Date }): Promise<number> {
    const rows: Array<{ id: number }> = await m.query(
      `INSERT INTO response_link (lookup, case_id, municipality, kind, language, issued_by, issued_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::int AS id`,
      [row.lookup, row.caseId, row.municipality, row.kind, row.language, row.issuedBy, row.issuedAt, row.expiresAt],
    );
    return rows[0].id;
  }

  /** The link by its lookup hash; `lock` holds it (and its case) while an answer lands. */
  async find(m: EntityManager, lookup: Buffer, lock = false): Promise<ResponseLinkRow | null> {
    const rows: ResponseLinkRow[] = await m.query(
      `SELECT l.id::int AS id, l.case_id::int AS "caseId", l.municipality, l.kind, l.language, l.expires_at AS "expiresAt",
              l.answered_at AS "answeredAt", l.answer, c.status AS "caseStatus"
         FROM response_link l JOIN cases c ON c.id = l.case_id
        WHERE l.lookup = $1 ${lock ? 'FOR UPDATE OF l, c' : ''}`,
      [lookup],
    );
    return rows[0] ?? null;
  }

  async markAnswered(m: EntityManager, id: number, answer: ResponseAnswer, at: Date): Promise<void> {
    await m.query(`UPDATE response_link SET answered_at = $3, answer = $2 WHERE id = $1 AND answered_at IS NULL`, [id, answer, at]);
  }

  async insertResponse(
    m: EntityManager,
    row: { caseId: number; municipality: string; linkId: number; answer: ResponseAnswer; answeredAt: Date; callbackOn: string | null; callbackTime: CallbackTime | null; phone: { sealed: Buffer; keyId: string } | null },
  ): Promise<number> {
    const rows: Array<{ id: number }> = await m.query(
      `INSERT INTO case_response (case_id, municipality, link_id, answer, answered_at, callback_on, callback_time, phone_sealed, phone_key_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id::int AS id`,
      [row.caseId, row.municipality, row.linkId, row.answer, row.answeredAt, row.callbackOn, row.callbackTime, row.phone?.sealed ?? null, row.phone?.keyId ?? null],
    );
    return rows[0].id;
  }

  async responses(m: EntityManager, caseId: number): Promise<CaseResponseView[]> {
    return m.query(
      `SELECT r.id::int AS id, r.answer, ${TS('r.answered_at')} AS "answeredAt", l.kind, to_char(r.callback_on, 'YYYY-MM-DD') AS "callbackOn",
              r.callback_time AS "callbackTime", r.phone_sealed IS NOT NULL AS "phoneGiven"
         FROM case_response r JOIN response_link l ON l.id = r.link_id
        WHERE r.case_id = $1 ORDER BY r.id DESC`,
      [caseId],
    );
  }

  /** The phone number the person left most recently, still sealed. */
  async latestPhone(m: EntityManager, caseId: number): Promise<{ sealed: Buffer; keyId: string } | null> {
    const rows: Array<{ sealed: Buffer; keyId: string }> = await m.query(
      `SELECT phone_sealed AS sealed, phone_key_id AS "keyId" FROM case_response WHERE case_id = $1 AND phone_sealed IS NOT NULL ORDER BY id DESC LIMIT 1`,
      [caseId],
    );
    return rows[0] ?? null;
  }
}
