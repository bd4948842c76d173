import { Injectable, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { ALL_JOB_NAMES, JobHandler, JobName } from '@tiltas/queue';
import { JobHandlerRegistry } from '../../apps/worker/src/job-handler-registry';

@Injectable()
class FirstPingHandler {
  @JobHandler(JobName.PING)
  async handle(): Promise<void> {}
}

@Injectable()
class SecondPingHandler {
  @JobHandler(JobName.PING)
  async handle(): Promise<void> {}
}

async function boot(providers: Array<new (...args: never[]) => unknown>): Promise<void> {
  @Module({ imports: [DiscoveryModule], providers: [JobHandlerRegistry, ...providers] })
  class M {}
  const ref = await Test.createTestingModule({ imports: [M] }).compile();
  await ref.init();
  await ref.close();
}

describe('the worker job catalogue', () => {
  it('refuses to start when a job has no handler', async () => {
    await expect(boot([])).rejects.toThrow(`job ${ALL_JOB_NAMES[0]} has no handler`);
  });

  it('refuses to start when a job has two handlers', async () => {
    await expect(boot([FirstPingHandler, SecondPingHandler])).rejects.toThrow(/job system\.ping has 2 handlers/);
  });
});
