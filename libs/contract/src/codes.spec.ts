import { isMunicipalityCode, isRegisterCode, MUNICIPALITY_CODES, REGISTER_CODES } from './codes';

describe('the contract codes', () => {
  it('are the sixty municipalities LT-01…LT-60, and nothing near them', () => {
    expect(MUNICIPALITY_CODES).toHaveLength(60);
    expect(MUNICIPALITY_CODES[0]).toBe('LT-01');
    expect(MUNICIPALITY_CODES[59]).toBe('LT-60');
    const candidates = ['LT-00', 'LT-61', 'LT-1', 'lt-01', 'LT-001', ' LT-01', 'LT-01 ', 'EE-01', '', null, 57];
    expect(candidates.filter(isMunicipalityCode)).toEqual([]);
    expect(MUNICIPALITY_CODES.every(isMunicipalityCode)).toBe(true);
    // The pattern the migrations' CHECK constraints use admits exactly the same set.
    const all = Array.from({ length: 100 }, (_, i) => `LT-${String(i).padStart(2, '0')}`);
    expect(all.filter((c) => /^LT-(0[1-9]|[1-5][0-9]|60)$/.test(c))).toEqual([...MUNICIPALITY_CODES]);
  });

  it('are the eleven registers of the contract, case-sensitive', () => {
    expect(REGISTER_CODES).toHaveLength(11);
    expect(isRegisterCode('social_services')).toBe(true);
    expect(isRegisterCode('Population')).toBe(false);
    expect(isRegisterCode('tax')).toBe(false);
  });
});
