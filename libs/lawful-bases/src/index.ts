export {
  ARTICLE10_REGISTERS,
  ARTICLE9_REGISTERS,
  GDPR_ARTICLE6_POINTS,
  LAWFUL_BASIS_FIELDS,
  PURPOSES,
  canonicalLawfulBasis,
  parseLawfulBasisFile,
} from './lawful-basis-entry';
export type { GdprArticle6Point, LawfulBasisEntry, LawfulBasisFileVerdict, Purpose } from './lawful-basis-entry';
export { coverageProblems } from './coverage';
export type { CoverageBasis, CoverageInput, CoverageVerdict } from './coverage';
export type { LawfulBasisRecord } from './lawful-basis.repository';
export { LawfulBasisService } from './lawful-basis.service';
export type { AddLawfulBasisResult, CoveringBasisVerdict, RetireLawfulBasisResult } from './lawful-basis.service';
export { LawfulBasesModule } from './lawful-bases.module';
