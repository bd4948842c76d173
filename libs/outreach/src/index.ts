export { OutreachModule } from './outreach.module';
export { CaseWorkService, caseChange } from './case-work.service';
export type { AttemptInput, AttemptRecorded, AutoAssignment, CaseChange, CloseInput, ClosedCase } from './case-work.service';
export { CaseQueueService } from './case-queue.service';
export type { CaseDetail, CaseSummary, CaseloadBoard, DailyQueue, QueueItem } from './case-queue.service';
export { ReferralsService } from './referrals.service';
export type { CreatedServiceToken, PartnerLink, PartnerReferral, ReferralMove, ReferralWithSteps } from './referrals.service';
export type { ReferralStepView, ReferralView, ServiceFields, ServiceTokenView, ServiceView } from './referrals.repository';
export { ContactRevealService, LETTER_REVEAL_PURPOSE } from './contact-reveal.service';
export { ResponseLinksService, RESPONSE_LINK_ACTOR } from './response-links/response-links.service';
export type { IssuedLink, LinkState, ResponseField, ResponseInput } from './response-links/response-links.service';
export type { CaseResponseView, LinkKind, LinkLanguage } from './response-links/response-links.repository';
export { normaliseToken as normaliseResponseToken } from './response-links/response-link-token';
export type { RevealedContact, RevealVolume } from './contact-reveal.service';
export type { RevealVolumeRow } from './reveals.repository';
export type { AttemptView, EventView, ReasonView, WorkerLoad } from './cases.repository';
export {
  ATTEMPT_RESULTS,
  CASE_STATUSES as OUTREACH_CASE_STATUSES,
  CALLBACK_TIMES,
  CHANNELS,
  OUTCOMES,
  RESPONSE_ANSWERS,
  RESPONSE_LINK_CHANNEL,
  REFERRAL_NEXT,
  REFERRAL_STATUSES,
  REFERRAL_VIAS,
  REJECT_REASONS,
  SERVICE_KINDS,
  WRONG_REGISTERS,
  WRONG_REGISTER_NONE,
  ageBand,
} from './case-codes';
export type { AttemptResult, CallbackTime, CaseStatus, Channel, ResponseAnswer, Outcome, ReferralStatus, ReferralVia, RejectReason, ServiceKind, WrongRegister } from './case-codes';
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
export { WorkListsService, BULK_ACTIONS, BULK_MAX } from './work-lists/work-lists.service';
export type { BulkAction, BulkOutcome, BulkPreview, BulkPreviewRow, WorkListResult } from './work-lists/work-lists.service';
export { WORK_LIST_PAGES, WORK_LIST_SORTS, checkWorkListFilter, filterQuery, parsePageNumber, parseWorkListFilter, workListFilterSchema } from './work-lists/work-list-filter';
export type { WorkListFilter, WorkListPage, WorkListSort } from './work-lists/work-list-filter';
