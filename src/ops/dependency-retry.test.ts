import pino from 'pino';
import { RejectedError, TransientError } from '../shared/errors';
import { dependencyRetry } from './dependency-retry';
import { Health } from './health';
import { createMetrics } from './metrics';

const FAST = { baseMs: 1, maxMs: 2 };

function setup() {
  const health = new Health();
  const metrics = createMetrics();
  const events: unknown[] = [];
  const retry = dependencyRetry({
    role: 'inject',
    policy: FAST,
    heartbeatMs: 1,
    health,
    metrics,
    log: pino({ level: 'silent' }),
    events: { onRetry: (i) => void events.push(i) },
    random: () => 0,
  });
  return { health, metrics, events, retry };
}

function failing(times: number, error: () => Error = () => new TransientError('MONGO_UNAVAILABLE', 'down')) {
  let calls = 0;
  return async () => {
    if (calls++ < times) throw error();
    return 'ok';
  };
}

describe('dependencyRetry', () => {
  it('retries transient failures, counting, telling and marking the component failing until it recovers', async () => {
    const { health, metrics, events, retry } = setup();
    const failingDuring: boolean[] = [];
    const spy = jest.spyOn(health, 'failingSince');
    await expect(retry('mongo', failing(2), { onRetry: () => failingDuring.push(true) })).resolves.toBe('ok');
    expect(spy).toHaveBeenCalledWith('inject:mongo', 'MONGO_UNAVAILABLE');
    expect(events).toEqual([
      expect.objectContaining({ role: 'inject', code: 'MONGO_UNAVAILABLE', attempt: 1 }),
      expect.objectContaining({ role: 'inject', code: 'MONGO_UNAVAILABLE', attempt: 2 }),
    ]);
    expect(failingDuring).toEqual([true, true]);
    expect((await metrics.retries.get()).values).toEqual([expect.objectContaining({ labels: { role: 'inject', code: 'MONGO_UNAVAILABLE' }, value: 2 })]);
    expect(health.ready().failing).toEqual({});
  });

  it('throws a non-transient error at once', async () => {
    const { events, retry } = setup();
    const rejected = new RejectedError('TIXNGO_HTTP_422', 'no', ['T1']);
    await expect(
      retry(
        'tixngo',
        failing(1, () => rejected),
      ),
    ).rejects.toBe(rejected);
    expect(events).toEqual([]);
  });

  it('gives up after maxAttempts with the last transient error', async () => {
    const { events, retry } = setup();
    await expect(retry('kafka', failing(5), { maxAttempts: 2 })).rejects.toBeInstanceOf(TransientError);
    expect(events).toHaveLength(1);
  });
});
