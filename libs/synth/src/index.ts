export {
  generateNation,
  personalCodeOf,
  edgeCasesOf,
  demoPseudonymKey,
  defaultKeyId,
  demoLawfulBasis,
  DEFAULT_LAWFUL_BASIS_ID,
  DEMO_KEY_NOTE,
} from './nation-generator';
export type {
  GenerateNationOptions,
  NationIdentity,
  NationSummary,
  RegisterFileSummary,
  EdgeCaseEntry,
} from './nation-generator';
