import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@tiltas/database';
import { EntityManager } from 'typeorm';
import { GdprArticle6Point, LawfulBasisEntry, Purpose } from './lawful-basis-entry';

/** An entry as the registry holds it. */
export interface LawfulBasisRecord extends LawfulBasisEntry {
  readonly addedBy: string;
  readonly addedAt: string;
  /** The last valid day retiring it set, or null while not retired. */
  readonly retiredValidTo: string | null;
  readonly retiredBy: string | null;
  readonly retiredAt: string | null;
  /** The earlier of `validTo` and `retiredValidTo`: the last day it covers (null: open-ended). */
  readonly effectiveValidTo: string | null;
}

const COLUMNS = `id, title, legal_reference, gdpr_article6, purposes, registers, valid_from::text AS valid_from, valid_to::text AS valid_to,
  article9_condition, article10_authorisation, canonical, added_by, to_char(added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS added_at,
  retired_valid_to::text AS retired_valid_to, retired_by, to_char(retired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS retired_at`;

interface Row {
  id: string;
  title: string;
  legal_reference: string;
  gdpr_article6: string;
  purposes: string[];
  registers: string[];
  valid_from: string;
  valid_to: string | null;
  article9_condition: string | null;
  article10_authorisation: string | null;
  canonical: string;
  added_by: string;
  added_at: string;
  retired_valid_to: string | null;
  retired_by: string | null;
  retired_at: string | null;
}

function toRecord(r: Row): LawfulBasisRecord & { canonical: string } {
  const ends = [r.valid_to, r.retired_valid_to].filter((d): d is string => d !== null).sort();
  return {
    id: r.id,
    title: r.title,
    legalReference: r.legal_reference,
    gdprArticle6: r.gdpr_article6 as GdprArticle6Point,
    purposes: r.purposes as Purpose[],
    registers: r.registers,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    article9Condition: r.article9_condition,
    article10Authorisation: r.article10_authorisation,
    addedBy: r.added_by,
    addedAt: r.added_at,
    retiredValidTo: r.retired_valid_to,
    retiredBy: r.retired_by,
    retiredAt: r.retired_at,
    effectiveValidTo: ends[0] ?? null,
    canonical: r.canonical,
  };
}

@Injectable()
export class LawfulBasisRepository {
  constructor(private readonly db: DatabaseService) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.db.dataSource.manager;
  }

  /** Inserts unless the id exists; returns whether it did. */
  async insertNew(manager: EntityManager, entry: LawfulBasisEntry, canonical: string, addedBy: string): Promise<boolean> {
    const rows = (await manager.query(
      `INSERT INTO lawful_basis (id, title, legal_reference, gdpr_article6, purposes, registers, valid_from, valid_to,
         article9_condition, article10_authorisation, canonical, added_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        entry.id,
        entry.title,
        entry.legalReference,
        entry.gdprArticle6,
        entry.purposes,
        entry.registers,
        entry.validFrom,
        entry.validTo,
        entry.article9Condition,
        entry.article10Authorisation,
        canonical,
        addedBy,
      ],
    )) as unknown[];
    return rows.length === 1;
  }

  async findById(id: string, manager?: EntityManager, options: { forUpdate?: boolean } = {}): Promise<(LawfulBasisRecord & { canonical: string }) | null> {
    const rows = (await this.m(manager).query(`SELECT ${COLUMNS} FROM lawful_basis WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [id])) as Row[];
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async findAll(manager?: EntityManager): Promise<LawfulBasisRecord[]> {
    const rows = (await this.m(manager).query(`SELECT ${COLUMNS} FROM lawful_basis ORDER BY id`)) as Row[];
    return rows.map((r) => {
      const { canonical: _canonical, ...record } = toRecord(r);
      return record;
    });
  }

  async retire(manager: EntityManager, id: string, validTo: string, retiredBy: string): Promise<void> {
    await manager.query(`UPDATE lawful_basis SET retired_valid_to = $2, retired_by = $3, retired_at = now() WHERE id = $1`, [id, validTo, retiredBy]);
  }
}
