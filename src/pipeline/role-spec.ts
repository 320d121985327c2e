import type { SchemaName } from '../kafka/avro-codec';
import type { Role } from '../roles';
import type { PoisonMessageError } from '../shared/errors';
import type { PushEndpoint } from '../tixngo/tixngo-api';
import type { RequestItem, WriteBack } from '../contracts/outbox';

/** What a role decided for one record after enrichment. */
export type Decision<W> =
  | { readonly kind: 'push'; readonly work: W }
  | { readonly kind: 'skip'; readonly reason: string }
  /** The record can never be delivered as configured (e.g. an invalid comfort variable). */
  | { readonly kind: 'dead-letter'; readonly error: PoisonMessageError };

/** A decoded record of the batch with where it came from. */
export interface Located<E> {
  readonly event: E;
  readonly partition: number;
  readonly offset: string;
}

/** How a role delivers one organization's tickets. */
export interface Route {
  /** Run and record as simulated; send nothing. */
  readonly simulate: boolean;
  /** Told to the core once TIXnGO accepted a ticket (injection only; never when simulating). */
  readonly writeBack?: WriteBack;
}

/**
 * Where a consumer role reads: its input topics and the schema of their records. The role registry
 * (`src/role-registry.ts`) is the one place that knows them; it completes the role's logic with them.
 */
export interface RoleInput {
  readonly topics: readonly string[];
  readonly schema: SchemaName;
}

/** What a role's own module builds: everything but its input, which the role registry adds. */
export type RoleLogic<E, S, W> = Omit<RoleSpec<E, S, W>, keyof RoleInput>;

/**
 * A consumer role is this: pure steps, one read of the store, and optionally one write before it
 * reads. The shared engine owns consuming, decoding, batching, the outbox, sending, retrying,
 * recording, dead-lettering and committing.
 *
 * Contract: `parse`, `select` and `decide` are pure and may throw only `PoisonMessageError` (`parse`).
 * `enrich` only reads, so a read-only caller (the support CLI's replay forecast) may call it and skip
 * `seen`, the role's one write before it reads. `seen` and `reconcile` write; they are idempotent (a crash repeats them) and
 * throw `TransientError` for outages (the engine retries them without limit).
 */
export interface RoleSpec<E, S, W> extends RoleInput {
  readonly role: Role;
  /** The TIXnGO push endpoint the role's work goes to. */
  readonly endpoint: PushEndpoint;
  /**
   * Roles whose intents (see `Outbox`) naming a ticket this role waits for before it reads the ticket's
   * state, taking them over when their process stopped. Its own role is always waited for. Intents of
   * the other roles are passed to `decide` instead (`inFlight`).
   */
  readonly waitsFor: readonly Role[];
  parse(decoded: unknown): E;
  /** The ticket as TIXnGO knows it. */
  ticketId(event: E): string;
  /** The S-360 organization that owns the ticket; the store scopes every ticket by it (`ticketKey`). */
  organization(event: E): string;
  /**
   * How the role delivers this organization's tickets; undefined when the release does not serve it
   * (`select` skips those records first: `ORGANIZATION_NOT_SERVED`).
   */
  route(organizationCode: string): Route | undefined;
  /** A skip reason when configuration excludes the event (filters, force/skip lists, mandatory fields). */
  select(event: E): string | undefined;
  /**
   * Optional write, before the batch reads anything: records that the core did something (e.g. a
   * cancellation), for every decoded record, selected or not. Other roles read it.
   */
  seen?(records: readonly Located<E>[], at: Date): Promise<void>;
  /** Read only: what the decisions need to know of these records' tickets. One bulk read per store. */
  enrich(events: readonly E[]): Promise<S>;
  /**
   * Pure: the fate of each record of one ticket (one organization's ticket id) in the batch (`records` in offset order, one decision
   * each, in the same order). At most one may be a push. `inFlight`: roles not in `waitsFor` with an
   * intent naming the ticket (their push of it may be on its way).
   */
  decide(records: readonly Located<E>[], state: S, inFlight: ReadonlySet<string>): Decision<W>[];
  /** What a pushed record stands for, kept with the request so its fact can be recorded after a crash. */
  item(event: E): RequestItem;
  /**
   * Optional, after the batch's intent is gone (everything it sent is recorded) and before its offsets
   * are committed, for every ticket the batch named, whatever its outcome: the role's chance to settle
   * cross-role races. Not called in simulation mode.
   */
  reconcile?(ticketIds: readonly string[]): Promise<void>;
}

/**
 * Pure: the decisions of a ticket's records taken one by one, where the same ticket may be pushed at
 * most once per batch: a record decided "push" after another one was is skipped (`SUPERSEDED_IN_BATCH`:
 * the same cancellation or control twice in a batch, e.g. its original and a hand-back).
 */
export function oncePerBatch<E, W>(records: readonly Located<E>[], decide: (event: E) => Decision<W>): Decision<W>[] {
  let pushed = false;
  return records.map(({ event }) => {
    const d = decide(event);
    if (d.kind !== 'push') return d;
    if (pushed) return { kind: 'skip', reason: 'SUPERSEDED_IN_BATCH' };
    pushed = true;
    return d;
  });
}
