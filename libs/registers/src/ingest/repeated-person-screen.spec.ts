import { createHash } from 'node:crypto';
import { RepeatedPersonScreen } from './repeated-person-screen';

const pseudonym = (n: number) => createHash('sha256').update(`person ${n}`).digest('hex');

describe('RepeatedPersonScreen', () => {
  it('is certain there is no repeat when every pseudonym differs', () => {
    const screen = new RepeatedPersonScreen(10_000);
    for (let i = 0; i < 10_000; i++) screen.add(pseudonym(i));
    expect(screen.mayRepeat).toBe(false);
  });

  it('says maybe once a pseudonym comes again, however late', () => {
    const screen = new RepeatedPersonScreen(5_000);
    for (let i = 0; i < 5_000; i++) screen.add(pseudonym(i));
    screen.add(pseudonym(17));
    expect(screen.mayRepeat).toBe(true);
    screen.add(pseudonym(5_001));
    expect(screen.mayRepeat).toBe(true);
  });

  it('says maybe for two people who share the first 64 bits (SQL then decides)', () => {
    const screen = new RepeatedPersonScreen(2);
    screen.add(`0123456789abcdef${'0'.repeat(48)}`);
    screen.add(`0123456789abcdef${'f'.repeat(48)}`);
    expect(screen.mayRepeat).toBe(true);
  });

  it('tells a prefix of zeros, which marks empty slots, from no pseudonym at all', () => {
    const once = new RepeatedPersonScreen(2);
    once.add('0'.repeat(64));
    once.add(pseudonym(1));
    expect(once.mayRepeat).toBe(false);
    once.add(`${'0'.repeat(16)}${'a'.repeat(48)}`);
    expect(once.mayRepeat).toBe(true);
  });

  it('says maybe when more rows come than the manifest announced room for', () => {
    const screen = new RepeatedPersonScreen(10);
    for (let i = 0; i < 2_000; i++) screen.add(pseudonym(i));
    expect(screen.mayRepeat).toBe(true);
  });
});
