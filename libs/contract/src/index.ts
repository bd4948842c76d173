export * from './codes';
export * from './personal-code';
export * from './pseudonym';
