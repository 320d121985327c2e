import type { SchemaName } from '../kafka/avro-codec';
import type { Role } from '../roles';
import type { PoisonMessageError } from '../shared/errors';
import type { PushResult, RequestContext } from '../tixngo/tixngo-api';

/** What a role decided for one event after enrichment. */
export type Decision<W> =
  | { readonly kind: 'push'; readonly work: W }
  | { readonly kind: 'skip'; readonly reason: string }
  /** The event can never be delivered as configured (e.g. an invalid comfort variable). */
  | { readonly kind: 'dead-letter'; readonly error: PoisonMessageError };

/** A pushed (or simulated) item: the event that asked for it and the work TIXnGO accepted. */
export interface Delivered<E, W> {
  readonly event: E;
  readonly work: W;
}

export interface RecordContext {
  readonly simulated: boolean;
  /** The request's id, also sent to TIXnGO as `Idempotency-Key`. */
  readonly requestId: string;
  readonly at: Date;
}

/**
 * A consumer role is this: pure steps plus its TIXnGO call and its bookkeeping. The shared pipeline
 * owns consuming, decoding, batching, retrying, dead-lettering, recording order and committing.
 *
 * Contract: `parse`, `select` and `decide` are pure and may throw only `PoisonMessageError` (parse).
 * `enrich`, `deliver` and `record` do I/O; they throw `TransientError` for outages (the pipeline
 * retries without limit) and `RejectedError` for tickets TIXnGO refused (`deliver` only). `record`
 * must be idempotent: after a crash it may run again for the same items.
 */
export interface RoleSpec<E, S, W> {
  readonly role: Role;
  readonly topics: readonly string[];
  readonly schema: SchemaName;
  parse(decoded: unknown): E;
  ticketId(event: E): string;
  /** A skip reason when configuration excludes the event (filters, force/skip lists, mandatory fields). */
  select(event: E): string | undefined;
  /** One bulk read per store for the whole batch. */
  enrich(events: readonly E[]): Promise<S>;
  decide(event: E, state: S): Decision<W>;
  /** One TIXnGO request; `work` is ordered by ticket id. */
  deliver(work: readonly W[], ctx: RequestContext): Promise<PushResult>;
  record(delivered: readonly Delivered<E, W>[], ctx: RecordContext): Promise<void>;
  /**
   * Optional, after every batch's deliveries are recorded and before its offsets are committed: the
   * role's chance to settle cross-role races (e.g. an injection that overlapped a cancellation). It
   * sees every candidate of the batch, pushed or skipped, so a crash before it ran is made good when
   * the records are read again. Must be idempotent. Not called in simulation mode.
   */
  reconcile?(handled: readonly Handled<E>[], state: S): Promise<void>;
}

/** A candidate of a batch after delivery: pushed, or skipped for `reason`. */
export interface Handled<E> {
  readonly event: E;
  readonly outcome: 'pushed' | 'skipped';
  readonly reason?: string;
}
