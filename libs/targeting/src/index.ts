export {
  comparisonSchema,
  conditionSchema,
  criterionSchema,
  municipalityRuleSchema,
  parseCriterion,
  priorityRuleSchema,
  registersRead,
  validateCriterion,
  PERIOD_REGISTERS,
  READABLE_REGISTERS,
  type AgeCondition,
  type Comparison,
  type Condition,
  type CriterionDefinition,
  type CriterionIssue,
  type CriterionValidation,
  type EventCondition,
  type MunicipalityRule,
  type PriorityRule,
} from './criterion.schema';
export {
  compileCriterion,
  compileFunnel,
  compilePassed,
  describeCondition,
  readFunnel,
  sqlForReview,
  type CompiledFunnel,
  type FunnelStep,
  type ReviewOptions,
} from './sql/criterion-compiler';
export { bindParams, type CompiledSql, type RunBinding, type SqlParam, type SqlValue } from './sql/sql-params';
export {
  STANDARD_CRITERIA,
  STANDARD_CRITERION_IDS,
  standardCriterion,
  type StandardCriterionId,
} from './standard-criteria';
