import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { applyScope, OWNER_DATA_SOURCE, SYSTEM_SCOPE } from '@tiltas/database';
import { DataSource } from 'typeorm';
import { CaseRetentionRepository } from './case-retention.repository';

/** Cases deleted in one transaction (and named by one log entry) at most. */
const BATCH = 5_000;

export interface CaseRetentionResult {
  readonly closedBefore: string;
  readonly closedCaseDays: number;
  readonly purged: number;
  readonly byMunicipality: Record<string, number>;
}

/**
 * Retention of case work (DESIGN.md: "retention is code, not policy"): a case closed more than
 * `retention.closedCaseDays` ago is deleted with its whole history: attempts and their notes, referrals,
 * events, contact reveals with their stated purposes, outgoing messages, the why-listed reasons. The
 * application role may not delete cases, so this runs on the owner's connection (worker and CLI only),
 * under the system scope. Each batch commits with its `retention.purged` entry naming the municipality,
 * the count and the outcomes, so a crash halfway leaves every case either whole or deleted and logged,
 * and a second run finds nothing more to do. The entries in the log about those cases stay: the log is
 * the record that the processing, and the purge, happened.
 */
@Injectable()
export class CaseRetentionService {
  private readonly logger = new Logger('CaseRetention');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OWNER_DATA_SOURCE) private readonly owner: DataSource,
    private readonly repository: CaseRetentionRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async purgeClosedCases(): Promise<CaseRetentionResult> {
    const days = this.config.retention.closedCaseDays;
    const closedBefore = new Date(this.clock.now().getTime() - days * 86_400_000);
    const scope = SYSTEM_SCOPE('retention');
    const batches = await this.owner.transaction(async (m) => {
      await applyScope(m, scope);
      return this.repository.purgeable(m, closedBefore, BATCH);
    });
    const byMunicipality: Record<string, number> = {};
    let purged = 0;
    for (const batch of batches) {
      const done = await this.owner.transaction(async (m) => {
        await applyScope(m, scope);
        const gone = await this.repository.delete(m, batch.municipality, batch.caseIds, closedBefore);
        if (gone.count === 0) return 0;
        await this.audit.record(m, {
          actor: scope.actor,
          role: scope.role,
          municipality: batch.municipality,
          action: 'retention.purged',
          objectType: 'cases',
          objectId: `${batch.caseIds[0]}-${batch.caseIds[batch.caseIds.length - 1]}`,
          details: {
            cases: gone.count,
            outcomes: gone.outcomes,
            closedFrom: gone.closedFrom,
            closedTo: gone.closedTo,
            closedBefore: closedBefore.toISOString(),
            closedCaseDays: days,
          },
        });
        return gone.count;
      });
      purged += done;
      if (done > 0) byMunicipality[batch.municipality] = (byMunicipality[batch.municipality] ?? 0) + done;
    }
    this.logger.log({ purged, municipalities: Object.keys(byMunicipality).length, closedCaseDays: days }, 'retention of closed cases finished');
    return { closedBefore: closedBefore.toISOString(), closedCaseDays: days, purged, byMunicipality };
  }
}
