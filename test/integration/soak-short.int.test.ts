import { formatVerdict, runSoak } from '../support/soak';

/**
 * The soak test of issue 12 (`npm run soak`, test/soak/soak.ts), short and with a fixed seed:
 * 1,000 tickets, three roles as separate processes, five kill -9s of random roles with restarts.
 * b04c3ba: see the figures printed on failure (lost cancellations, deleted reprints, duplicates).
 */
describe('soak, short (issue 12)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  it('1,000 tickets with reprints, cancellations and controls, 5 random kill -9s: nothing lost, nothing pushed twice, no deletion after a newer generation', async () => {
    const result = await runSoak({
      tickets: 1000,
      seed: 20261201,
      kills: 5,
      waves: 10,
      waveGapMs: 1000,
      killGapMs: [1500, 5000],
      batchSize: 100,
      settleTimeoutMs: 150_000,
      onCleanup: (stop) => cleanups.push(stop),
    });
    const v = result.verdict;
    // The figures, as `npm run soak` prints them.
    console.log(formatVerdict(result));
    expect({
      lost: v.lost,
      pushedTwice: v.pushedTwice,
      deletedAfterNewerGeneration: v.deletedAfterNewerGeneration,
      misordered: v.misordered,
      kills: result.kills.length,
      lagZero: result.lagZero,
      examples: v.examples,
    }).toEqual({ lost: 0, pushedTwice: 0, deletedAfterNewerGeneration: 0, misordered: 0, kills: 5, lagZero: true, examples: [] });
    expect(v.pushedOnce).toBe(v.expectedPushes);
  }, 420_000);
});
