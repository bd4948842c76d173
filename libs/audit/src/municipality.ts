/**
 * ISO 3166-2:LT municipality codes, LT-01…LT-60, the same set as @tiltas/registers' MUNICIPALITY_CODES
 * (which this lib cannot import: registers depends on it). municipality.spec.ts holds the two equal.
 */
const MUNICIPALITY = /^LT-(0[1-9]|[1-5][0-9]|60)$/;

export function isMunicipalityCode(value: unknown): value is string {
  return typeof value === 'string' && MUNICIPALITY.test(value);
}
