import { isDrained, nextPollDelayMs } from './pacing';

describe('pacing', () => {
  describe('isDrained', () => {
    it.each([
      ['a full page that moved the key', { records: 1000, limit: 1000, keyMoved: true }, false],
      ['a short page', { records: 999, limit: 1000, keyMoved: true }, true],
      ['an empty page', { records: 0, limit: 1000, keyMoved: false }, true],
      ['a full page that did not move the key', { records: 1000, limit: 1000, keyMoved: false }, true],
    ])('%s → %s', (_name, page, drained) => {
      expect(isDrained(page)).toBe(drained);
    });
  });

  describe('nextPollDelayMs', () => {
    const full = { records: 500, limit: 500, keyMoved: true };
    const short = { records: 20, limit: 500, keyMoved: true };

    it.each([
      ['full page, rate allows it at once', full, 5, 400, 0],
      ['full page, request rate not yet allowed', full, 5, 50, 150],
      ['full page, one request per second', full, 1, 250, 750],
      ['full page, a fast rate', full, 1000, 0, 1],
      ['drained, poll interval', short, 5, 100, 30_000],
      ['drained, poll interval shorter than the rate allows', short, 0.01, 1_000, 99_000],
    ])('%s → %i ms', (_name, page, maxRequestsPerSecond, sinceLastRequestMs, expected) => {
      const pollIntervalMs = 30_000;
      expect(nextPollDelayMs({ page, pollIntervalMs, maxRequestsPerSecond, sinceLastRequestMs })).toBe(expected);
    });
  });
});
