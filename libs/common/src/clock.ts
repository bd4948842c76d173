import { isoDate } from './dates';

/** The time source every service asks, so that tests can fix "now". */
export abstract class Clock {
  abstract now(): Date;

  /** Today's date in UTC as YYYY-MM-DD. */
  today(): string {
    return isoDate(this.now());
  }
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

export class FixedClock extends Clock {
  constructor(private current: Date) {
    super();
  }

  now(): Date {
    return new Date(this.current.getTime());
  }

  set(to: Date | string): void {
    this.current = typeof to === 'string' ? new Date(to) : to;
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}
