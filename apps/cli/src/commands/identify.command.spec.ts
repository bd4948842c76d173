import { suppressionLine } from './identify.command';

describe("identify's line of people held back", () => {
  it('names each outcome that held someone back, in order, and the people listed for fewer cohorts', () => {
    expect(suppressionLine({ UNREACHABLE: 2, DECLINED: 5, OPTED_OUT: 0 }, 3)).toBe('suppressed: DECLINED=5 UNREACHABLE=2; 3 listed for fewer cohorts (NOT_ELIGIBLE holds the others)');
  });

  it('says so when nobody was held back', () => {
    expect(suppressionLine({}, 0)).toBe('suppressed: nobody');
  });
});
