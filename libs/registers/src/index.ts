export * from './register-declarations';
export * from './parsing/csv-parser';
export * from './parsing/extract-reader';
export * from './parsing/copy-text';
export * from './validation/manifest';
export * from './validation/header';
export * from './validation/row-validator';
