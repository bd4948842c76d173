import { Injectable } from '@nestjs/common';
import { AuditActor, AuditService } from '@tiltas/audit';
import { DomainError, ErrorCode, addDays, isIsoDate } from '@tiltas/common';
import { DatabaseService } from '@tiltas/database';
import { EntityManager } from 'typeorm';
import { CoverageInput, CoverageVerdict, coverageProblems } from './coverage';
import { LawfulBasisEntry, canonicalLawfulBasis, differingFields, parseLawfulBasisFile } from './lawful-basis-entry';
import { LawfulBasisRecord, LawfulBasisRepository } from './lawful-basis.repository';

export interface AddLawfulBasisResult {
  /** ADDED: a new entry. UNCHANGED: an identical entry with this id exists; nothing was done. */
  readonly status: 'ADDED' | 'UNCHANGED';
  readonly entry: LawfulBasisRecord;
}

export type CoveringBasisVerdict = { readonly ok: true; readonly lawfulBasisId: string } | { readonly ok: false; readonly problems: string[] };

export interface RetireLawfulBasisResult {
  readonly status: 'RETIRED' | 'UNCHANGED';
  readonly entry: LawfulBasisRecord;
}

/**
 * The lawful-basis registry: entries added from the spec's file format, never edited, retired by date,
 * and the one coverage check that extract acceptance and criterion activation ask.
 */
@Injectable()
export class LawfulBasisService {
  constructor(
    private readonly repository: LawfulBasisRepository,
    private readonly db: DatabaseService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Adds an entry from its file (parsed JSON). A file that breaks the spec's rules is refused with every
   * broken field named (VALIDATION_FAILED); an existing id is refused (CONFLICT, naming the fields that
   * differ) unless the file states the identical entry, which is a no-op that says so (UNCHANGED).
   * Runs in `manager`'s transaction when given, else in its own.
   */
  async add(manager: EntityManager | undefined, file: unknown, actor: AuditActor): Promise<AddLawfulBasisResult> {
    assertNational(actor, 'Registering a lawful basis');
    if (!manager) return this.db.transaction(scopeOf(actor), (m) => this.add(m, file, actor));
    const verdict = parseLawfulBasisFile(file);
    if (!verdict.ok) {
      throw DomainError.validation(`lawful-basis entry refused:\n${verdict.problems.map((p) => `  - ${p}`).join('\n')}`, { problems: verdict.problems });
    }
    const entry = verdict.entry;
    const canonical = canonicalLawfulBasis(entry);
    if (await this.repository.insertNew(manager, entry, canonical, actor.userId)) {
      await this.audit.record(manager, {
        actor: actor.userId,
        role: actor.role,
        municipality: actor.municipality,
        action: 'lawful_basis.added',
        objectType: 'lawful_basis',
        objectId: entry.id,
        lawfulBasisId: entry.id,
        details: { purposes: [...entry.purposes], registers: [...entry.registers], validFrom: entry.validFrom, validTo: entry.validTo, gdprArticle6: entry.gdprArticle6 },
      });
      return { status: 'ADDED', entry: (await this.repository.findById(entry.id, manager))! };
    }
    const existing = (await this.repository.findById(entry.id, manager))!;
    if (existing.canonical === canonical) return { status: 'UNCHANGED', entry: withoutCanonical(existing) };
    const fields = differingFields(existing, entry);
    throw DomainError.conflict(
      `lawful basis ${entry.id} exists already and is never edited; this file differs from it in ${fields.map((f) => `\`${f}\``).join(', ')}. Add the new version under a new id and retire ${entry.id}.`,
      { problems: fields.map((f) => `\`${f}\` differs from the registered entry ${entry.id}`) },
    );
  }

  async find(id: string, manager?: EntityManager): Promise<LawfulBasisRecord | null> {
    const found = await this.repository.findById(id, manager);
    return found ? withoutCanonical(found) : null;
  }

  async get(id: string, manager?: EntityManager): Promise<LawfulBasisRecord> {
    const found = await this.find(id, manager);
    if (!found) throw DomainError.notFound(`lawful basis ${id}`);
    return found;
  }

  async list(manager?: EntityManager): Promise<LawfulBasisRecord[]> {
    return this.repository.findAll(manager);
  }

  /**
   * Retires an entry: `validTo` becomes its last valid day. Retiring only shortens validity (a day
   * before `validFrom` is allowed: the entry then never covered anything); the same date again is a
   * no-op.
   */
  async retire(id: string, validTo: string, actor: AuditActor, manager?: EntityManager): Promise<RetireLawfulBasisResult> {
    assertNational(actor, 'Retiring a lawful basis');
    if (!manager) return this.db.transaction(scopeOf(actor), (m) => this.retire(id, validTo, actor, m));
    if (typeof validTo !== 'string' || !isIsoDate(validTo)) throw DomainError.validation('`validTo` must be a date YYYY-MM-DD');
    const existing = await this.repository.findById(id, manager, { forUpdate: true });
    if (!existing) throw DomainError.notFound(`lawful basis ${id}`);
    if (existing.retiredValidTo === validTo) return { status: 'UNCHANGED', entry: withoutCanonical(existing) };
    if (validTo < addDays(existing.validFrom, -1)) {
      throw DomainError.validation(`lawful basis ${id} is valid from ${existing.validFrom}; retire it at ${addDays(existing.validFrom, -1)} at the earliest`);
    }
    if (existing.effectiveValidTo !== null && validTo > existing.effectiveValidTo) {
      throw DomainError.validation(`lawful basis ${id} already ends on ${existing.effectiveValidTo}; retiring can only bring that date forward`);
    }
    await this.repository.retire(manager, id, validTo, actor.userId);
    await this.audit.record(manager, {
      actor: actor.userId,
      role: actor.role,
      municipality: actor.municipality,
      action: 'lawful_basis.retired',
      objectType: 'lawful_basis',
      objectId: id,
      lawfulBasisId: id,
      details: { validTo, previousValidTo: existing.effectiveValidTo },
    });
    return { status: 'RETIRED', entry: (await this.get(id, manager))! };
  }

  /** "May purpose P read registers R on date D under basis B?": yes, or every reason it may not. */
  async checkCoverage(input: CoverageInput, manager?: EntityManager): Promise<CoverageVerdict> {
    const basis = typeof input.lawfulBasisId === 'string' ? await this.repository.findById(input.lawfulBasisId, manager) : null;
    const problems = coverageProblems(basis, input);
    return problems.length === 0 ? { ok: true } : { ok: false, problems };
  }

  /**
   * "Does any registered basis let purpose P read registers R on date D?" For processing that no single
   * basis is named for in advance (the statistics' follow-up): the first covering entry by id, or, when
   * none covers, every entry's reasons (or that no entry allows the purpose at all).
   */
  async findCovering(input: Omit<CoverageInput, 'lawfulBasisId'>, manager?: EntityManager): Promise<CoveringBasisVerdict> {
    const problems: string[] = [];
    for (const basis of await this.repository.findAll(manager)) {
      if (!basis.purposes.includes(input.purpose)) continue;
      const found = coverageProblems(basis, { ...input, lawfulBasisId: basis.id });
      if (found.length === 0) return { ok: true, lawfulBasisId: basis.id };
      problems.push(...found);
    }
    if (problems.length === 0) problems.push(`no registered lawful basis allows the purpose \`${input.purpose}\``);
    return { ok: false, problems };
  }

  /** As checkCoverage; throws DomainError(LAWFUL_BASIS_MISSING) with every problem in the message. */
  async assertCoverage(input: CoverageInput, manager?: EntityManager): Promise<void> {
    const verdict = await this.checkCoverage(input, manager);
    if (!verdict.ok) {
      throw new DomainError(ErrorCode.LAWFUL_BASIS_MISSING, `lawful basis ${input.lawfulBasisId} does not cover this: ${verdict.problems.join('; ')}`, {
        problems: verdict.problems,
      });
    }
  }
}

function withoutCanonical(record: LawfulBasisRecord & { canonical?: string }): LawfulBasisRecord {
  const { canonical: _canonical, ...rest } = record;
  return rest;
}

/**
 * A lawful basis covers every municipality's processing, so only a national actor (a national
 * administrator, or the operator's CLI) may change the registry; the API's guard says the same earlier.
 */
function assertNational(actor: AuditActor, what: string): void {
  if (actor.scope !== 'national') {
    throw DomainError.forbidden(`${what} is a national matter: only a national administrator may do it (you act for ${actor.municipality ?? 'one municipality'}).`);
  }
}

function scopeOf(actor: AuditActor): { scope: 'national' | 'municipal'; municipality: string | null; actor: string; role: string } {
  return { scope: actor.scope, municipality: actor.municipality, actor: actor.userId, role: actor.role };
}

export type { LawfulBasisEntry };
