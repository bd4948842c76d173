import { standardCriterion } from '@tiltas/targeting';
import { formOf, readCriterionForm } from './criterion-form';

describe('the criterion editor form', () => {
  const neet = standardCriterion('neet-youth');

  it('round-trips a standard criterion and applies the edited age band', () => {
    const form = formOf(neet);
    expect(form).toMatchObject({ title: neet.title, ageMin: '16', ageMax: '26', hasAge: true });
    const verdict = readCriterionForm({ ...form, ageMax: '29' });
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.definition.conditions.find((c) => c.kind === 'age')).toEqual({ kind: 'age', min: 16, max: 29 });
    expect(verdict.definition.conditions).toHaveLength(neet.conditions.length);
  });

  it('puts an age-band error beside the age field and a JSON error beside the definition', () => {
    const bad = readCriterionForm({ ...formOf(neet), ageMin: 'sixteen' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(Object.keys(bad.errors)).toEqual(['ageMin']);

    const broken = readCriterionForm({ ...formOf(neet), definition: '{"id": ' });
    expect(broken.ok).toBe(false);
    if (broken.ok) return;
    expect(broken.errors.definition?.[0]).toMatch(/^not valid JSON/);
  });

  it('names the path of an issue deeper in the definition', () => {
    const definition = JSON.parse(formOf(neet).definition) as { conditions: Array<Record<string, unknown>> };
    definition.conditions[2] = { kind: 'notInRegister', register: 'no-such-register' };
    const verdict = readCriterionForm({ ...formOf(neet), definition: JSON.stringify(definition) });
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.errors.definition?.some((m) => m.startsWith('conditions.2'))).toBe(true);
    expect(verdict.errors.ageMin).toBeUndefined();
  });
});
