export * from './app-config';
export * from './config.module';
export * from './preflight';
export * from './redis-client';
