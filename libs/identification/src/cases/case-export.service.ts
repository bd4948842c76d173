import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { DomainError } from '@tiltas/common';
import { DatabaseService, applyScope } from '@tiltas/database';
import { MUNICIPALITY_CODES } from '@tiltas/registers';
import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IdentificationActor, scopeOf } from '../identification-actor';

export const CASE_STATUSES = ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'CLOSED', 'OPEN'] as const;
/** `OPEN` is every status but CLOSED. */
export type CaseStatusFilter = (typeof CASE_STATUSES)[number];

export interface CaseExportFilter {
  readonly municipality?: string;
  readonly status?: CaseStatusFilter;
}

export const CASE_EXPORT_HEADER = 'case_id,pseudonym,municipality,cohorts,status,created_at';

/**
 * The case list as CSV, streamed with COPY … TO STDOUT straight from PostgreSQL (national scale: no rows
 * are held in memory). Row-level security applies: a municipal viewer's export holds their municipality only.
 * The filters are checked against closed lists and only then written into the COPY query (COPY takes no
 * parameters).
 */
@Injectable()
export class CaseExportService {
  private readonly logger = new Logger('CaseExport');

  constructor(
    private readonly db: DatabaseService,
    private readonly audit: AuditService,
  ) {}

  async exportCsv(out: Writable, filter: CaseExportFilter, viewer: IdentificationActor): Promise<{ rows: number }> {
    const where: string[] = [];
    if (filter.municipality !== undefined) {
      if (!MUNICIPALITY_CODES.includes(filter.municipality)) throw DomainError.validation(`${filter.municipality} is not a municipality code (LT-01…LT-60)`);
      where.push(`municipality = '${filter.municipality}'`);
    }
    if (filter.status !== undefined) {
      if (!CASE_STATUSES.includes(filter.status)) throw DomainError.validation(`status must be one of ${CASE_STATUSES.join(', ')}`);
      where.push(filter.status === 'OPEN' ? `status <> 'CLOSED'` : `status = '${filter.status}'`);
    }
    const query = `
      SELECT id AS case_id, encode(pseudonym, 'hex') AS pseudonym, municipality, array_to_string(cohorts, '|') AS cohorts, status,
             to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created_at
      FROM cases ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id`;

    const runner = this.db.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    let rows = 0;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await applyScope(runner.manager, scopeOf(viewer));
      const source = client.query(copyTo(`COPY (${query}) TO STDOUT WITH (FORMAT csv, HEADER true)`));
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) rows++;
          done(null, chunk);
        },
      });
      await pipeline(source, counter, out, { end: false });
      rows = Math.max(rows - 1, 0);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
    // The export itself is a processing step: logged once, with what it held and no list of people.
    await this.db.transaction(scopeOf(viewer), (m) =>
      this.audit.record(m, {
        actor: viewer.userId,
        role: viewer.role,
        municipality: viewer.scope === 'national' ? (filter.municipality ?? null) : viewer.municipality,
        action: 'case.exported',
        objectType: 'cases',
        purpose: 'outreach',
        details: { rows, municipality: filter.municipality ?? null, status: filter.status ?? null },
      }),
    );
    this.logger.log({ rows, municipality: filter.municipality ?? null, status: filter.status ?? null }, 'cases exported');
    return { rows };
  }
}
