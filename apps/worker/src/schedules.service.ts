import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@tiltas/common';
import { JobName, JobPayloads, JobProducer, periodJobId } from '@tiltas/queue';

/**
 * Schedules only enqueue. The job id names the period, so however many worker replicas tick, BullMQ holds
 * one job for it, and the runner's job_run row makes a late duplicate a no-op.
 */
@Injectable()
export class SchedulesService {
  private readonly logger = new Logger('Schedules');

  constructor(
    private readonly producer: JobProducer,
    private readonly clock: Clock,
  ) {}

  async tick<N extends JobName>(name: N, period: string, payload: JobPayloads[N]): Promise<string> {
    const jobId = periodJobId(name, period);
    await this.producer.enqueue(name, payload, { jobId });
    this.logger.log({ job: name, jobId }, 'schedule ticked');
    return jobId;
  }

  today(): string {
    return this.clock.today();
  }
}
