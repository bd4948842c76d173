import { Global, Injectable, Module } from '@nestjs/common';
import { SUBJECT_CASE_IDS, type SubjectCaseIds } from '@tiltas/audit';
import type { EntityManager } from 'typeorm';

/** A person's case ids (every municipality the lookup's scope sees), by the `cases_person` index. */
@Injectable()
export class CaseIdsOfSubject implements SubjectCaseIds {
  async caseIds(m: EntityManager, subject: string): Promise<number[]> {
    const rows: Array<{ id: string }> = await m.query(`SELECT id FROM cases WHERE pseudonym = decode($1, 'hex') ORDER BY id`, [subject]);
    return rows.map((r) => Number(r.id));
  }
}

/**
 * Global so that the audit lib's subject lookup, below outreach, finds the person's cases without
 * importing outreach: wherever case work is composed, the lookup also shows the runs that created them.
 */
@Global()
@Module({
  providers: [{ provide: SUBJECT_CASE_IDS, useClass: CaseIdsOfSubject }],
  exports: [SUBJECT_CASE_IDS],
})
export class SubjectCasesModule {}
