import type { LifecycleStatus, Person, TicketResult } from '../tixngo/wire-schemas';
import { type Endpoint, ENDPOINTS, FaultPlan } from './faults';
import { checkLimit, decodePaginationKey, type FeedEntry, type FeedPage, readPage } from './feed';
import {
  afterControl,
  afterDelete,
  afterHolderAction,
  afterInject,
  type HolderActionInput,
  type HolderState,
  personFromSpectatorDetails,
  type Transition,
} from './lifecycle';
import { checkControlEntry, checkDeleteEntry, checkInjectEntry, type EntryProblem } from './validation';

/**
 * Everything the simulator knows, in memory and without I/O: tickets, the change feed, the request
 * log and the fault plan. The HTTP layer (simulator.ts) is a thin translation onto these methods, and
 * in-process tests may call them directly (`startSimulator(...).state`).
 */

export type Operation = 'inject' | 'delete' | 'control';

export interface OperationRecord {
  readonly op: Operation;
  /** Global sequence of accepted operations, across all tickets: compare to order operations. */
  readonly seq: number;
  readonly at: string;
  /** `id` of the request (see `RequestRecord`) that carried it. */
  readonly requestId: number;
  /**
   * Which generation of the ticket it concerned: for an injection, its payload's
   * `ticketDetails.hidden` entry `S360_GENERATION` (null when absent or not a number); for a delete or
   * control, the generation of the payload the ticket had when it was applied.
   */
  readonly generation: number | null;
  /** Deletes only: the reason sent. */
  readonly reason?: string;
}

/** One accepted operation in a ticket's compact history (`SimulatorState.history`). */
export interface HistoryEntry {
  readonly op: Operation;
  readonly generation: number | null;
  readonly seq: number;
  /** Deletes only. */
  readonly reason?: string;
}

/** A ticket's state and accepted operations, oldest first, without payloads or people. */
export interface TicketHistory {
  readonly ticketId: string;
  readonly status: LifecycleStatus;
  /** Generation of the payload it holds now (see `OperationRecord.generation`). */
  readonly generation: number | null;
  readonly ops: readonly HistoryEntry[];
}

export interface SimTicket {
  readonly ticketId: string;
  readonly status: LifecycleStatus;
  /** Version of the latest feed record of this ticket (0 before the first). */
  readonly version: number;
  readonly injectCount: number;
  readonly deleteCount: number;
  readonly controlCount: number;
  /** Times an operation on this ticket was answered REJECTED (validation, lifecycle or scripted). */
  readonly rejectedCount: number;
  /** The ticket object of the latest accepted injection, as received. */
  readonly lastPayload: unknown;
  /** The generation of `lastPayload` (its `S360_GENERATION`), null when it carries none. */
  readonly generation: number | null;
  /** Accepted operations, oldest first. */
  readonly operations: readonly OperationRecord[];
  readonly deleteReason: string | null;
  readonly showDeletedTicket: boolean | null;
  readonly controlledAt: string | null;
  readonly eventId: string | null;
  readonly walletOwner: Person | null;
  readonly ticketHolder: Person | null;
  readonly previousOwner: Person | null;
  readonly transferRecipient: Person | null;
  readonly updatedAt: string;
}

export interface RequestRecord {
  /** Sequence of the request since the simulator started. */
  readonly id: number;
  readonly endpoint: Endpoint | null;
  readonly method: string;
  readonly path: string;
  /** When the request was received, RFC 3339. */
  readonly at: string;
  /** Status answered; null when the request was hung or dropped. */
  readonly status: number | null;
  readonly ticketIds: readonly string[];
  readonly idempotencyKey: string | null;
  /** `hang`, `drop`, `status` for a fault; `null` for a request handled normally (latency aside). */
  readonly fault: 'hang' | 'drop' | 'status' | null;
  readonly latencyMs: number;
  /** Tickets answered OK / REJECTED in a 200 (0 otherwise). */
  readonly accepted: number;
  readonly rejected: number;
}

export interface EndpointTotals {
  readonly requests: number;
  /** Requests answered 2xx by the normal handler (not a scripted 2xx). */
  readonly handled: number;
  /** Requests answered otherwise, hung or dropped. */
  readonly failed: number;
  readonly ticketsAccepted: number;
  readonly ticketsRejected: number;
}

export interface ReceivedSummary {
  readonly totals: {
    readonly requests: number;
    readonly byEndpoint: Record<Endpoint, EndpointTotals>;
    readonly tickets: number;
    readonly feedRecords: number;
    /**
     * The highest feed sequence a reader asked to read past (the position its pagination key names). A
     * poller that moves its key only once a page is handled, as holder-sync does, has handled every
     * record up to it.
     */
    readonly feedReadPast: number;
  };
  /** Ticket ids with more than one accepted operation of a kind (a redelivery reached TIXnGO). */
  readonly duplicates: Record<Operation, readonly string[]>;
  readonly tickets: readonly SimTicket[];
}

export interface StateOptions {
  /** Clock for `at` / `updatedAt`. Default `Date.now`. */
  readonly now?: () => number;
  /** Largest page of the change feed. Default 1000. */
  readonly maxFeedLimit?: number;
  /** Sequence the feed counts on from (its first record is this + 1). Default 0. */
  readonly feedSeqStart?: number;
}

export type HolderActionResult =
  /** `record` and its feed sequence `seq`, or both null when the action changed nothing. */
  | { readonly ok: true; readonly record: unknown | null; readonly seq: number | null }
  | { readonly ok: false; readonly status: 404 | 409 | 400; readonly errorCode: string; readonly message: string };

export type ChangesResult =
  | ({ readonly ok: true } & FeedPage)
  | { readonly ok: false; readonly errorCode: 'INVALID_PAGINATION_KEY' | 'INVALID_LIMIT'; readonly message: string };

type MutableTicket = {
  -readonly [K in keyof SimTicket]: SimTicket[K] extends readonly (infer T)[] ? T[] : SimTicket[K];
};

export class SimulatorState {
  readonly faults = new FaultPlan();
  private tickets = new Map<string, MutableTicket>();
  private feedEntries: FeedEntry[] = [];
  private requestLog: RequestRecord[] = [];
  /** Per endpoint and Idempotency-Key: the result given for each ticket of the first request. */
  private idempotency = new Map<string, Map<string, TicketResult>>();
  private replayedCount = 0;
  /** Requests applied whose answer is still held back by an `answerDelay` fault. */
  answersPending = 0;
  // Counters survive reset(): feed keys and sequence numbers handed out earlier stay meaningful.
  private feedSeq = 0;
  private feedReadPast = 0;
  private opSeq = 0;
  private requestSeq = 0;
  private readonly now: () => number;
  readonly maxFeedLimit: number;

  constructor(opts: StateOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.maxFeedLimit = opts.maxFeedLimit ?? 1000;
    this.feedSeq = opts.feedSeqStart ?? 0;
  }

  // ----- organizer operations -------------------------------------------------------------------

  /**
   * Applies a request under an `Idempotency-Key` (docs/tixngo-api.md §idempotency): a ticket already
   * answered under this key on this endpoint gets that answer again and is not applied twice; the
   * other tickets are applied (and remembered). Without a key, every request is applied.
   */
  applyIdempotent(op: Operation, key: string | null, entries: readonly Record<string, unknown>[], requestId: number): TicketResult[] {
    if (!key) return this[op](entries, requestId);
    const scope = `${op}|${key}`;
    let seen = this.idempotency.get(scope);
    if (!seen) {
      seen = new Map();
      this.idempotency.set(scope, seen);
    }
    const fresh: Record<string, unknown>[] = [];
    for (const e of entries) if (!seen.has(String(e.ticketId))) fresh.push(e);
    const applied = fresh.length > 0 ? this[op](fresh, requestId) : [];
    applied.forEach((r, i) => seen.set(String(fresh[i]!.ticketId), r));
    this.replayedCount += entries.length - fresh.length;
    return entries.map((e, index) => ({ ...seen.get(String(e.ticketId))!, index }));
  }

  /** How many tickets were answered from the idempotency memory instead of being applied again. */
  get replayed(): number {
    return this.replayedCount;
  }

  /** Applies one inject request's entries (already checked as objects); returns one result per entry. */
  inject(entries: readonly Record<string, unknown>[], requestId: number): TicketResult[] {
    return entries.map((entry, index) =>
      this.applyEntry('inject', entry, index, requestId, checkInjectEntry, (t, at) => {
        const transition = afterInject(t && holderOf(t));
        if (!transition.ok) return transition;
        const ticket = t ?? this.create(entry.ticketId as string, at);
        ticket.injectCount += 1;
        ticket.lastPayload = entry; // parsed from this request's body: nothing else holds it
        ticket.generation = generationOf(entry);
        ticket.eventId = eventIdOf(entry);
        if (transition.changed) {
          Object.assign(ticket, transition.next);
          ticket.deleteReason = null;
          ticket.showDeletedTicket = null;
          ticket.controlledAt = null;
        }
        return { ticket, record: true, action: 'INJECT' };
      }),
    );
  }

  delete(entries: readonly Record<string, unknown>[], requestId: number): TicketResult[] {
    return entries.map((entry, index) =>
      this.applyEntry('delete', entry, index, requestId, checkDeleteEntry, (t) => {
        const transition = afterDelete(t && holderOf(t));
        if (!transition.ok || !t) return transition as Extract<Transition, { ok: false }>;
        t.deleteCount += 1;
        t.deleteReason = entry.reason as string;
        t.showDeletedTicket = entry.showDeletedTicket as boolean;
        Object.assign(t, transition.next);
        return { ticket: t, record: transition.changed, action: 'DELETE' };
      }),
    );
  }

  control(entries: readonly Record<string, unknown>[], requestId: number): TicketResult[] {
    return entries.map((entry, index) =>
      this.applyEntry('control', entry, index, requestId, checkControlEntry, (t) => {
        const transition = afterControl(t && holderOf(t));
        if (!transition.ok || !t) return transition as Extract<Transition, { ok: false }>;
        t.controlCount += 1;
        t.controlledAt = entry.controlledAt as string;
        Object.assign(t, transition.next);
        return { ticket: t, record: transition.changed, action: 'CONTROL' };
      }),
    );
  }

  /** Reads the change feed after `paginationKey` (null: from the start), at most `limit` (raw query value). */
  changes(paginationKey: string | null, limit: string | null): ChangesResult {
    const checked = checkLimit(limit, this.maxFeedLimit);
    if (!checked.ok) return { ok: false, errorCode: 'INVALID_LIMIT', message: checked.message };
    let after = 0;
    if (paginationKey !== null && paginationKey !== '') {
      const decoded = decodePaginationKey(paginationKey);
      if (decoded === undefined) return { ok: false, errorCode: 'INVALID_PAGINATION_KEY', message: 'unknown pagination key' };
      after = decoded;
    }
    this.feedReadPast = Math.max(this.feedReadPast, after);
    return { ok: true, ...readPage(this.feedEntries, after, checked.limit) };
  }

  // ----- scripted wallet-side changes --------------------------------------------------------------

  /** A wallet-side change (download, assign, transfer, …); appends a feed record when it changes the ticket. */
  holderAction(ticketId: string, input: HolderActionInput): HolderActionResult {
    const t = this.tickets.get(ticketId);
    const transition = afterHolderAction(t && holderOf(t), input, t ? personFromSpectatorDetails(spectatorOf(t.lastPayload)) : null);
    if (!transition.ok) {
      const status = transition.errorCode === 'TICKET_NOT_FOUND' ? 404 : transition.errorCode === 'PERSON_REQUIRED' ? 400 : 409;
      return { ok: false, status, errorCode: transition.errorCode, message: transition.message };
    }
    if (!t || !transition.changed) return { ok: true, record: null, seq: null };
    Object.assign(t, transition.next);
    t.updatedAt = this.isoNow();
    const record = this.appendSnapshot(t, input.action.toUpperCase().replace(/-/g, '_'));
    return { ok: true, record, seq: this.feedSeq };
  }

  /** Appends a record exactly as given (e.g. malformed, to test the consumer); returns its sequence. */
  appendRawRecord(record: unknown): number {
    this.feedSeq += 1;
    this.feedEntries.push({ seq: this.feedSeq, record: structuredClone(record) });
    return this.feedSeq;
  }

  // ----- request log ------------------------------------------------------------------------------

  nextRequestId(): number {
    this.requestSeq += 1;
    return this.requestSeq;
  }

  recordRequest(r: Omit<RequestRecord, 'at'> & { at?: string }): RequestRecord {
    const record: RequestRecord = { ...r, at: r.at ?? this.isoNow() };
    this.requestLog.push(record);
    return record;
  }

  requests(filter: { endpoint?: Endpoint | undefined; ticketId?: string | undefined } = {}): RequestRecord[] {
    return this.requestLog.filter(
      (r) => (filter.endpoint === undefined || r.endpoint === filter.endpoint) && (filter.ticketId === undefined || r.ticketIds.includes(filter.ticketId)),
    );
  }

  // ----- inspection -------------------------------------------------------------------------------

  ticket(ticketId: string): SimTicket | undefined {
    const t = this.tickets.get(ticketId);
    return t ? structuredClone(t) : undefined;
  }

  feed(): readonly FeedEntry[] {
    return structuredClone(this.feedEntries);
  }

  /** Request and ticket counts, without copying any ticket: cheap enough to poll. */
  totals(): ReceivedSummary['totals'] {
    const byEndpoint = {} as Record<Endpoint, EndpointTotals>;
    for (const e of ENDPOINTS) {
      const rs = this.requestLog.filter((r) => r.endpoint === e);
      const handled = rs.filter((r) => r.fault === null && r.status !== null && r.status >= 200 && r.status <= 299);
      byEndpoint[e] = {
        requests: rs.length,
        handled: handled.length,
        failed: rs.length - handled.length,
        ticketsAccepted: sum(handled.map((r) => r.accepted)),
        ticketsRejected: sum(handled.map((r) => r.rejected)),
      };
    }
    return {
      requests: this.requestLog.length,
      byEndpoint,
      tickets: this.tickets.size,
      feedRecords: this.feedEntries.length,
      feedReadPast: this.feedReadPast,
    };
  }

  received(filter: { ticketIds?: readonly string[]; payloads?: boolean } = {}): ReceivedSummary {
    const all = [...this.tickets.values()];
    const wanted = filter.ticketIds && filter.ticketIds.length > 0 ? new Set(filter.ticketIds) : undefined;
    const chosen = wanted ? all.filter((t) => wanted.has(t.ticketId)) : all;
    const tickets = chosen.map((t) => {
      const copy = structuredClone(t) as SimTicket;
      return filter.payloads === false ? { ...copy, lastPayload: undefined } : copy;
    });
    return {
      totals: this.totals(),
      duplicates: {
        inject: all.filter((t) => t.injectCount > 1).map((t) => t.ticketId),
        delete: all.filter((t) => t.deleteCount > 1).map((t) => t.ticketId),
        control: all.filter((t) => t.controlCount > 1).map((t) => t.ticketId),
      },
      tickets,
    };
  }

  /**
   * Per ticket, the accepted operations in the order they were applied, with the generation each
   * concerned (and a delete's reason): what order and generation checks need, small enough to read for
   * tens of thousands of tickets (`GET /_sim/history`).
   */
  history(filter: { ticketIds?: readonly string[] } = {}): TicketHistory[] {
    const wanted = filter.ticketIds && filter.ticketIds.length > 0 ? filter.ticketIds : undefined;
    const chosen = wanted ? wanted.flatMap((id) => this.tickets.get(id) ?? []) : [...this.tickets.values()];
    return chosen.map((t) => ({
      ticketId: t.ticketId,
      status: t.status,
      generation: t.generation,
      ops: t.operations.map((o) => ({ op: o.op, generation: o.generation, seq: o.seq, ...(o.reason !== undefined ? { reason: o.reason } : {}) })),
    }));
  }

  /** Forgets tickets, feed records, requests and faults. Sequence counters keep counting. */
  reset(): void {
    this.tickets.clear();
    this.feedEntries = [];
    this.requestLog = [];
    this.idempotency.clear();
    this.faults.clear();
  }

  // ----- internals --------------------------------------------------------------------------------

  private applyEntry(
    op: Operation,
    entry: Record<string, unknown>,
    index: number,
    requestId: number,
    check: (t: Record<string, unknown>) => EntryProblem | undefined,
    apply: (t: MutableTicket | undefined, at: string) => { ticket: MutableTicket; record: boolean; action: string } | Extract<Transition, { ok: false }>,
  ): TicketResult {
    const ticketId = typeof entry.ticketId === 'string' ? entry.ticketId : null;
    const problem = check(entry);
    const existing = ticketId === null ? undefined : this.tickets.get(ticketId);
    const reject = (errorCode: string, message: string): TicketResult => {
      if (existing) existing.rejectedCount += 1;
      return { ticketId, index, status: 'REJECTED', errorCode, message };
    };
    if (problem) return reject(problem.errorCode, problem.message);
    const scripted = this.faults.rejectionFor(op, ticketId!);
    if (scripted) return reject(scripted.errorCode, scripted.message);

    const at = this.isoNow();
    const outcome = apply(existing, at);
    if ('ok' in outcome) return reject(outcome.errorCode, outcome.message);
    const { ticket, record, action } = outcome;
    this.opSeq += 1;
    // After `apply`: an injection has set the generation of its own payload.
    const generation = ticket.generation;
    const reason = op === 'delete' && typeof entry.reason === 'string' ? { reason: entry.reason } : {};
    ticket.operations.push({ op, seq: this.opSeq, at, requestId, generation, ...reason });
    if (record) {
      ticket.updatedAt = at;
      this.appendSnapshot(ticket, action);
    }
    return { ticketId, index, status: 'OK' };
  }

  private create(ticketId: string, at: string): MutableTicket {
    const t: MutableTicket = {
      ticketId,
      status: 'INJECTED',
      version: 0,
      injectCount: 0,
      deleteCount: 0,
      controlCount: 0,
      rejectedCount: 0,
      lastPayload: null,
      generation: null,
      operations: [],
      deleteReason: null,
      showDeletedTicket: null,
      controlledAt: null,
      eventId: null,
      walletOwner: null,
      ticketHolder: null,
      previousOwner: null,
      transferRecipient: null,
      updatedAt: at,
    };
    this.tickets.set(ticketId, t);
    return t;
  }

  /** Appends the ticket's full state as the next feed record (and bumps its version). */
  private appendSnapshot(t: MutableTicket, action: string): unknown {
    t.version += 1;
    const record = {
      ticketId: t.ticketId,
      status: t.status,
      version: t.version,
      updatedAt: t.updatedAt,
      action,
      eventId: t.eventId,
      walletOwner: t.walletOwner,
      ticketHolder: t.ticketHolder,
      previousOwner: t.previousOwner,
      transferRecipient: t.transferRecipient,
    };
    this.appendRawRecord(record); // stores its own copy
    return record;
  }

  /** The simulator clock's current time, RFC 3339. */
  nowIso(): string {
    return this.isoNow();
  }

  private isoNow(): string {
    return new Date(this.now()).toISOString();
  }
}

function holderOf(t: MutableTicket): HolderState {
  return {
    status: t.status,
    walletOwner: t.walletOwner,
    ticketHolder: t.ticketHolder,
    previousOwner: t.previousOwner,
    transferRecipient: t.transferRecipient,
  };
}

function spectatorOf(payload: unknown): unknown {
  return payload !== null && typeof payload === 'object' ? (payload as { spectatorDetails?: unknown }).spectatorDetails : undefined;
}

/** The `S360_GENERATION` hidden detail the bridge puts in every injection, as a number (null if absent). */
export function generationOf(entry: Record<string, unknown>): number | null {
  const details = entry.ticketDetails as { hidden?: unknown } | undefined;
  const hidden = details && typeof details === 'object' ? details.hidden : undefined;
  if (!Array.isArray(hidden)) return null;
  const item = hidden.find((h: unknown) => h !== null && typeof h === 'object' && (h as { key?: unknown }).key === 'S360_GENERATION') as
    | { value?: unknown }
    | undefined;
  const n = typeof item?.value === 'string' && /^\d+$/.test(item.value) ? Number(item.value) : typeof item?.value === 'number' ? item.value : NaN;
  return Number.isInteger(n) ? n : null;
}

function eventIdOf(entry: Record<string, unknown>): string | null {
  const event = entry.event as { id?: unknown } | undefined;
  return typeof event?.id === 'string' ? event.id : null;
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
