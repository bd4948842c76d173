import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { applyScope, OWNER_DATA_SOURCE, SYSTEM_SCOPE } from '@tiltas/database';
import { DataSource } from 'typeorm';
import { ExtractRepository } from './extract.repository';

export interface PurgedExtract {
  readonly id: number;
  readonly register: string;
  readonly asOf: string;
}

/**
 * Retention of register data: an extract superseded more than `retention.supersededExtractDays` ago has
 * served its purpose (identification reads only ACTIVE extracts), so its partition is detached and
 * dropped and the extract marked PURGED. Each purge commits with its `retention.purged` audit entry, one
 * extract at a time, so a crash halfway leaves every extract either whole or purged and logged. Safe to
 * run twice: a purged extract is no longer SUPERSEDED.
 */
@Injectable()
export class RetentionService {
  private readonly logger = new Logger('Retention');
  private readonly extracts = new ExtractRepository();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OWNER_DATA_SOURCE) private readonly owner: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async purgeSupersededExtracts(): Promise<PurgedExtract[]> {
    const days = this.config.retention.supersededExtractDays;
    const candidates = await this.extracts.purgeable(this.owner.manager, days, this.clock.now());
    const purged: PurgedExtract[] = [];
    const scope = SYSTEM_SCOPE('retention');
    for (const extract of candidates) {
      const done = await this.owner.transaction(async (m) => {
        await applyScope(m, scope);
        if (!(await this.extracts.purge(m, extract))) return false;
        await this.audit.record(m, {
          actor: scope.actor,
          role: scope.role,
          municipality: null,
          action: 'retention.purged',
          objectType: 'extract',
          objectId: String(extract.id),
          lawfulBasisId: extract.lawfulBasisId,
          details: { register: extract.register, asOf: extract.asOf, rows: extract.rows, supersededExtractDays: days },
        });
        return true;
      });
      if (done) purged.push({ id: extract.id, register: extract.register, asOf: extract.asOf });
    }
    this.logger.log({ purged: purged.length, supersededExtractDays: days }, 'retention of superseded extracts finished');
    return purged;
  }
}
