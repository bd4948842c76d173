// The contract's plain vocabulary (codes, personal codes, pseudonyms) lives below in @tiltas/contract; the
// libs above registers read it through this door with the declarations that use it.
export * from '@tiltas/contract';
export * from './register-declarations';
export * from './parsing/csv-parser';
export * from './parsing/extract-reader';
export * from './parsing/copy-text';
export * from './validation/manifest';
export * from './validation/header';
export * from './validation/row-validator';
export * from './ingest/ingest-outcome';
export * from './ingest/extract-pairs';
export * from './ingest/pseudonymise-extract';
export * from './ingest/ingest.service';
export * from './ingest/extracts-query.service';
export * from './ingest/uploads.service';
export * from './ingest/upload-ingest.service';
export * from './ingest/upload-purge.service';
export * from './ingest/upload-storage';
export * from './ingest/retention.service';
export * from './registers.module';
export * from './ingest/follow-up-facts';
