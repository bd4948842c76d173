import { Injectable } from '@nestjs/common';
import { DomainError, isIsoDate } from '@tiltas/common';
import { DatabaseService } from '@tiltas/database';
import { isRegisterCode } from '@tiltas/contract';

export interface ExtractSummary {
  readonly id: number;
  readonly register: string;
  readonly asOf: string;
  readonly status: string;
  readonly rows: number;
  readonly quarantined: number;
  readonly lawfulBasisId: string;
  readonly pseudonymKeyId: string;
  readonly sha256: string;
  readonly source: string;
  readonly reason: string | null;
  readonly createdAt: string;
  /** `full`, or `delta`: a delivery that replaced its persons' rows in a full extract. */
  readonly delivery: string;
  /** The full extract a delta was applied to; null for a full delivery (or a delta not applied). */
  readonly appliedTo: number | null;
}

export interface QuarantineEntry {
  readonly line: number;
  readonly column: string | null;
  readonly reason: string;
}

export interface QuarantineListing {
  readonly extract: ExtractSummary;
  readonly entries: QuarantineEntry[];
}

const SUMMARY = `id, register, to_char(as_of, 'YYYY-MM-DD') AS "asOf", status, rows, quarantined,
  lawful_basis_id AS "lawfulBasisId", pseudonym_key_id AS "pseudonymKeyId", sha256, source, reason,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt", delivery, applied_to AS "appliedTo"`;

/** What operators read about extracts: the list, and the quarantine of one (lines and reasons, no data). */
@Injectable()
export class ExtractsQueryService {
  constructor(private readonly db: DatabaseService) {}

  async list(filter: { register?: string } = {}): Promise<ExtractSummary[]> {
    if (filter.register !== undefined && !isRegisterCode(filter.register)) throw DomainError.validation(`unknown register ${JSON.stringify(filter.register)}`);
    return (await this.db.dataSource.query(
      `SELECT ${SUMMARY} FROM extract WHERE ($1::text IS NULL OR register = $1) ORDER BY register, as_of DESC, id DESC`,
      [filter.register ?? null],
    )) as ExtractSummary[];
  }

  /**
   * The quarantine of a register's extract: the ACTIVE one, or with `asOf` the newest non-rejected one
   * of that date. Rejected extracts have no quarantine (it went with them).
   */
  async quarantine(register: string, asOf?: string, limit = 10_000): Promise<QuarantineListing> {
    if (!isRegisterCode(register)) throw DomainError.validation(`unknown register ${JSON.stringify(register)}`);
    if (asOf !== undefined && !isIsoDate(asOf)) throw DomainError.validation(`as-of ${JSON.stringify(asOf)} is not a date (YYYY-MM-DD)`);
    const extracts = (await this.db.dataSource.query(
      asOf === undefined
        ? `SELECT ${SUMMARY} FROM extract WHERE register = $1 AND status = 'ACTIVE'`
        : `SELECT ${SUMMARY} FROM extract WHERE register = $1 AND as_of = $2 AND status NOT IN ('REJECTED', 'LOADING') ORDER BY id DESC LIMIT 1`,
      asOf === undefined ? [register] : [register, asOf],
    )) as ExtractSummary[];
    if (extracts.length === 0) throw DomainError.notFound(asOf === undefined ? `an active ${register} extract` : `a ${register} extract as of ${asOf}`);
    const entries = (await this.db.dataSource.query(
      `SELECT line, column_name AS "column", reason FROM extract_quarantine WHERE extract_id = $1 ORDER BY line LIMIT $2`,
      [extracts[0].id, limit],
    )) as QuarantineEntry[];
    return { extract: extracts[0], entries };
  }
}
