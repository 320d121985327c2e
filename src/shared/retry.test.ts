import { PoisonMessageError, RejectedError, TransientError } from './errors';
import { backoffDelay, withRetry, type BackoffPolicy } from './retry';

const POLICY: BackoffPolicy = { baseMs: 100, maxMs: 10_000 };
const FAST: BackoffPolicy = { baseMs: 1, maxMs: 2 };
const transient = (retryAfterMs?: number) => new TransientError('TIXNGO_HTTP_503', 'tixngo inject failed with HTTP 503', retryAfterMs);

/** An operation failing with `errors` in turn, then resolving with 'ok'; records the attempts it saw. */
function script(...errors: Error[]) {
  const attempts: number[] = [];
  const op = async (attempt: number) => {
    attempts.push(attempt);
    const e = errors.shift();
    if (e) throw e;
    return 'ok';
  };
  return { op, attempts };
}

describe('retry', () => {
  describe('backoffDelay', () => {
    it.each([
      [0, 0, 0],
      [5, 0, 0],
      [0, 0.999, 99],
      [1, 0.999, 199],
      [3, 0.999, 799],
      [0, 0.5, 50],
      [2, 0.5, 200],
    ])('at attempt %i with random %d, waits %i ms (full jitter below base·2^attempt)', (attempt, r, expected) => {
      expect(backoffDelay(attempt, POLICY, () => r)).toBe(expected);
    });

    it.each([7, 8, 30, 31, 1000, 1e9])('caps the ceiling at maxMs at attempt %i', (attempt) => {
      expect(backoffDelay(attempt, POLICY, () => 0.999)).toBe(9990);
      expect(backoffDelay(attempt, POLICY, () => 0)).toBe(0);
    });

    it('stays within [0, ceiling) for every attempt and random value', () => {
      for (let attempt = 0; attempt < 40; attempt++) {
        const ceiling = Math.min(POLICY.maxMs, POLICY.baseMs * 2 ** attempt);
        for (const r of [0, 0.1, 0.5, 0.9, 0.999, 0.999999]) {
          const d = backoffDelay(attempt, POLICY, () => r);
          expect(Number.isInteger(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThan(ceiling);
        }
      }
    });

    it.each([
      ['Retry-After longer than the jitter wins', 3, 0.999, 5000, 5000],
      ['the jitter wins over a shorter Retry-After', 3, 0.999, 10, 799],
      ['Retry-After wins over a zero jitter', 0, 0, 250, 250],
      ['Retry-After above maxMs still wins (the adapter caps it)', 30, 0.999, 60_000, 60_000],
      ['a zero Retry-After leaves the jitter', 1, 0.5, 0, 100],
    ])('%s', (_, attempt, r, retryAfterMs, expected) => {
      expect(backoffDelay(attempt, POLICY, () => r, retryAfterMs)).toBe(expected);
    });
  });

  describe('withRetry', () => {
    it('returns the first result without retrying', async () => {
      const { op, attempts } = script();
      const onRecovered = jest.fn();
      await expect(withRetry(op, FAST, { onRecovered })).resolves.toBe('ok');
      expect(attempts).toEqual([0]);
      expect(onRecovered).not.toHaveBeenCalled();
    });

    it('retries transient errors until the operation succeeds', async () => {
      const { op, attempts } = script(transient(), transient(), transient());
      const retries: { attempt: number; delayMs: number; code: string }[] = [];
      const onRecovered = jest.fn();
      const result = await withRetry(op, FAST, {
        random: () => 0.999,
        onRetry: ({ attempt, delayMs, error }) => void retries.push({ attempt, delayMs, code: error.code }),
        onRecovered,
      });
      expect(result).toBe('ok');
      expect(attempts).toEqual([0, 1, 2, 3]);
      expect(retries).toEqual([
        { attempt: 1, delayMs: 0, code: 'TIXNGO_HTTP_503' },
        { attempt: 2, delayMs: 1, code: 'TIXNGO_HTTP_503' },
        { attempt: 3, delayMs: 1, code: 'TIXNGO_HTTP_503' },
      ]);
      expect(onRecovered).toHaveBeenCalledWith(3);
    });

    it("waits the error's Retry-After when it is longer than the backoff", async () => {
      const { op } = script(transient(3));
      const delays: number[] = [];
      await withRetry(op, FAST, { random: () => 0, onRetry: ({ delayMs }) => void delays.push(delayMs) });
      expect(delays).toEqual([3]);
    });

    it.each([
      ['a rejected error', new RejectedError('TIXNGO_HTTP_422', 'rejected', ['T1'])],
      ['a poison error', new PoisonMessageError('EVENT_INVALID_FIELD', 'bad')],
      ['a bug', new TypeError('x is undefined')],
      ['a plain error', new Error('boom')],
    ])('rethrows %s at once, without retrying', async (_, error) => {
      const { op, attempts } = script(error);
      const onRetry = jest.fn();
      await expect(withRetry(op, FAST, { onRetry })).rejects.toBe(error);
      expect(attempts).toEqual([0]);
      expect(onRetry).not.toHaveBeenCalled();
    });

    it('rethrows a non-transient error that follows transient ones', async () => {
      const fatal = new RejectedError('TIXNGO_HTTP_400', 'rejected', []);
      const { op, attempts } = script(transient(), fatal);
      await expect(withRetry(op, FAST)).rejects.toBe(fatal);
      expect(attempts).toEqual([0, 1]);
    });

    it.each([
      [1, [0]],
      [3, [0, 1, 2]],
    ])('stops after maxAttempts %i, throwing the last transient error', async (maxAttempts, expected) => {
      const errors = [transient(), transient(), transient(), transient()];
      const { op, attempts } = script(...errors);
      await expect(withRetry(op, FAST, { maxAttempts })).rejects.toBe(errors[maxAttempts - 1]);
      expect(attempts).toEqual(expected);
    });

    it('succeeds on the last allowed attempt', async () => {
      const { op, attempts } = script(transient(), transient());
      await expect(withRetry(op, FAST, { maxAttempts: 3 })).resolves.toBe('ok');
      expect(attempts).toEqual([0, 1, 2]);
    });

    it('does not start when the signal is already aborted', async () => {
      const { op, attempts } = script();
      const ac = new AbortController();
      const reason = new Error('shutting down');
      ac.abort(reason);
      await expect(withRetry(op, FAST, { signal: ac.signal })).rejects.toBe(reason);
      expect(attempts).toEqual([]);
    });

    it('stops waiting as soon as the signal aborts, rejecting with the abort reason', async () => {
      const ac = new AbortController();
      const reason = new Error('shutting down');
      let calls = 0;
      const started = Date.now();
      const run = withRetry(
        async () => {
          calls++;
          throw transient();
        },
        { baseMs: 60_000, maxMs: 60_000 },
        { signal: ac.signal, random: () => 0.999, onRetry: () => void setImmediate(() => ac.abort(reason)) },
      );
      await expect(run).rejects.toBe(reason);
      expect(calls).toBe(1);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('stops retrying when the signal aborts between attempts', async () => {
      const ac = new AbortController();
      const reason = new Error('stop');
      let calls = 0;
      const run = withRetry(
        async () => {
          calls++;
          if (calls === 3) ac.abort(reason);
          throw transient();
        },
        FAST,
        { signal: ac.signal },
      );
      await expect(run).rejects.toBe(reason);
      expect(calls).toBe(3);
    });

    it('beats the heartbeat while waiting, and a failing heartbeat does not stop the retry', async () => {
      const { op } = script(transient(4));
      let beats = 0;
      const heartbeat = async () => {
        beats++;
        throw new Error('heartbeat failed');
      };
      await expect(withRetry(op, FAST, { random: () => 0, heartbeat: { beat: heartbeat, everyMs: 1 } })).resolves.toBe('ok');
      expect(beats).toBe(4);
    });
  });
});
