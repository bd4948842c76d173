import { Injectable, Logger } from '@nestjs/common';
import { isDependencyFailure, isDomainError } from '@tiltas/common';
import { JobHandler, JobName, type JobPayloads } from '@tiltas/queue';
import { systemIdentificationActor } from '../identification-actor';
import { IdentificationService } from './identification.service';

export type IdentifyDeltaJobResult =
  | { readonly runId: number; readonly repeated: boolean; readonly persons: number; readonly created: number; readonly updated: number; readonly lapsed: number }
  | { readonly skipped: string }
  | { readonly refused: string };

export type IdentifyJobResult =
  | { readonly runId: number; readonly repeated: boolean; readonly created: number; readonly updated: number; readonly lapsed: number }
  | { readonly refused: string };

/**
 * The `identify.run` job: the same service the CLI calls. A refusal (no active extract, mixed keys, no
 * lawful basis, nothing active) is an expected end and completes the job with its reason; anything else
 * throws, so BullMQ retries, and the run's transaction left nothing behind.
 * Provided by the worker (not by IdentificationModule) so that exactly one app handles the job.
 */
@Injectable()
export class IdentifyHandler {
  private readonly logger = new Logger('IdentifyJob');

  constructor(private readonly identification: IdentificationService) {}

  @JobHandler(JobName.IDENTIFY)
  async handle(payload: JobPayloads[JobName.IDENTIFY]): Promise<IdentifyJobResult> {
    try {
      const { run, repeated } = await this.identification.run({
        asOf: payload.asOf,
        criteria: payload.criteria,
        trigger: payload.trigger ?? 'schedule',
        // A run started from a page or the API is the starter's, in the log as everywhere else.
        actor: payload.startedBy ?? systemIdentificationActor(JobName.IDENTIFY),
      });
      return { runId: run.id, repeated, created: run.casesCreated, updated: run.casesUpdated, lapsed: run.casesLapsed };
    } catch (err) {
      // A dependency that is down is not a refusal: the same run would succeed once it is back.
      if (isDomainError(err) && !isDependencyFailure(err)) {
        this.logger.warn({ asOf: payload.asOf, code: err.code }, 'identification job ended without a run');
        return { refused: `${err.code}: ${err.message}` };
      }
      throw err;
    }
  }

  /** `identify.delta@<extractId>`: the same-day run of an accepted delta's persons; ends like `identify.run`. */
  @JobHandler(JobName.IDENTIFY_DELTA)
  async handleDelta(payload: JobPayloads[JobName.IDENTIFY_DELTA]): Promise<IdentifyDeltaJobResult> {
    try {
      const outcome = await this.identification.runDelta({
        extractId: payload.extractId,
        asOf: payload.asOf,
        trigger: 'ingest',
        actor: systemIdentificationActor(JobName.IDENTIFY_DELTA),
      });
      if (outcome.kind === 'skipped') return { skipped: outcome.reason };
      const { run } = outcome;
      return { runId: run.id, repeated: outcome.repeated, persons: outcome.persons, created: run.casesCreated, updated: run.casesUpdated, lapsed: run.casesLapsed };
    } catch (err) {
      if (isDomainError(err) && !isDependencyFailure(err)) {
        this.logger.warn({ deltaExtractId: payload.extractId, code: err.code }, 'identification job of a delta ended without a run');
        return { refused: `${err.code}: ${err.message}` };
      }
      throw err;
    }
  }
}
