import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock, DomainError, isDomainError } from '@tiltas/common';
import { DatabaseService, advisoryXactLock, applyScope, useAnalyticalSettings } from '@tiltas/database';
import { CsvSyntaxError, parseCsv } from '@tiltas/registers';
import { STANDARD_CRITERION_IDS } from '@tiltas/targeting';
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { CasesRepository } from '../cases.repository';
import { OutreachActor, handOverScope, isSystem, outreachScope } from '../outreach-actor';
import { OutcomeImportRepository } from './outcome-import.repository';
import { OutcomeRow, checkRow, readHeader, vilniusDate } from './outcome-rows';

/** Refused: one line per bad row (or the file's own fault), and nothing changed. */
export interface OutcomeImportRefused {
  readonly kind: 'refused';
  readonly sha256: string;
  readonly problems: readonly string[];
}

export interface OutcomeImportDone {
  readonly kind: 'imported';
  readonly sha256: string;
  /** The import's row, or null when every row was skipped (nothing changed, nothing recorded). */
  readonly importId: number | null;
  readonly rows: number;
  readonly closed: number;
  readonly recorded: number;
  readonly skipped: number;
  readonly byOutcome: Readonly<Record<string, { closed: number; recorded: number; skipped: number }>>;
  readonly handedOver: number;
  readonly optOutsRecorded: number;
  readonly otherCasesClosed: number;
  /** The spec's summary line: `imported N: closed O open case(s), recorded H closed case(s), skipped S`. */
  readonly summary: string;
}

export type OutcomeImportResult = OutcomeImportRefused | OutcomeImportDone;

/** Imports of outcomes run one at a time: two files naming the same open case must not both close it. */
const IMPORT_LOCK = 'outreach:outcome-import';

/**
 * `cases import-outcomes`: closings from another system (spec/extracts.md "Outcomes from another system").
 * Every row is checked before anything is written; a bad row refuses the whole file. A good file is one
 * transaction: open cases it names are closed, other rows kept as closed cases of history, OPTED_OUT rows
 * record the opt-out, MOVED_AWAY rows with a destination hand the open case over, and one audit entry
 * carries the file's sha256 and the counts per outcome.
 */
@Injectable()
export class OutcomeImportService {
  private readonly logger = new Logger('OutcomeImport');

  constructor(
    private readonly db: DatabaseService,
    private readonly imports: OutcomeImportRepository,
    private readonly cases: CasesRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async importFile(actor: OutreachActor, file: Buffer, fileName: string | null = null): Promise<OutcomeImportResult> {
    if (!(actor.role === 'ADMIN' || isSystem(actor))) throw DomainError.forbidden('Only an administrator imports outcomes from another system');
    const sha256 = createHash('sha256').update(file).digest('hex');
    const started = Date.now();
    return this.db.transaction(outreachScope({ ...actor, scope: 'national', municipality: null }), async (m) => {
      await advisoryXactLock(m, IMPORT_LOCK);
      await useAnalyticalSettings(m);
      const known = new Set<string>([...STANDARD_CRITERION_IDS, ...(await this.imports.criterionIds(m))]);
      const checked = await checkFile(file, { today: vilniusDate(this.clock.now()), knownCohorts: known });
      if ('problems' in checked) {
        this.logger.warn({ sha256, problems: checked.problems.length }, 'outcome import refused');
        return { kind: 'refused' as const, sha256, problems: checked.problems };
      }
      return this.write(m, actor, checked.rows, sha256, fileName, started);
    });
  }

  private async write(m: EntityManager, actor: OutreachActor, rows: readonly OutcomeRow[], sha256: string, fileName: string | null, started: number): Promise<OutcomeImportDone> {
    await this.imports.stage(m, rows);
    const tally = await this.imports.tally(m);
    const sum = (k: 'closed' | 'recorded' | 'skipped'): number => tally.reduce((n, t) => n + t[k], 0);
    const closed = sum('closed');
    const recorded = sum('recorded');
    const skipped = sum('skipped');
    const byOutcome = Object.fromEntries(tally.map((t) => [t.outcome, { closed: t.closed, recorded: t.recorded, skipped: t.skipped }]));
    let importId: number | null = null;
    let handedOver = 0;
    let optOuts = { recorded: 0, otherCasesClosed: 0 };
    if (closed + recorded > 0) {
      importId = await this.imports.recordImport(m, { sha256, fileName, rows: rows.length, closed, recorded, skipped, outcomes: byOutcome }, actor.userId);
      const moves = await this.imports.closeOpen(m, importId, actor.userId);
      await this.imports.recordHistory(m, importId, actor.userId);
      optOuts = await this.imports.optOuts(m, actor.userId, this.clock.now());
      // The hand-over of a worker's MOVED_AWAY closing, case by case: these are the few rows that name a
      // destination and found an open case, and each carries its history into the new municipality.
      await applyScope(m, handOverScope(actor));
      for (const move of moves) {
        const from = await this.cases.find(m, move.caseId);
        await this.cases.receive(m, from!, move.toMunicipality, actor.userId);
      }
      handedOver = moves.length;
    }
    const summary = `imported ${rows.length}: closed ${closed} open case(s), recorded ${recorded} closed case(s), skipped ${skipped}`;
    await this.audit.record(m, {
      actor: actor.userId,
      role: actor.role,
      municipality: null,
      action: 'cases.outcomes_imported',
      objectType: 'outcome_import',
      objectId: importId === null ? null : String(importId),
      purpose: 'outreach',
      details: {
        sha256,
        rows: rows.length,
        closed,
        recorded,
        skipped,
        outcomes: byOutcome,
        handedOver,
        optOutsRecorded: optOuts.recorded,
        otherCasesClosed: optOuts.otherCasesClosed,
        changedNothing: importId === null,
      },
    });
    this.logger.log({ sha256, rows: rows.length, closed, recorded, skipped, handedOver, ms: Date.now() - started }, 'outcomes imported');
    return {
      kind: 'imported',
      sha256,
      importId,
      rows: rows.length,
      closed,
      recorded,
      skipped,
      byOutcome,
      handedOver,
      optOutsRecorded: optOuts.recorded,
      otherCasesClosed: optOuts.otherCasesClosed,
      summary,
    };
  }
}

/** Parses and checks the whole file: its rows, or every problem (one line per bad row). */
export async function checkFile(
  file: Buffer,
  ctx: Parameters<typeof checkRow>[3],
): Promise<{ rows: OutcomeRow[] } | { problems: string[] }> {
  const rows: OutcomeRow[] = [];
  const problems: string[] = [];
  let index: Parameters<typeof checkRow>[2] | null = null;
  let sawHeader = false;
  try {
    for await (const batch of parseCsv(once(file))) {
      for (const record of batch) {
        if (!sawHeader) {
          sawHeader = true;
          const header = readHeader(record.fields);
          if ('problems' in header) return { problems: header.problems };
          index = header.index;
          continue;
        }
        // A last line with nothing on it is the file's end, not a row.
        if (record.fields.length === 1 && record.fields[0] === '') continue;
        const row = checkRow(record.line, record.fields, index!, ctx);
        if (typeof row === 'string') problems.push(row);
        else rows.push(row);
      }
    }
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { problems: [`line ${err.line}: ${err.reason}`] };
    if (isDomainError(err)) return { problems: [err.message] };
    throw err;
  }
  if (!sawHeader) return { problems: ['line 1: the file is empty (it needs the header pseudonym,municipality,outcome,closed_on,to_municipality,cohorts,reason)'] };
  return problems.length > 0 ? { problems } : { rows };
}

async function* once(file: Buffer): AsyncGenerator<Uint8Array> {
  yield file;
}
