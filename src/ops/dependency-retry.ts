import { toSafeError, type TransientError } from '../shared/errors';
import { withRetry, type BackoffPolicy } from '../shared/retry';
import type { Health } from './health';
import type { Logger } from './logger';
import type { Metrics } from './metrics';

/** A transient failure being retried, as the roles' events report it (for digests). */
export interface RetryEvent {
  readonly role: string;
  readonly code: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly failingForMs: number;
}

export interface DependencyRetryDeps {
  readonly role: string;
  /** What fails in the health while a dependency is retried: `<component>:<dependency>`. Default: the role. */
  readonly component?: string;
  /** The labels of `retries` besides `code`. Default: `{ role }`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Beats the role's liveness. Default: `health.beat(role)`. */
  readonly beat?: () => void;
  readonly policy: BackoffPolicy;
  readonly health: Health;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly events?: { onRetry?(info: RetryEvent): void };
  /** The role's liveness is beaten this often while a backoff waits (the one heartbeat interval of the configuration). */
  readonly heartbeatMs: number;
  /** Jitter source. Default `Math.random`. */
  readonly random?: () => number;
  /** Clock, milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
}

export interface DependencyRetryOptions {
  readonly signal?: AbortSignal;
  readonly maxAttempts?: number;
  /** Told before each wait, after the shared bookkeeping (e.g. to count the retries of a batch). */
  readonly onRetry?: () => void;
}

/** Runs `op` against `dependency`, retrying its transient failures; see `dependencyRetry`. */
export type DependencyRetry = <T>(dependency: string, op: () => Promise<T>, opts?: DependencyRetryOptions) => Promise<T>;

/**
 * The retry of a role's dependency (TIXnGO, Kafka, MongoDB, the registry), the same for the consumer
 * roles' engine and the holder-sync poller. While it retries, the component `<role>:<dependency>` is
 * failing (readiness false), each retry is counted (`retries{role,code}`), logged and told to
 * `events.onRetry`, and the role's liveness is beaten; once the operation succeeds, or the signal
 * stops it, the component has recovered. A non-transient error is thrown as it is.
 */
export function dependencyRetry(deps: DependencyRetryDeps): DependencyRetry {
  const now = deps.now ?? Date.now;
  const beat = deps.beat ?? (() => deps.health.beat(deps.role));
  const labels = deps.labels ?? { role: deps.role };
  return async <T>(dependency: string, op: () => Promise<T>, opts: DependencyRetryOptions = {}): Promise<T> => {
    const component = `${deps.component ?? deps.role}:${dependency}`;
    let value: T;
    try {
      value = await withRetry(op, deps.policy, {
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.maxAttempts !== undefined ? { maxAttempts: opts.maxAttempts } : {}),
        ...(deps.random ? { random: deps.random } : {}),
        heartbeat: { beat, everyMs: deps.heartbeatMs },
        onRetry: ({ attempt, delayMs, error }: { attempt: number; delayMs: number; error: TransientError }) => {
          opts.onRetry?.();
          const since = deps.health.failingSince(component, error.code);
          beat();
          deps.metrics.retries.inc({ ...labels, code: error.code });
          deps.log.warn({ dependency, attempt, delayMs, error: toSafeError(error) }, 'transient failure, retrying');
          deps.events?.onRetry?.({ role: deps.role, code: error.code, attempt, delayMs, failingForMs: now() - since });
        },
      });
    } catch (e) {
      if (opts.signal?.aborted) deps.health.recovered(component);
      throw e;
    }
    deps.health.recovered(component);
    return value;
  };
}
