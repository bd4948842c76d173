export * from './job-catalogue';
export * from './job-producer';
export * from './job-handler';
export * from './queue.module';
export * from './redis';
