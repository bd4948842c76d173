import { Injectable, Logger } from '@nestjs/common';
import { Clock, DomainError, ErrorCode } from '@tiltas/common';
import { AuditService } from '@tiltas/audit';
import { DatabaseService } from '@tiltas/database';
import { LawfulBasisService } from '@tiltas/lawful-bases';
import { MUNICIPALITY_CODES } from '@tiltas/registers';
import {
  STANDARD_CRITERIA,
  parseCriterion,
  registersRead,
  sqlForReview,
  type CriterionDefinition,
} from '@tiltas/targeting';
import type { EntityManager } from 'typeorm';
import { IdentificationActor, scopeOf } from '../identification-actor';
import { CriteriaRepository, CriterionVersionRow } from './criteria.repository';

export interface CriterionVersionView extends CriterionVersionRow {
  readonly definition: CriterionDefinition;
}

export interface CriterionDetail {
  readonly id: string;
  readonly municipality: string | null;
  readonly basedOn: string | null;
  readonly active: CriterionVersionView | null;
  readonly draft: CriterionVersionView | null;
  /** Every version, oldest first. */
  readonly versions: readonly CriterionVersionView[];
}

export interface ActivationResult {
  readonly criterionId: string;
  readonly version: number;
  readonly lawfulBasisId: string;
  readonly retiredVersion: number | null;
}

const SEED_ACTOR = 'system:criteria.seed';

function view(row: CriterionVersionRow): CriterionVersionView {
  return { ...row, definition: parseCriterion(row.definition) };
}

/**
 * Criteria as versioned data: editing writes the one draft, activation (with a lawful basis that covers
 * the criterion's purpose and every register it reads) makes it live and retires the one before. The five
 * standard cohorts are seeded as national drafts, on demand and idempotently.
 */
@Injectable()
export class CriteriaService {
  private readonly logger = new Logger('Criteria');
  private seeded = false;

  constructor(
    private readonly db: DatabaseService,
    private readonly repository: CriteriaRepository,
    private readonly lawfulBases: LawfulBasisService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Adds any standard cohort that is missing, as a national DRAFT v1; returns the ids it added. */
  async seedStandard(): Promise<string[]> {
    const added = await this.db.transaction(
      { scope: 'national', municipality: null, actor: SEED_ACTOR, role: 'SYSTEM' },
      async (m) => {
        const ids: string[] = [];
        for (const def of STANDARD_CRITERIA) {
          if (await this.repository.addIfMissing(m, { id: def.id, municipality: null, basedOn: null }, def, SEED_ACTOR)) ids.push(def.id);
        }
        if (ids.length > 0) {
          await this.audit.record(m, {
            actor: SEED_ACTOR,
            role: 'SYSTEM',
            municipality: null,
            action: 'criterion.seeded',
            objectType: 'criterion',
            details: { criteria: ids, status: 'DRAFT', version: 1 },
          });
        }
        return ids;
      },
    );
    this.seeded = true;
    if (added.length > 0) this.logger.log({ added }, 'standard criteria seeded as drafts');
    return added;
  }

  private async ensureSeeded(): Promise<void> {
    if (!this.seeded) await this.seedStandard();
  }

  /** Current versions (ACTIVE and DRAFT) a viewer may see: national ones and their own municipality's. */
  async list(viewer: IdentificationActor): Promise<CriterionVersionView[]> {
    await this.ensureSeeded();
    const rows = await this.db.transaction(scopeOf(viewer), (m) =>
      this.repository.current(m, viewer.scope === 'national' ? undefined : viewer.municipality),
    );
    return rows.map(view);
  }

  async show(id: string, viewer: IdentificationActor): Promise<CriterionDetail> {
    await this.ensureSeeded();
    return this.db.transaction(scopeOf(viewer), async (m) => {
      const criterion = await this.visible(m, id, viewer);
      const versions = (await this.repository.history(m, id)).map(view);
      return {
        ...criterion,
        active: versions.find((v) => v.status === 'ACTIVE') ?? null,
        draft: versions.find((v) => v.status === 'DRAFT') ?? null,
        versions,
      };
    });
  }

  /** One version: the given one, else the ACTIVE one, else the DRAFT. */
  async version(id: string, viewer: IdentificationActor, version?: number): Promise<CriterionVersionView> {
    const detail = await this.show(id, viewer);
    const found = version === undefined ? (detail.active ?? detail.draft) : detail.versions.find((v) => v.version === version);
    if (!found) throw DomainError.notFound(`criterion ${id}${version === undefined ? '' : ` version ${version}`}`);
    return found;
  }

  /** The run query as a reviewer reads and runs it by hand (psql -v as_of=YYYY-MM-DD). */
  async reviewSql(id: string, viewer: IdentificationActor, options: { version?: number; asOf?: string } = {}): Promise<string> {
    const v = await this.version(id, viewer, options.version);
    return `-- version ${v.version} (${v.status}${v.lawfulBasisId ? `, lawful basis ${v.lawfulBasisId}` : ''})\n${sqlForReview(v.definition, { asOf: options.asOf })}`;
  }

  /** Editing makes (or rewrites) the draft; the active version stays live until the draft is activated. */
  async saveDraft(id: string, input: unknown, actor: IdentificationActor): Promise<CriterionVersionView> {
    await this.ensureSeeded();
    const definition = parseCriterion(input);
    if (definition.id !== id) throw DomainError.validation(`the definition's id (${definition.id}) must be the criterion's id (${id})`);
    return this.db.transaction(scopeOf(actor), async (m) => {
      const criterion = await this.visible(m, id, actor, true);
      this.assertMayChange(criterion, actor);
      checkScope(criterion.municipality, definition);
      const version = await this.repository.saveDraft(m, id, definition, actor.userId);
      await this.audit.record(m, {
        actor: actor.userId,
        role: actor.role,
        municipality: criterion.municipality,
        action: 'criterion.draft_saved',
        objectType: 'criterion',
        objectId: id,
        purpose: definition.purpose,
        details: { version, registers: registersRead(definition) },
      });
      return view((await this.repository.version(m, id, version))!);
    });
  }

  /**
   * A municipality's tuned copy of a national criterion, for its own residents only: a new criterion
   * `newId` whose first draft is the national definition (active, else draft) scoped to the municipality.
   * Once active it replaces the national criterion for that municipality's cases.
   */
  async copyForMunicipality(basedOn: string, municipality: string, newId: string, actor: IdentificationActor): Promise<CriterionVersionView> {
    await this.ensureSeeded();
    if (!MUNICIPALITY_CODES.includes(municipality)) throw DomainError.validation(`${municipality} is not a municipality code (LT-01…LT-60)`);
    if (actor.scope !== 'national' && actor.municipality !== municipality) {
      throw DomainError.forbidden(`you act for ${actor.municipality ?? 'no municipality'}, not ${municipality}`);
    }
    return this.db.transaction(scopeOf(actor), async (m) => {
      const base = await this.repository.criterion(m, basedOn);
      if (!base) throw DomainError.notFound(`criterion ${basedOn}`);
      if (base.municipality !== null) throw DomainError.validation(`${basedOn} is itself a municipality's copy: copy the national criterion ${base.basedOn}`);
      const existing = await this.repository.copyOf(m, basedOn, municipality);
      if (existing) throw DomainError.conflict(`${municipality} already has its copy of ${basedOn}: ${existing.id}`);
      const source = (await this.repository.withStatus(m, basedOn, 'ACTIVE')) ?? (await this.repository.withStatus(m, basedOn, 'DRAFT'));
      const definition = parseCriterion({ ...parseCriterion(source!.definition), id: newId, scope: [municipality] });
      const added = await this.repository.addIfMissing(m, { id: newId, municipality, basedOn }, definition, actor.userId);
      if (!added) throw DomainError.conflict(`criterion ${newId} exists already`);
      await this.audit.record(m, {
        actor: actor.userId,
        role: actor.role,
        municipality,
        action: 'criterion.copied',
        objectType: 'criterion',
        objectId: newId,
        purpose: definition.purpose,
        details: { basedOn, version: 1 },
      });
      return view((await this.repository.version(m, newId, 1))!);
    });
  }

  /**
   * Makes the draft (or the given draft version) ACTIVE under a lawful basis that covers the criterion's
   * purpose and every register it reads today, Art. 9 and Art. 10 included; otherwise refuses, naming what
   * is missing. The previous ACTIVE version is retired, never deleted.
   */
  async activate(id: string, lawfulBasisId: string, actor: IdentificationActor, options: { version?: number } = {}): Promise<ActivationResult> {
    await this.ensureSeeded();
    return this.db.transaction(scopeOf(actor), async (m) => {
      const criterion = await this.visible(m, id, actor, true);
      this.assertMayActivate(criterion, actor);
      const draft = options.version === undefined
        ? await this.repository.withStatus(m, id, 'DRAFT')
        : await this.repository.version(m, id, options.version);
      if (!draft) throw DomainError.conflict(`criterion ${id} has no draft to activate: edit it first`);
      if (draft.status !== 'DRAFT') throw DomainError.conflict(`criterion ${id} version ${draft.version} is ${draft.status}, not a draft`);
      const definition = parseCriterion(draft.definition);
      const registers = registersRead(definition);
      const date = this.clock.today();
      const coverage = await this.lawfulBases.checkCoverage({ lawfulBasisId, purpose: definition.purpose, registers, date }, m);
      if (!coverage.ok) {
        await this.audit.record(m, {
          actor: actor.userId,
          role: actor.role,
          municipality: criterion.municipality,
          action: 'criterion.activation_refused',
          objectType: 'criterion',
          objectId: id,
          purpose: definition.purpose,
          lawfulBasisId: null,
          details: { version: draft.version, lawfulBasis: lawfulBasisId, missing: coverage.problems.slice(0, 50), date },
        });
        // The refusal is logged, and the log entry must survive the refusal: commit, then refuse.
        return { kind: 'refused' as const, refused: `criterion ${id} v${draft.version} cannot be activated under ${lawfulBasisId} on ${date}: ${coverage.problems.join('; ')}` };
      }
      const retiredVersion = await this.repository.activate(m, id, draft.version, lawfulBasisId, actor.userId);
      await this.audit.record(m, {
        actor: actor.userId,
        role: actor.role,
        municipality: criterion.municipality,
        action: 'criterion.activated',
        objectType: 'criterion',
        objectId: id,
        purpose: definition.purpose,
        lawfulBasisId,
        details: { version: draft.version, retiredVersion, registers },
      });
      this.logger.log({ criterion: id, version: draft.version, lawfulBasisId }, 'criterion activated');
      return { kind: 'activated' as const, criterionId: id, version: draft.version, lawfulBasisId, retiredVersion };
    }).then((result): ActivationResult => {
      if (result.kind === 'refused') throw new DomainError(ErrorCode.LAWFUL_BASIS_MISSING, result.refused);
      const { kind: _kind, ...activated } = result;
      return activated;
    });
  }

  /** A municipal viewer sees national criteria and their own municipality's; anything else does not exist for them. */
  private async visible(m: EntityManager, id: string, viewer: IdentificationActor, lock = false) {
    const criterion = await this.repository.criterion(m, id, lock);
    if (!criterion || (viewer.scope !== 'national' && criterion.municipality !== null && criterion.municipality !== viewer.municipality)) {
      throw DomainError.notFound(`criterion ${id}`);
    }
    return criterion;
  }

  /** National criteria are edited nationally; a municipality's copy by that municipality (or nationally). */
  private assertMayChange(criterion: { id: string; municipality: string | null }, actor: IdentificationActor): void {
    if (actor.scope === 'national') return;
    if (criterion.municipality === null) {
      throw DomainError.forbidden(`${criterion.id} is a national criterion: make your municipality's copy to tune it`);
    }
  }

  /**
   * Admins and coordinators activate (the route's roles); a municipal coordinator may activate the national
   * defaults (the issue: "drafts that an admin or coordinator activates") and their own copies.
   */
  private assertMayActivate(criterion: { id: string; municipality: string | null }, actor: IdentificationActor): void {
    if (actor.scope === 'national' || criterion.municipality === null) return;
    if (criterion.municipality !== actor.municipality) throw DomainError.notFound(`criterion ${criterion.id}`);
  }
}

/** A municipality's copy is for its own residents only: its scope must be exactly that municipality. */
function checkScope(municipality: string | null, definition: CriterionDefinition): void {
  if (municipality === null) return;
  if (!definition.scope || definition.scope.length !== 1 || definition.scope[0] !== municipality) {
    throw DomainError.validation(`a criterion of ${municipality} must have "scope": ["${municipality}"]: it finds that municipality's cases only`);
  }
}
