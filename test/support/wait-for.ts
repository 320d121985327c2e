import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `predicate` until it returns a truthy value (returned) or `timeoutMs` passes (throws, with
 * `describe()`'s view of the last state so a failure says what was seen). No fixed sleeps in tests.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  opts: { timeoutMs?: number; intervalMs?: number; describe?: () => unknown } = {},
): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await predicate();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const seen = opts.describe ? await opts.describe() : last;
      throw new Error(`waitFor timed out after ${timeoutMs} ms; last seen: ${JSON.stringify(seen, null, 0)?.slice(0, 2000)}`);
    }
    await sleep(intervalMs);
  }
}
