import { DomainError, ErrorCode } from '@tiltas/common';
import { REGISTERS } from '../register-declarations';
import { checkHeader } from './header';

const employment = REGISTERS.employment;

function failureOf(header: string[]): DomainError {
  try {
    checkHeader(header, employment);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the header to be refused');
}

describe('checkHeader', () => {
  it('maps columns given in another order to their file positions', () => {
    const mapping = checkHeader(['employed_to', 'employed_from', 'kind', 'employer', 'pseudonym'], employment);
    // Declaration order: pseudonym, employer, kind, employed_from, employed_to.
    expect(mapping.sourceIndex).toEqual([4, 3, 2, 1, 0]);
    expect(mapping.width).toBe(5);
  });

  it('names a missing column', () => {
    const error = failureOf(['pseudonym', 'employer', 'kind', 'employed_from']);
    expect(error.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(error.message).toBe('employment header is wrong: missing "employed_to"');
  });

  it('names an extra column, which data minimisation forbids', () => {
    const error = failureOf(['pseudonym', 'employer', 'kind', 'employed_from', 'employed_to', 'salary']);
    expect(error.message).toBe('employment header is wrong: not in the contract "salary"');
  });

  it('names a duplicated column', () => {
    const error = failureOf(['pseudonym', 'employer', 'kind', 'employed_from', 'employed_to', 'kind']);
    expect(error.message).toBe('employment header is wrong: repeated "kind"');
  });

  it('names every problem at once and treats names as case-sensitive', () => {
    const error = failureOf(['Pseudonym', 'employer', 'employer', 'kind', 'employed_from', 'employed_to']);
    expect(error.message).toBe(
      'employment header is wrong: missing "pseudonym"; not in the contract "Pseudonym"; repeated "employer"',
    );
    expect(error.details).toMatchObject({ missing: ['pseudonym'], extra: ['Pseudonym'], duplicate: ['employer'] });
  });

  it('does not echo register values when the header line is a data row', () => {
    const pseudonym = 'ab'.repeat(32);
    const error = failureOf([pseudonym, 'E1', 'EMPLOYEE', '2026-01-01', '']);
    expect(error.message).not.toContain(pseudonym);
    expect(error.message).not.toContain('2026-01-01');
    expect(error.message).toContain('<column 1, not a column name>');
  });
});
