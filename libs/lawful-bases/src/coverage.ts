import { isIsoDate } from '@tiltas/common';
import { isRegisterCode } from '@tiltas/contract';
import { ARTICLE10_REGISTERS, ARTICLE9_REGISTERS, LawfulBasisEntry, PURPOSES, Purpose } from './lawful-basis-entry';

export interface CoverageInput {
  readonly lawfulBasisId: string;
  readonly purpose: Purpose;
  readonly registers: readonly string[];
  /** The day the processing happens (an extract's asOf, a run's reference date). */
  readonly date: string;
}

export type CoverageVerdict = { readonly ok: true } | { readonly ok: false; readonly problems: string[] };

/** An entry as the registry holds it: what its file said, and the end date retiring it gave it. */
export interface CoverageBasis extends LawfulBasisEntry {
  readonly retiredValidTo: string | null;
}

/**
 * "May purpose P read registers R on date D under basis B?" Every reason it may not, one per problem,
 * each naming the register or field and the basis, e.g. "`prison` needs an Art. 10 authorisation;
 * LB-2026-01 has none".
 */
export function coverageProblems(basis: CoverageBasis | null, input: CoverageInput): string[] {
  const problems: string[] = [];
  const id = input.lawfulBasisId;
  if (basis === null) return [`no lawful basis ${JSON.stringify(id)} is registered`];
  if (!(PURPOSES as readonly string[]).includes(input.purpose)) {
    problems.push(`\`${String(input.purpose)}\` is not a purpose (${PURPOSES.join(', ')})`);
  } else if (!basis.purposes.includes(input.purpose)) {
    problems.push(`${id} does not allow the purpose \`${input.purpose}\` (it allows ${basis.purposes.map((p) => `\`${p}\``).join(', ')})`);
  }
  if (typeof input.date !== 'string' || !isIsoDate(input.date)) {
    problems.push(`the date ${JSON.stringify(input.date)} is not a date YYYY-MM-DD`);
  } else {
    if (input.date < basis.validFrom) problems.push(`${id} is valid from ${basis.validFrom}, not yet on ${input.date}`);
    const ends = [basis.validTo, basis.retiredValidTo].filter((d): d is string => d !== null).sort();
    if (ends.length > 0 && input.date > ends[0]) {
      problems.push(
        basis.retiredValidTo !== null && basis.retiredValidTo === ends[0]
          ? `${id} was retired after ${ends[0]}; it does not cover ${input.date}`
          : `${id} was valid to ${ends[0]}; it does not cover ${input.date}`,
      );
    }
  }
  if (!Array.isArray(input.registers) || input.registers.length === 0) problems.push('no register was named');
  for (const register of input.registers ?? []) {
    if (!isRegisterCode(register)) {
      problems.push(`\`${register}\` is not a register`);
      continue;
    }
    // A special-category register is also measured against its condition even when it is not listed,
    // so the message says everything a new version of the basis would need.
    if (!basis.registers.includes(register)) problems.push(`\`${register}\` is not among the registers ${id} permits`);
    if (ARTICLE9_REGISTERS.includes(register) && !basis.article9Condition?.trim()) problems.push(`\`${register}\` needs an Art. 9 condition; ${id} has none`);
    if (ARTICLE10_REGISTERS.includes(register) && !basis.article10Authorisation?.trim()) problems.push(`\`${register}\` needs an Art. 10 authorisation; ${id} has none`);
  }
  return problems;
}
