import { OutageReporter } from './outage-reporter';

describe('reporting an outage', () => {
  it('logs the first failure and the recovery, not every retry in between', () => {
    const lines: Array<[string, unknown]> = [];
    const logger = { warn: (o: unknown) => lines.push(['warn', o]), log: (o: unknown) => lines.push(['log', o]) };
    let now = 1_000;
    const reporter = new OutageReporter(logger, 'Redis (app) at 127.0.0.1:6379', () => now);
    for (let i = 0; i < 50; i++) reporter.failed(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    expect(reporter.down).toBe(true);
    now += 4_200;
    reporter.recovered();
    reporter.recovered();
    expect(lines).toEqual([
      ['warn', expect.objectContaining({ reason: 'connect ECONNREFUSED 127.0.0.1:6379', msg: expect.stringContaining('Redis (app) at 127.0.0.1:6379 unreachable') })],
      ['log', expect.objectContaining({ downSeconds: 4.2, suppressedErrors: 49, msg: 'Redis (app) at 127.0.0.1:6379 reachable again after 4.2 s' })],
    ]);
    // A second outage is reported again.
    reporter.failed(new Error('Connection is closed.'));
    expect(lines).toHaveLength(3);
  });

  it('says nothing when a connection becomes ready without having failed', () => {
    const warn = jest.fn();
    new OutageReporter({ warn }, 'Redis').recovered();
    expect(warn).not.toHaveBeenCalled();
  });
});
