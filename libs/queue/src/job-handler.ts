import { SetMetadata } from '@nestjs/common';
import { JobName } from './job-catalogue';

export const JOB_HANDLER = 'tiltas:job-handler';

/**
 * Marks a provider method as the handler of a job. Expected failures should return a result that says
 * why (the job completes, nothing retries); unexpected ones throw, so BullMQ retries with backoff.
 */
export const JobHandler = (name: JobName): MethodDecorator => SetMetadata(JOB_HANDLER, name);
