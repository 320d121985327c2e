import { setTimeout as sleep } from 'node:timers/promises';
import { isTransient, type TransientError } from './errors';

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

/**
 * Exponential backoff with full jitter (a uniform delay in [0, min(max, base·2^attempt)]), so that many
 * replicas retrying the same outage spread out. A server-requested `Retry-After` wins when it is longer
 * (it is already capped by the adapter). `random` is a parameter so the function is pure.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  const jittered = Math.floor(random() * ceiling);
  return retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : jittered;
}

export interface RetryHooks {
  /** Called before each wait, e.g. to log, count, turn readiness off and heartbeat the consumer group. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; error: TransientError }) => void | Promise<void>;
  /** Called once the operation succeeded after at least one retry. */
  readonly onRecovered?: (attempts: number) => void;
  /** Beaten every `everyMs` while waiting, so a long backoff keeps liveness (or group membership) alive. */
  readonly heartbeat?: { readonly beat: () => void | Promise<void>; readonly everyMs: number };
}

export interface RetryOptions extends RetryHooks {
  /** Attempts in all, the first one included; past it the last transient error is thrown. Default: no limit. */
  readonly maxAttempts?: number;
  readonly signal?: AbortSignal;
  readonly random?: () => number;
}

/**
 * Runs `op` until it succeeds or throws a non-transient error. Transient errors are retried (without
 * limit unless `maxAttempts` says otherwise: the pipeline never drops anything) until `signal`
 * aborts, which rejects with the abort reason.
 */
export async function withRetry<T>(op: (attempt: number) => Promise<T>, policy: BackoffPolicy, opts: RetryOptions = {}): Promise<T> {
  const random = opts.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      const result = await op(attempt);
      if (attempt > 0) opts.onRecovered?.(attempt);
      return result;
    } catch (e) {
      if (!isTransient(e) || (opts.maxAttempts !== undefined && attempt + 1 >= opts.maxAttempts)) throw e;
      const delayMs = backoffDelay(attempt, policy, random, e.retryAfterMs);
      await opts.onRetry?.({ attempt: attempt + 1, delayMs, error: e });
      await waitWithHeartbeat(delayMs, opts);
    }
  }
}

async function waitWithHeartbeat(delayMs: number, opts: RetryOptions): Promise<void> {
  const step = opts.heartbeat ? Math.max(1, opts.heartbeat.everyMs) : delayMs;
  let left = delayMs;
  while (left > 0) {
    const d = Math.min(step, left);
    // timers/promises rejects with a generic AbortError: surface the caller's abort reason instead, as documented.
    await sleep(d, undefined, opts.signal ? { signal: opts.signal } : undefined).catch((e: unknown) => {
      throw opts.signal?.aborted ? opts.signal.reason : e;
    });
    left -= d;
    if (opts.heartbeat)
      await Promise.resolve()
        .then(opts.heartbeat.beat)
        .catch(() => undefined);
  }
}
