import pino from 'pino';
import { isoTimeOncePerMillisecond } from './logger';

describe('isoTimeOncePerMillisecond', () => {
  afterEach(() => jest.useRealTimers());

  it("writes exactly pino's isoTime field, and a new one as soon as the millisecond changes", () => {
    jest.useFakeTimers();
    const time = isoTimeOncePerMillisecond();
    for (const at of [
      '2026-11-21T10:00:00.000Z',
      '2026-11-21T10:00:00.000Z',
      '2026-11-21T10:00:00.001Z',
      '2026-11-21T23:59:59.999Z',
      '2026-11-22T00:00:00.000Z',
      '2026-11-21T10:00:00.001Z', // a clock that steps back is followed, not ignored
    ]) {
      jest.setSystemTime(new Date(at));
      expect(time()).toBe(pino.stdTimeFunctions.isoTime());
      expect(time()).toBe(`,"time":"${at}"`);
    }
  });
});
