export * from './errors';
export * from './clock';
export * from './dates';
export * from './logger';
export * from './clock.module';
export * from './graceful-shutdown';
export * from './small-counts';
