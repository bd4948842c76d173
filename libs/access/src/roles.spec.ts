import { actorScope, roleMunicipalityProblem } from './roles';

describe('roles and municipalities', () => {
  it('requires a municipality of workers and coordinators only', () => {
    expect(roleMunicipalityProblem('WORKER', null)).toMatch(/one municipality/);
    expect(roleMunicipalityProblem('COORDINATOR', null)).toMatch(/one municipality/);
    expect(roleMunicipalityProblem('AUDITOR', null)).toBeNull();
    expect(roleMunicipalityProblem('ADMIN', null)).toBeNull();
    expect(roleMunicipalityProblem('ADMIN', 'LT-19')).toBeNull();
  });

  it('accepts LT-01 to LT-60 and nothing else', () => {
    expect(roleMunicipalityProblem('WORKER', 'LT-01')).toBeNull();
    expect(roleMunicipalityProblem('WORKER', 'LT-60')).toBeNull();
    for (const bad of ['LT-00', 'LT-61', 'LT-7', 'lt-57', 'LV-01']) expect(roleMunicipalityProblem('WORKER', bad)).toMatch(/ISO 3166-2:LT/);
  });


  it('scopes a transaction to the actor: municipal actors to their municipality, national ones to all', () => {
    const worker = { userId: 'u1', username: 'w', role: 'WORKER', municipality: 'LT-57', scope: 'municipal', language: 'lt' } as const;
    expect(actorScope(worker)).toEqual({ scope: 'municipal', municipality: 'LT-57', actor: 'u1', role: 'WORKER' });
    const auditor = { userId: 'u2', username: 'a', role: 'AUDITOR', municipality: null, scope: 'national', language: 'en' } as const;
    expect(actorScope(auditor)).toEqual({ scope: 'national', municipality: null, actor: 'u2', role: 'AUDITOR' });
  });
});
