import { ErrorCode } from '@tiltas/common';
import { StatsActor, addMonths, monthsBetween, resolveStatsRequest, vilniusMonth } from './stats-request';

const NOW = new Date('2026-10-31T22:30:00Z');
const coordinator: StatsActor = { userId: 'c', role: 'COORDINATOR', municipality: 'LT-57', scope: 'municipal' };
const nationalAuditor: StatsActor = { userId: 'a', role: 'AUDITOR', municipality: null, scope: 'national' };
const municipalAdmin: StatsActor = { userId: 'm', role: 'ADMIN', municipality: 'LT-15', scope: 'municipal' };

describe('a statistics request', () => {
  it("defaults to the twelve months up to this one in Vilnius, which is already November at 00:30 on the 1st", () => {
    expect(vilniusMonth(NOW)).toBe('2026-11');
    expect(resolveStatsRequest(coordinator, {}, NOW)).toEqual({ from: '2025-12', to: '2026-11', cohort: null, municipality: 'LT-57' });
  });

  it('counts months across a year end', () => {
    expect(monthsBetween('2025-11', '2026-02')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(addMonths('2026-01', -1)).toBe('2025-12');
  });

  it('holds a coordinator and a municipal administrator to their municipality', () => {
    expect(resolveStatsRequest(coordinator, { municipality: 'LT-57', cohort: 'neet-youth' }, NOW)).toMatchObject({ municipality: 'LT-57', cohort: 'neet-youth' });
    expect(() => resolveStatsRequest(coordinator, { municipality: 'LT-15' }, NOW)).toThrow(expect.objectContaining({ code: ErrorCode.FORBIDDEN }));
    expect(resolveStatsRequest(municipalAdmin, { municipality: 'national' }, NOW).municipality).toBe('LT-15');
  });

  it('lets a national viewer choose one municipality or the whole country', () => {
    expect(resolveStatsRequest(nationalAuditor, { municipality: 'LT-15' }, NOW).municipality).toBe('LT-15');
    expect(resolveStatsRequest(nationalAuditor, { municipality: 'national' }, NOW).municipality).toBeNull();
    expect(resolveStatsRequest(nationalAuditor, {}, NOW).municipality).toBeNull();
  });

  it('refuses a worker', () => {
    expect(() => resolveStatsRequest({ ...coordinator, role: 'WORKER' }, {}, NOW)).toThrow(expect.objectContaining({ code: ErrorCode.FORBIDDEN }));
  });

  it('names every problem of a malformed filter at once', () => {
    expect(() => resolveStatsRequest(nationalAuditor, { from: '2026-13', to: 'soon', cohort: 'Neet Youth', municipality: 'LT-61' }, NOW)).toThrow(
      '`from` must be a month YYYY-MM; `to` must be a month YYYY-MM; `cohort` must be a criterion id such as neet-youth; `municipality` must be a code LT-01…LT-60 or `national`',
    );
    expect(() => resolveStatsRequest(coordinator, { from: '2026-11', to: '2026-10' }, NOW)).toThrow('`from` must not be after `to`');
    expect(() => resolveStatsRequest(coordinator, { from: '2023-01', to: '2026-01' }, NOW)).toThrow('a report covers at most 36 months');
    expect(resolveStatsRequest(coordinator, { from: '2023-02', to: '2026-01' }, NOW).from).toBe('2023-02');
  });
});
