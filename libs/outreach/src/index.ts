export { OutreachModule } from './outreach.module';
export { CaseWorkService, caseChange } from './case-work.service';
export type { AttemptInput, AttemptRecorded, AutoAssignment, CaseChange, CloseInput, ClosedCase } from './case-work.service';
export { CaseQueueService } from './case-queue.service';
export type { CaseDetail, CaseSummary, CaseloadBoard, DailyQueue, QueueItem } from './case-queue.service';
export { ReferralsService } from './referrals.service';
export type { CreatedServiceToken, PartnerLink, PartnerReferral, ReferralMove, ReferralWithSteps } from './referrals.service';
export type { ReferralStepView, ReferralView, ServiceFields, ServiceTokenView, ServiceView } from './referrals.repository';
export { ContactRevealService } from './contact-reveal.service';
export type { RevealedContact, RevealVolume } from './contact-reveal.service';
export type { RevealVolumeRow } from './reveals.repository';
export type { AttemptView, EventView, ReasonView, WorkerLoad } from './cases.repository';
export {
  ATTEMPT_RESULTS,
  CASE_STATUSES as OUTREACH_CASE_STATUSES,
  CHANNELS,
  OUTCOMES,
  REFERRAL_NEXT,
  REFERRAL_STATUSES,
  REFERRAL_VIAS,
  REJECT_REASONS,
  SERVICE_KINDS,
  WRONG_REGISTERS,
  WRONG_REGISTER_NONE,
  ageBand,
} from './case-codes';
export type { AttemptResult, CaseStatus, Channel, Outcome, ReferralStatus, ReferralVia, RejectReason, ServiceKind, WrongRegister } from './case-codes';
export { closeProblem, referralStepProblem, stepProblem } from './case-rules';
export type { CaseStep, CloseFacts } from './case-rules';
export { outreachScope, systemOutreachActor } from './outreach-actor';
export type { OutreachActor } from './outreach-actor';
export { CaseRetentionModule } from './case-retention.module';
export { CaseRetentionService } from './case-retention.service';
export type { CaseRetentionResult } from './case-retention.service';
export { OutcomeImportService, checkFile as checkOutcomesFile } from './outcome-import/outcome-import.service';
export type { OutcomeImportDone, OutcomeImportRefused, OutcomeImportResult } from './outcome-import/outcome-import.service';
export { OUTCOME_COLUMNS, checkRow as checkOutcomeRow, readHeader as readOutcomesHeader, vilniusDate } from './outcome-import/outcome-rows';
export type { OutcomeRow } from './outcome-import/outcome-rows';
