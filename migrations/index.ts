import type { MigrationInterface } from 'typeorm';
import { CreateAppRole1764000000000 } from './1764000000000-CreateAppRole';
import { CreateRegisterTables1764000000100 } from './1764000000100-CreateRegisterTables';
import { CreateJobRuns1764000000200 } from './1764000000200-CreateJobRuns';

/** Every migration, in order. Listed by hand: a migration exists when it is reviewed and named here. */
export const MIGRATIONS: Array<new () => MigrationInterface> = [
  CreateAppRole1764000000000,
  CreateRegisterTables1764000000100,
  CreateJobRuns1764000000200,
];
