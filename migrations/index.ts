import type { MigrationInterface } from 'typeorm';
import { CreateAppRole1764000000000 } from './1764000000000-CreateAppRole';
import { CreateRegisterTables1764000000100 } from './1764000000100-CreateRegisterTables';
import { CreateJobRuns1764000000200 } from './1764000000200-CreateJobRuns';
import { CreateLawfulBases1764000001000 } from './1764000001000-CreateLawfulBases';
import { CreateAuditLog1764000001100 } from './1764000001100-CreateAuditLog';
import { SealAuditChain1764000001200 } from './1764000001200-SealAuditChain';
import { CreateUsers1764000002000 } from './1764000002000-CreateUsers';
import { CreateCases1764000003000 } from './1764000003000-CreateCases';
import { CreateCriteriaAndRuns1764000005000 } from './1764000005000-CreateCriteriaAndRuns';
import { CreateExtractIngest1764000004000 } from './1764000004000-CreateExtractIngest';
import { CreateOutreach1764000006000 } from './1764000006000-CreateOutreach';
import { CreateMessages1764000007000 } from './1764000007000-CreateMessages';
import { BoundAuditGapCheck1764000008500 } from './1764000008500-BoundAuditGapCheck';
import { AddUploadPurge1764000010000 } from './1764000010000-AddUploadPurge';
import { AddServiceAccounts1764000012000 } from './1764000012000-AddServiceAccounts';
import { CheckAuditDetailNumbers1764000015000 } from './1764000015000-CheckAuditDetailNumbers';
import { TrackRelisting1764000016000 } from './1764000016000-TrackRelisting';
import { AddReferralTracking1764000017000 } from './1764000017000-AddReferralTracking';
import { AddDeltaDeliveries1764000021000 } from './1764000021000-AddDeltaDeliveries';
import { CreateResponseLinks1764000022000 } from './1764000022000-CreateResponseLinks';
import { CreateFollowUpFacts1764000027000 } from './1764000027000-CreateFollowUpFacts';
import { AddMessageDelivery1764000023000 } from './1764000023000-AddMessageDelivery';
import { CreateSavedViews1764000025000 } from './1764000025000-CreateSavedViews';

/** Every migration, in order. Listed by hand: a migration exists when it is reviewed and named here. */
export const MIGRATIONS: Array<new () => MigrationInterface> = [
  CreateAppRole1764000000000,
  CreateRegisterTables1764000000100,
  CreateJobRuns1764000000200,
  CreateLawfulBases1764000001000,
  CreateAuditLog1764000001100,
  SealAuditChain1764000001200,
  CreateUsers1764000002000,
  CreateCases1764000003000,
  CreateExtractIngest1764000004000,
  CreateCriteriaAndRuns1764000005000,
  CreateOutreach1764000006000,
  CreateMessages1764000007000,
  BoundAuditGapCheck1764000008500,
  AddUploadPurge1764000010000,
  AddServiceAccounts1764000012000,
  CheckAuditDetailNumbers1764000015000,
  TrackRelisting1764000016000,
  AddReferralTracking1764000017000,
  AddDeltaDeliveries1764000021000,
  CreateResponseLinks1764000022000,
  CreateFollowUpFacts1764000027000,
  AddMessageDelivery1764000023000,
  CreateSavedViews1764000025000,
];
