import fc from 'fast-check';
import { makePersonalCode, pseudonymFor, validatePersonalCode } from '@tiltas/registers';
import { MUNICIPALITY_CODES } from '@tiltas/registers';
import { isMunicipalityCode } from './municipality';
import { personalCodeProblem, subjectPseudonym } from './personal-code';

// This lib keeps its own copies because @tiltas/registers depends on it; these hold the copies to the originals.
describe('the audit lib copies of the contract', () => {
  it('judges every eleven-digit string exactly as @tiltas/registers does', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{11}$/), (code) => {
        const theirs = validatePersonalCode(code);
        expect(personalCodeProblem(code)).toBe(theirs.ok ? null : theirs.reason);
      }),
      { numRuns: 5000 },
    );
  });

  it('accepts every code @tiltas/registers makes and pseudonymises it the same way', () => {
    const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    fc.assert(
      fc.property(fc.date({ min: new Date('1900-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), fc.constantFrom('M' as const, 'F' as const), fc.integer({ min: 0, max: 999 }), (d, sex, serial) => {
        const code = makePersonalCode(d.toISOString().slice(0, 10), sex, serial);
        expect(personalCodeProblem(code)).toBeNull();
        expect(subjectPseudonym(key, code)).toBe(pseudonymFor(key, code));
      }),
    );
  });

  it('knows the same municipality codes', () => {
    const all = Array.from({ length: 100 }, (_, i) => `LT-${String(i).padStart(2, '0')}`);
    expect(all.filter(isMunicipalityCode)).toEqual([...MUNICIPALITY_CODES]);
  });
});
