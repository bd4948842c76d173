import { Writable } from 'node:stream';
import { createLogger, scrub } from './logger';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
}

const PSEUDONYM = '3f'.repeat(32);

describe('the logger', () => {
  it('redacts a pseudonym and a phone number given as fields, at any depth', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info' }, stream);
    logger.info({ pseudonym: PSEUDONYM, contact: { phone: '+37061234567' }, count: 3 }, 'case created');
    const out = lines.join('');
    expect(out).not.toContain(PSEUDONYM);
    expect(out).not.toContain('+37061234567');
    expect(JSON.parse(out)).toMatchObject({ pseudonym: '[redacted]', contact: { phone: '[redacted]' }, count: 3, msg: 'case created' });
  });

  it('scrubs a pseudonym, a phone number and a personal code written into a message', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info' }, stream);
    logger.warn(`could not reach ${PSEUDONYM} at +37061234567 (code 39001010017)`);
    const line = JSON.parse(lines.join('')) as { msg: string };
    expect(line.msg).toBe('could not reach [pseudonym] at [phone] (code [personal-code])');
  });

  it('leaves objects that are not plain data to the serializers: a Date stays a date, a response keeps its status', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info' }, stream);
    class Response {
      statusCode = 201;
      get finished(): boolean {
        return true;
      }
    }
    logger.info({ at: new Date('2026-10-01T08:00:00Z'), res: new Response(), nested: { note: `sent to ${PSEUDONYM}` } }, 'done');
    expect(JSON.parse(lines.join(''))).toMatchObject({ at: '2026-10-01T08:00:00.000Z', res: { statusCode: 201 }, nested: { note: 'sent to [pseudonym]' } });
  });

  it('leaves ordinary counts, dates and ids alone', () => {
    expect(scrub('run 42 at 2026-10-01 found 262 cases in LT-57')).toBe('run 42 at 2026-10-01 found 262 cases in LT-57');
  });
});
