export * from './scope';
export * from './database.service';
export * from './database.module';
export * from './migrate';
export * from './owner-data-source';
