import { DomainError, ErrorCode, dependencyUnavailable } from '@tiltas/common';
import { IdentifyHandler } from './identify.handler';
import type { IdentificationService } from './identification.service';

function handlerFailingWith(error: unknown): IdentifyHandler {
  const service = { run: () => Promise.reject(error) } as unknown as IdentificationService;
  return new IdentifyHandler(service);
}

describe('the identify.run job when the run fails', () => {
  it('ends the job with the reason for a refusal the same job would meet again', async () => {
    const refused = await handlerFailingWith(DomainError.validation('no ACTIVE population extract')).handle({ asOf: '2026-10-01' });
    expect(refused).toEqual({ refused: 'VALIDATION_FAILED: no ACTIVE population extract' });
  });

  it('throws, so BullMQ retries, when a dependency is down, as a DomainError or as the driver says it', async () => {
    await expect(handlerFailingWith(dependencyUnavailable('PostgreSQL')).handle({ asOf: '2026-10-01' })).rejects.toMatchObject({ code: ErrorCode.DEPENDENCY_UNAVAILABLE });
    const terminated = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    await expect(handlerFailingWith(terminated).handle({ asOf: '2026-10-01' })).rejects.toBe(terminated);
  });
});
