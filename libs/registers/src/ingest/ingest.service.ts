import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService, type AuditActor } from '@tiltas/audit';
import { Clock, ErrorCode, isDependencyFailure, isDomainError, vilniusDate } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { ContactsVault } from '@tiltas/contacts';
import { LawfulBasisService } from '@tiltas/lawful-bases';
import { applyScope, OWNER_DATA_SOURCE, OWNER_POOL } from '@tiltas/database';
import { deltaJobId, JobName, JobProducer } from '@tiltas/queue';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Pool, PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { createCopyFormatter } from '../parsing/copy-text';
import { checkTotalsAgainstManifest, consumeExtract, ExtractTotals, readExtract } from '../parsing/extract-reader';
import { RegisterCode } from '@tiltas/contract';
import { REGISTERS } from '../register-declarations';
import { ExtractManifest, parseManifestJson } from '../validation/manifest';
import { QuarantinedRow, ValidRow } from '../validation/row-validator';
import { createContactsCopyFormatter } from './contacts-copy';
import { CopyWriter } from './copy-writer';
import { ExtractPair, findExtractPairs } from './extract-pairs';
import { ExtractRepository, ExtractRow } from './extract.repository';
import { computeFollowUpFacts, FollowUpDelivery } from './follow-up-facts';
import { IngestOutcome, oneLine, quarantineLimit } from './ingest-outcome';
import { RepeatedPersonScreen } from './repeated-person-screen';
import { createPartitionSql, moveRepeatedPersonsSql, partitionIndexSql, partitionTable } from './partition-sql';

/** One delivery to ingest: a CSV and its manifest (either may be missing, which rejects it). */
export interface IngestRequest extends ExtractPair {
  /** `cli` or `upload`: where the delivery came from, kept on the extract row. */
  readonly source: 'cli' | 'upload';
  readonly actor: AuditActor;
}

/** A COPY statement and the bytes that make up its input: header, the rows batch by batch, trailer. */
interface CopyFormat {
  readonly sql: string;
  readonly header: string | Buffer;
  chunk(rows: readonly ValidRow[]): string | Buffer;
  readonly trailer: string | Buffer;
}

/** Thrown inside a load to reject the extract whole, with counts known so far. */
class Rejection extends Error {
  constructor(
    readonly reason: string,
    readonly rows = 0,
    readonly quarantined = 0,
  ) {
    super(reason);
  }
}

/** Read buffer per file: few system calls, and the hash runs on big slices (the parser cuts them smaller). */
const READ_CHUNK = 1 << 20;
/**
 * Receiving an extract is lawful when its basis permits the register at asOf for any purpose the contract
 * knows; outreach is tried first because it is what Tiltas does, and its problems are the ones reported.
 */
const PURPOSES = ['outreach', 'evaluation', 'statistics'] as const;
type Purpose = (typeof PURPOSES)[number];

/**
 * Ingest of register extracts (the register extract contract (spec/extracts.md)): check the manifest and the lawful basis, stream
 * the CSV through the validator into its own partition with COPY, quarantine bad rows and repeated
 * persons, index, analyse, and only then, in one transaction with its audit entry, attach the partition
 * and make the extract ACTIVE. A rejected extract leaves no partition and no rows behind.
 *
 * Loads of one register are serialised (a session advisory lock), so concurrent workers and CLI runs
 * cannot both activate, and a load that crashed is taken over by the next one.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger('Ingest');
  private readonly extracts = new ExtractRepository();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OWNER_POOL) private readonly pool: Pool,
    @Inject(OWNER_DATA_SOURCE) private readonly owner: DataSource,
    private readonly audit: AuditService,
    private readonly lawfulBases: LawfulBasisService,
    private readonly vault: ContactsVault,
    private readonly producer: JobProducer,
    private readonly clock: Clock,
  ) {}

  /** Every pair in `dir`, population first; one outcome per delivery, in load order. */
  async loadDirectory(dir: string, actor: AuditActor): Promise<IngestOutcome[]> {
    const outcomes: IngestOutcome[] = [];
    for (const pair of await findExtractPairs(dir)) {
      outcomes.push(await this.ingest({ ...pair, source: 'cli', actor }));
    }
    return outcomes;
  }

  async ingest(request: IngestRequest): Promise<IngestOutcome> {
    let manifest: ExtractManifest | null = null;
    try {
      manifest = await this.readManifest(request);
      return await this.load(request, manifest);
    } catch (err) {
      if (!(err instanceof Rejection)) throw err;
      const outcome: IngestOutcome = {
        register: manifest?.register ?? request.name,
        asOf: manifest?.asOf ?? null,
        status: 'REJECTED',
        rows: err.rows,
        quarantined: err.quarantined,
        reason: err.reason,
        warnings: [],
        ...(manifest ? { delivery: manifest.delivery } : {}),
      };
      await this.ownerTransaction(request.actor, (m) => this.recordRejection(m, request, manifest, outcome));
      this.logger.warn({ register: outcome.register, asOf: outcome.asOf, reason: err.reason }, 'extract rejected');
      return outcome;
    }
  }

  private async readManifest(request: IngestRequest): Promise<ExtractManifest> {
    if (request.manifestPath === null) {
      throw new Rejection(`manifest ${request.name}.manifest.json is missing: ${request.name}.csv cannot be checked without it`);
    }
    let manifest: ExtractManifest;
    try {
      manifest = parseManifestJson(await readFile(request.manifestPath, 'utf8'));
    } catch (err) {
      throw asRejection(err);
    }
    if (manifest.register !== request.name) {
      throw new Rejection(`the manifest is for register ${manifest.register} but the files are named ${request.name}`);
    }
    if (request.csvPath === null) {
      throw new Rejection(`file ${request.name}.csv is missing: the manifest has no extract beside it`);
    }
    return manifest;
  }

  private async load(request: IngestRequest, manifest: ExtractManifest): Promise<IngestOutcome> {
    const register = manifest.register;
    const csvPath = request.csvPath as string;
    const purpose = await this.coveringPurpose(manifest);

    const client = await this.pool.connect();
    let discard = false;
    await this.extracts.lockRegister(client, register);
    try {
      const loaded = await this.extracts.findByNaturalKey(client, register, manifest.asOf, manifest.sha256);
      if (loaded && loaded.status !== 'LOADING') {
        const actual = await sha256OfFile(csvPath);
        if (actual === manifest.sha256) return await this.alreadyLoaded(request, manifest, loaded, purpose);
        // The manifest names an extract we hold, but the file beside it is another: a rejection, not a
        // second load (which the natural key would refuse on every retry).
        throw new Rejection(`sha256 does not match the file (manifest ${manifest.sha256}, file ${actual})`);
      }
      const extractId = await this.extracts.startLoading(client, manifest, request.source, request.actor.userId);
      try {
        const outcome = await this.loadInto(client, request, manifest, extractId, csvPath, purpose);
        return outcome.delivery === 'delta' && outcome.status === 'ACCEPTED' ? await this.queueDeltaIdentification(outcome, extractId) : outcome;
      } catch (err) {
        // Whatever went wrong, nothing of the extract may stay visible or half-built.
        const rejection = contractRejection(err);
        discard = await this.dropPartition(client, register, extractId);
        if (rejection) {
          const outcome: IngestOutcome = {
            register,
            asOf: manifest.asOf,
            status: 'REJECTED',
            rows: rejection.rows,
            quarantined: rejection.quarantined,
            reason: rejection.reason,
            extractId,
            warnings: [],
            delivery: manifest.delivery,
          };
          await this.ownerTransaction(request.actor, async (m) => {
            await this.extracts.markRejected(m, extractId, rejection.reason, rejection.quarantined);
            await this.recordRejection(m, request, manifest, outcome);
          });
          this.logger.warn({ register, asOf: manifest.asOf, extractId, reason: rejection.reason }, 'extract rejected');
          return outcome;
        }
        // Unexpected (a lost connection, a bug): leave a LOADING row, which the retry takes over.
        throw err;
      }
    } finally {
      if (discard) {
        client.release(true);
      } else {
        await this.extracts.unlockRegister(client, register).then(
          () => client.release(),
          (err: Error) => client.release(err),
        );
      }
    }
  }

  private async loadInto(client: PoolClient, request: IngestRequest, manifest: ExtractManifest, extractId: number, csvPath: string, purpose: Purpose): Promise<IngestOutcome> {
    const register = manifest.register;
    const declaration = REGISTERS[register];
    const started = Date.now();
    const part = partitionTable(register, extractId);
    this.logger.log({ register, asOf: manifest.asOf, extractId, rows: manifest.rows, delivery: manifest.delivery }, 'extract load started');

    const delta = manifest.delivery === 'delta';
    if (delta) await this.checkDeltaTarget(client, manifest);
    await client.query(createPartitionSql(register, extractId));
    const format = this.copyFormat(register, extractId);
    const copy = new CopyWriter(client, format.sql);
    // Only the valid rows are loaded, so only they can make a repeated person.
    const screen = declaration.onePerPerson ? new RepeatedPersonScreen(manifest.rows) : null;
    const pseudonymIndex = declaration.columns.findIndex((c) => c.type === 'pseudonym');

    const limit = quarantineLimit(manifest.rows, this.config.ingest.maxQuarantineRatio);
    const quarantine: QuarantinedRow[] = [];
    let totals: ExtractTotals;
    try {
      await copy.write(format.header);
      totals = await consumeExtract(readExtract(createReadStream(csvPath, { highWaterMark: READ_CHUNK }), declaration, { maxRecordBytes: this.config.ingest.maxRecordBytes }), async (batch) => {
        // Past the limit the extract is rejected anyway: stop keeping rows that will never be shown.
        for (const row of batch.quarantined) if (quarantine.length <= limit) quarantine.push(row);
        if (screen) for (const row of batch.valid) screen.add(row.values[pseudonymIndex] as string);
        await copy.write(format.chunk(batch.valid));
      });
      await copy.write(format.trailer);
      await copy.end();
    } catch (err) {
      copy.abort(err instanceof Error ? err : new Error(String(err)));
      throw err;
    }

    try {
      checkTotalsAgainstManifest(totals, manifest);
    } catch (err) {
      throw asRejection(err, totals.rows, totals.quarantined);
    }
    const tooMany = (quarantined: number): Rejection =>
      new Rejection(
        `${quarantined} of ${totals.rows} rows quarantined, more than the ${percent(this.config.ingest.maxQuarantineRatio)} allowed (at most ${limit})`,
        totals.rows,
        quarantined,
      );
    if (totals.quarantined > limit) throw tooMany(totals.quarantined);
    // Rows that are all bad say the file is not what the register meant to send, and would replace the
    // register's data with nothing; the share rule lets that through for a small extract (1 bad row of
    // 1 is within its one-row tolerance). A header-only extract stays accepted: a register may honestly
    // have nobody to report (no releases this period).
    if (totals.rows > 0 && totals.quarantined === totals.rows) {
      throw new Rejection(
        `all ${totals.rows} row${totals.rows === 1 ? ' is' : 's are'} quarantined: an extract needs at least one valid row`,
        totals.rows,
        totals.quarantined,
      );
    }

    await client.query(`SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'`);
    await this.extracts.insertQuarantine(client, extractId, quarantine);
    let quarantined = totals.quarantined;
    if (screen?.mayRepeat) {
      quarantined += (await client.query(moveRepeatedPersonsSql(register, extractId))).rowCount ?? 0;
      if (quarantined > limit) throw tooMany(quarantined);
    }
    // A delta's rows go into the full extract's partition (whose indexes take them), never attached as they are.
    if (!delta) for (const sql of await partitionIndexSql(client, register, extractId)) await client.query(sql);
    await client.query(`ANALYZE ${part}`);
    await client.query(`RESET work_mem; RESET maintenance_work_mem`);

    const warnings: string[] = [];
    const otherKeys = (await this.extracts.activeKeyIds(client, register)).filter((k) => k !== manifest.pseudonymKeyId);
    if (otherKeys.length > 0) {
      warnings.push(
        `${register} uses pseudonym key id ${manifest.pseudonymKeyId}, but active extracts use ${otherKeys.join(', ')}: identification refuses to join extracts of different keys`,
      );
    }

    if (delta) {
      const outcome = await this.ownerTransaction(request.actor, (m) => this.applyDelta(m, request, manifest, extractId, totals.rows, quarantined, warnings, purpose));
      this.logger.log(
        { register, asOf: manifest.asOf, extractId, delivery: 'delta', status: outcome.status, rows: totals.rows, quarantined, ms: Date.now() - started },
        'extract load finished',
      );
      return outcome;
    }

    const outcome = await this.ownerTransaction(request.actor, async (m) => {
      const active = await this.extracts.activeForUpdate(m, register);
      // A newer or same-day delivery replaces the active one (and the deltas applied to it); an older one,
      // or one older than a delta already applied (it would take back newer rows), is kept for the record only.
      const latestDelta = active ? await this.extracts.latestDeltaAsOf(m, active.id) : null;
      const activate = active === null || (active.asOf <= manifest.asOf && (latestDelta === null || latestDelta <= manifest.asOf));
      await this.extracts.attach(m, register, extractId);
      const supersededDeltas = activate && active ? await this.extracts.supersede(m, active.id) : [];
      await this.extracts.finishLoading(m, extractId, activate ? 'ACTIVE' : 'NOT_ACTIVATED', quarantined);
      await this.followUp(m, request.actor, { register, extractId, readExtractId: extractId, asOf: manifest.asOf });
      const result: IngestOutcome = {
        register,
        asOf: manifest.asOf,
        status: activate ? 'ACCEPTED' : 'NOT_ACTIVATED',
        rows: totals.rows,
        quarantined,
        extractId,
        warnings,
        delivery: 'full',
      };
      await this.audit.record(m, {
        actor: request.actor.userId,
        role: request.actor.role,
        municipality: null,
        action: 'extract.accepted',
        objectType: 'extract',
        objectId: String(extractId),
        purpose,
        lawfulBasisId: manifest.lawfulBasis,
        details: {
          register,
          asOf: manifest.asOf,
          status: activate ? 'ACTIVE' : 'NOT_ACTIVATED',
          rows: totals.rows,
          loaded: totals.rows - quarantined,
          quarantined,
          sha256: manifest.sha256,
          pseudonymKeyId: manifest.pseudonymKeyId,
          source: request.source,
          supersededExtractId: activate && active ? active.id : null,
          supersededDeltaIds: supersededDeltas,
          activeExtractId: activate ? extractId : (active?.id ?? null),
        },
      });
      return result;
    });
    this.logger.log(
      { register, asOf: manifest.asOf, extractId, status: outcome.status, rows: totals.rows, quarantined, ms: Date.now() - started },
      'extract load finished',
    );
    return outcome;
  }

  /**
   * A delta changes the register's ACTIVE full extract (spec "Delta deliveries"), so it needs one, dated on
   * or before it (and on or after any delta applied to it already, whose rows it would otherwise take
   * back), under the same pseudonym key (its pseudonyms must meet the extract's). Checked before a row is
   * read; the register lock keeps the answer true until the delta is applied.
   */
  private async checkDeltaTarget(client: PoolClient, manifest: ExtractManifest): Promise<void> {
    const register = manifest.register;
    const active = await this.extracts.active(client, register);
    if (!active) {
      throw new Rejection(`a delta delivery changes the ACTIVE full extract of ${register}, and there is none: send a full delivery of ${register} first`);
    }
    if (manifest.asOf < active.asOf) {
      throw new Rejection(`delta asOf ${manifest.asOf} is before the ACTIVE ${register} extract's asOf ${active.asOf}: a delta must be on or after it`);
    }
    const latest = await this.extracts.latestDeltaAsOf(this.owner.manager, active.id);
    if (latest !== null && manifest.asOf < latest) {
      throw new Rejection(`delta asOf ${manifest.asOf} is before ${latest}, the asOf of a delta already applied to the ACTIVE ${register} extract (asOf ${active.asOf}): a delta must not take back newer rows`);
    }
    if (manifest.pseudonymKeyId !== active.pseudonymKeyId) {
      throw new Rejection(
        `delta pseudonym key id ${manifest.pseudonymKeyId} differs from ${active.pseudonymKeyId}, the ACTIVE ${register} extract's: its pseudonyms would not meet the rows it replaces`,
      );
    }
  }

  /** The activation of a delta: its rows replace its persons' rows in the ACTIVE full extract, with the audit entry. */
  private async applyDelta(m: EntityManager, request: IngestRequest, manifest: ExtractManifest, extractId: number, rows: number, quarantined: number, warnings: string[], purpose: Purpose): Promise<IngestOutcome> {
    const register = manifest.register;
    const active = await this.extracts.activeForUpdate(m, register);
    // The register lock has held since checkDeltaTarget; an extract gone meanwhile is a bug, not the delivery's fault.
    if (!active) throw new Error(`the ACTIVE ${register} extract disappeared while the delta ${extractId} was loading`);
    const applied = await this.extracts.applyDelta(m, register, active.id, extractId);
    await this.extracts.finishDelta(m, extractId, active.id, quarantined);
    await this.followUp(m, request.actor, { register, extractId, readExtractId: active.id, asOf: manifest.asOf });
    await this.audit.record(m, {
      actor: request.actor.userId,
      role: request.actor.role,
      municipality: null,
      action: 'extract.accepted',
      objectType: 'extract',
      objectId: String(extractId),
      purpose,
      lawfulBasisId: manifest.lawfulBasis,
      details: {
        register,
        asOf: manifest.asOf,
        delivery: 'delta',
        status: 'APPLIED',
        rows,
        loaded: rows - quarantined,
        quarantined,
        sha256: manifest.sha256,
        pseudonymKeyId: manifest.pseudonymKeyId,
        source: request.source,
        appliedToExtractId: active.id,
        persons: applied.persons,
        rowsReplaced: applied.removed,
        rowsAdded: applied.added,
      },
    });
    return { register, asOf: manifest.asOf, status: 'ACCEPTED', rows, quarantined, extractId, warnings, delivery: 'delta' };
  }

  /**
   * Same-day identification of an accepted delta's persons, as a job named by the delta: however often
   * this is asked (a retried ingest, a second replica), the delta is identified once. D is today in
   * Vilnius, fixed now so that a retry after midnight still runs the day the delta came. Enqueued after
   * the delta committed; if Redis is down the delta stays accepted and the operator is told how to run it.
   */
  private async queueDeltaIdentification(outcome: IngestOutcome, extractId: number): Promise<IngestOutcome> {
    const jobId = deltaJobId(extractId);
    try {
      await this.producer.enqueue(JobName.IDENTIFY_DELTA, { extractId, asOf: vilniusDate(this.clock.now()) }, { jobId });
      return { ...outcome, identificationJobId: jobId };
    } catch (err) {
      if (!isDependencyFailure(err)) throw err;
      this.logger.warn({ extractId, jobId }, 'same-day identification of the delta not queued: Redis unavailable');
      return {
        ...outcome,
        warnings: [...outcome.warnings, `the same-day identification of delta ${extractId} could not be queued (Redis unavailable): run \`tiltas identify --delta ${extractId}\``],
      };
    }
  }

  /**
   * How the valid rows of one extract go into COPY: text for the registers, binary for the sealed
   * contacts (see createContactsCopyFormatter), with what each format needs before and after the rows.
   */
  private copyFormat(register: RegisterCode, extractId: number): CopyFormat {
    const declaration = REGISTERS[register];
    const part = partitionTable(register, extractId);
    if (declaration.identifying) {
      const contacts = createContactsCopyFormatter(declaration, extractId, this.vault.keyId, this.vault.sealer());
      return {
        sql: `COPY ${part} (${contacts.columns.join(', ')}) FROM STDIN WITH (FORMAT binary)`,
        header: contacts.header,
        chunk: (rows) => contacts.chunk(rows),
        trailer: contacts.trailer,
      };
    }
    const text = createCopyFormatter(declaration, extractId);
    return { sql: `COPY ${part} (${text.columns.join(', ')}) FROM STDIN`, header: '', chunk: (rows) => text.chunk(rows), trailer: '' };
  }

  private async coveringPurpose(manifest: ExtractManifest): Promise<Purpose> {
    let first: string[] | null = null;
    for (const purpose of PURPOSES) {
      const coverage = await this.lawfulBases.checkCoverage({ lawfulBasisId: manifest.lawfulBasis, purpose, registers: [manifest.register], date: manifest.asOf });
      if (coverage.ok) return purpose;
      first ??= coverage.problems;
    }
    throw new Rejection(`lawful basis ${manifest.lawfulBasis} does not cover ${manifest.register} at ${manifest.asOf}: ${(first ?? []).join('; ')}`);
  }

  private async alreadyLoaded(request: IngestRequest, manifest: ExtractManifest, loaded: ExtractRow, purpose: Purpose): Promise<IngestOutcome> {
    await this.ownerTransaction(request.actor, (m) =>
      this.audit.record(m, {
        actor: request.actor.userId,
        role: request.actor.role,
        municipality: null,
        action: 'extract.already_loaded',
        objectType: 'extract',
        objectId: String(loaded.id),
        purpose,
        lawfulBasisId: manifest.lawfulBasis,
        details: { register: manifest.register, asOf: manifest.asOf, sha256: manifest.sha256, status: loaded.status, source: request.source, delivery: loaded.delivery },
      }),
    );
    return {
      register: manifest.register,
      asOf: manifest.asOf,
      status: 'ALREADY_LOADED',
      rows: loaded.rows,
      quarantined: loaded.quarantined,
      extractId: loaded.id,
      warnings: [],
      delivery: loaded.delivery,
    };
  }

  private async recordRejection(m: EntityManager, request: IngestRequest, manifest: ExtractManifest | null, outcome: IngestOutcome): Promise<void> {
    await this.audit.record(m, {
      actor: request.actor.userId,
      role: request.actor.role,
      municipality: null,
      action: 'extract.rejected',
      objectType: 'extract',
      objectId: outcome.extractId === undefined ? null : String(outcome.extractId),
      purpose: null,
      lawfulBasisId: manifest?.lawfulBasis.slice(0, 64) ?? null,
      details: {
        register: String(outcome.register).slice(0, 64),
        asOf: outcome.asOf,
        reason: (outcome.reason ?? '').slice(0, 1900),
        rows: outcome.rows,
        quarantined: outcome.quarantined,
        source: request.source,
        delivery: manifest?.delivery ?? null,
      },
    });
  }

  /** Drops the partition if it exists; returns whether the connection should be discarded (a failed COPY). */
  private async dropPartition(client: PoolClient, register: RegisterCode, extractId: number): Promise<boolean> {
    try {
      await client.query(`DROP TABLE IF EXISTS ${partitionTable(register, extractId)}`);
      return false;
    } catch {
      // The connection is in an unknown state (an aborted COPY); a fresh one drops the table.
      const other = await this.pool.connect();
      try {
        await other.query(`DROP TABLE IF EXISTS ${partitionTable(register, extractId)}`);
      } finally {
        other.release();
      }
      return true;
    }
  }

  /**
   * The follow-up facts the accepted delivery reaches (follow-up-facts.ts), in the accepting transaction:
   * the delivery commits with its facts and their audit entry, or neither does. Without a lawful basis
   * for `evaluation` the delivery is still accepted and no register row is read for follow-up.
   */
  private async followUp(m: EntityManager, actor: AuditActor, delivery: FollowUpDelivery): Promise<void> {
    const result = await computeFollowUpFacts(m, delivery, { lawfulBases: this.lawfulBases, audit: this.audit, actor });
    if (result.computed) {
      this.logger.log({ register: delivery.register, extractId: delivery.extractId, asOf: delivery.asOf, facts: result.facts }, 'follow-up facts computed');
    } else if (result.reason === 'no_lawful_basis') {
      this.logger.warn({ register: delivery.register, extractId: delivery.extractId, asOf: delivery.asOf, problems: result.problems }, 'follow-up facts not computed: no lawful basis covers evaluation');
    }
  }

  private async ownerTransaction<T>(actor: AuditActor, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.owner.transaction(async (manager) => {
      await applyScope(manager, { scope: 'national', municipality: null, actor: actor.userId, role: actor.role });
      return work(manager);
    });
  }
}

/**
 * The contract's reasons to reject an extract for good (spec/extracts.md: a bad manifest, checksum or
 * header, too many quarantined rows, no lawful basis): the same delivery would be rejected again. Anything
 * else, a DomainError included (a dependency down, a conflict), is not the delivery's fault, so it is not
 * a rejection: it throws, the job retries, and the LOADING row is taken over by the retry.
 */
const CONTRACT_REJECTIONS: ReadonlySet<ErrorCode> = new Set([ErrorCode.VALIDATION_FAILED, ErrorCode.EXTRACT_REJECTED, ErrorCode.LAWFUL_BASIS_MISSING]);

function contractRejection(err: unknown, rows = 0, quarantined = 0): Rejection | null {
  if (err instanceof Rejection) return err;
  if (isDomainError(err) && CONTRACT_REJECTIONS.has(err.code) && !isDependencyFailure(err)) return new Rejection(oneLine(err.message), rows, quarantined);
  return null;
}

function asRejection(err: unknown, rows = 0, quarantined = 0): Rejection {
  const rejection = contractRejection(err, rows, quarantined);
  if (rejection) return rejection;
  throw err;
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 10_000) / 100}%`;
}

/** SHA-256 of a file, streamed: decides whether a delivery is the very file loaded before. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
