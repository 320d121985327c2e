import type { PushEndpoint } from '../tixngo/tixngo-api';

/**
 * The outbox: what every role is about to send, or may have sent without recording it yet. It is the
 * store-visible "in flight" state the roles read about each other. `src/store/outbox.ts` implements it
 * on MongoDB with single-document inserts, updates by `_id` and deletes only (no transactions, no
 * compare-and-set: see the argument in that file).
 *
 * - An **intent** is written by a batch, naming its candidate tickets, *before* the batch reads the
 *   ledger or the other roles' intents, and removed after everything it sent is recorded. While it exists,
 *   its tickets are "possibly being pushed" by its role.
 * - A **request** is written before it is sent: its `Idempotency-Key` (`_id`), its exact body and what
 *   each ticket stands for. It is removed once its outcome is recorded. A request that exists may have
 *   been applied by TIXnGO; it is settled only by sending exactly its body again under its key (never
 *   a different body under that key, never its tickets under another key while it exists).
 * - A **takeover** is the insert-only claim by which exactly one process adopts the intent of a process
 *   that stopped touching it (see `OutboxSteps.takeOver`).
 */
export interface Intent {
  readonly _id: string;
  readonly role: string;
  /** The batch (process and role) that owns it; a takeover replaces it. */
  readonly owner: string;
  /** Ticket keys (`<organizationCode>:<ticketId>`, see `ticketKey`). */
  readonly tickets: readonly string[];
  /** Written by the owner's clock; orders intents of one role (the older wins, see `settle`). */
  readonly createdAt: Date;
  /** Renewed while the owner lives; an intent untouched for `staleMs` belongs to a process that stopped. */
  readonly touchedAt: Date;
  /** Takeovers so far. */
  readonly epoch: number;
  /** Older intents of its role this one waits for (it saw them and gave way; see `InFlight`). */
  readonly yieldsTo?: readonly string[];
}

/** What one ticket of a request stands for: enough to record its fact after a crash. */
export interface RequestItem {
  /** The ticket as TIXnGO knows it; with `organization`, its key in the store. */
  readonly ticketId: string;
  readonly organization: string;
  readonly generation: number;
  /** Deletions: the cancellation's reason and when the core made it (ms since the epoch). */
  readonly reason?: string;
  readonly occurredAt?: number;
  /** The topic partition the record came from (hand-backs go back there). */
  readonly partition?: number;
}

/** Injections: what the core is told once TIXnGO accepted a ticket (`ticket-printed`). */
export interface WriteBack {
  readonly topic: string;
  readonly salesChannelCode: string;
  readonly posCode: string;
}

export interface OutboxRequest {
  /** Sent as `Idempotency-Key`. */
  readonly _id: string;
  readonly intent: string;
  readonly endpoint: PushEndpoint;
  /** The S-360 organization whose TIXnGO account it went to (a request never mixes organizations). */
  readonly organization: string;
  readonly items: readonly RequestItem[];
  /** The exact bytes sent (`encodeRequestBody`). */
  readonly body: Buffer;
  readonly writeBack?: WriteBack;
  readonly createdAt: Date;
}

export interface TakeoverClaim {
  readonly owner: string;
  readonly at: Date;
}

/** Port. Every method is one single-document operation (or a read) and throws `TransientError` for outages. */
export interface Outbox {
  putIntent(intent: Intent): Promise<void>;
  /** Every intent of every role (there are few: the batches in flight, and what stopped processes left). */
  intents(): Promise<Intent[]>;
  /** Renews `touchedAt` of these intents (one write for all). */
  touch(ids: readonly string[], at: Date): Promise<void>;
  /** Records that the intent gives way to these older intents of its role. */
  yieldTo(id: string, older: readonly string[]): Promise<void>;
  /** The intent now belongs to `owner` (after a won takeover). */
  adopt(id: string, owner: string, epoch: number, at: Date): Promise<void>;
  removeIntent(id: string): Promise<void>;
  putRequest(request: OutboxRequest): Promise<void>;
  requestsOf(intentId: string): Promise<OutboxRequest[]>;
  removeRequest(id: string): Promise<void>;
  /**
   * Inserts the claim of takeover number `epoch` of an intent; true for exactly one caller per
   * (intent, epoch), false when the claim exists already (an insert of a unique `_id`).
   */
  claimTakeover(intentId: string, epoch: number, claim: TakeoverClaim): Promise<boolean>;
  takeoverClaim(intentId: string, epoch: number): Promise<TakeoverClaim | null>;
  removeTakeovers(intentId: string, upToEpoch: number): Promise<void>;
}
