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

describe('the e-mail scrubber', () => {
  const STACK = [
    'TypeError: Cannot read properties of null (reading \'trim\')',
    '    at UsersService.addUser (/srv/tiltas/dist/libs/access/src/users.service.js:41:37)',
    '    at /srv/tiltas/node_modules/@nestjs/core/router/router-execution-context.js:46:28',
    '    at process.processTicksAndRejections (node:internal/process/task_queues:105:5)',
    '    at async /srv/tiltas/node_modules/.pnpm/@nestjs+core@12.5.1_rxjs@7.8.2/node_modules/@nestjs/core/router/router-proxy.js:9:17',
  ].join('\n');

  it('leaves the file paths of a stack trace through @nestjs/core readable', () => {
    expect(scrub(STACK)).toBe(STACK);
  });

  it('still scrubs an address inside a stack trace, a URL path or a sentence', () => {
    expect(scrub(`Error: no mailbox jonas.jonaitis+lt@example.lt\n${STACK}`)).toBe(`Error: no mailbox [email]\n${STACK}`);
    expect(scrub('GET /api/users/ona@pastas.example.com/tokens')).toBe('GET /api/users/[email]/tokens');
    expect(scrub('write to "a_b@sub.mail.example.org", please')).toBe('write to "[email]", please');
  });

  it('keeps the frames of a logged error whole while scrubbing its message', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info' }, stream);
    const err = new Error('bounced: ona@example.lt');
    err.stack = `Error: bounced: ona@example.lt\n${STACK.split('\n').slice(1).join('\n')}`;
    logger.error({ err }, 'unhandled error');
    const line = JSON.parse(lines.join('')) as { err: { message: string; stack: string } };
    expect(line.err.message).toBe('bounced: [email]');
    expect(line.err.stack).toContain('/srv/tiltas/node_modules/@nestjs/core/router/router-execution-context.js:46:28');
    expect(line.err.stack).not.toContain('ona@example.lt');
    expect(line.err.stack).not.toContain('[email]/core');
  });
});
