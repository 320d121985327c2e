import { randomUUID } from 'node:crypto';
import type { Logger } from '../ops/logger';
import { RejectedError } from '../shared/errors';
import { classifyOutcome } from '../tixngo/outcomes';
import type { TixngoApi } from '../tixngo/tixngo-api';
import type { Intent, Outbox, OutboxRequest, RequestItem } from '../contracts/outbox';
import type { DeliveryRecorder } from '../contracts/recorder';

export type Dependency = 'store' | 'tixngo' | 'kafka' | 'schema-registry';

/** Runs an I/O operation, retrying transient failures without limit (until the engine stops). */
export type Retry = <T>(dependency: Dependency, op: () => Promise<T>) => Promise<T>;

export interface InFlightDeps {
  readonly outbox: Outbox;
  /** The TIXnGO account of an organization (a stopped process's request goes back to the same one). */
  readonly tixngo: (organizationCode: string) => TixngoApi | undefined;
  readonly recorder: DeliveryRecorder;
  readonly retry: Retry;
  readonly log: Logger;
  readonly now: () => number;
  /** Waits `ms`; rejects when the engine stops. */
  readonly sleep: (ms: number) => Promise<void>;
  /** The role's loop is alive (health). */
  readonly beat: () => void;
}

/** How the outbox's intents are timed. */
export interface OutboxTiming {
  /** An intent untouched this long belongs to a process that stopped; its takeover starts then. */
  readonly staleMs: number;
  /** How often our intents are renewed (well below `staleMs`, so that nobody takes a live one over). */
  readonly renewMs: number;
  /** How often a batch waiting for another one looks again. */
  readonly pollMs: number;
}

export interface InFlightSettings extends OutboxTiming {
  readonly role: string;
  /** This pipeline in this process; never reused by a restarted process. */
  readonly owner: string;
}

/** A batch's intent, as its batch knows it. */
export interface OwnIntent {
  readonly id: string;
  readonly createdAt: Date;
}

/**
 * The roles' shared view of what is in flight, through the outbox (see `Outbox` for the documents).
 *
 * ## Who writes what, in which order, and what each side reads
 *
 * A batch of any role, before it reads anything about its tickets, writes its intent (its tickets) and,
 * for cancel and control, the facts that the core cancelled or controlled them (`seen`). Only then
 * does it read: first every intent, then the ledger. It writes a request before sending it, records
 * the request's outcome (write-back first, then ledger facts), removes the request, and finally
 * removes its intent. Every write is acknowledged before the next step starts, and the store is
 * linearizable for single documents, so "A wrote before it read, B wrote before it read" means at
 * least one of them reads the other's write (the classic store-buffer argument).
 *
 * - **inject vs cancel/control** (`waitsFor` decides who waits). The inject role waits until no
 *   intent of cancel or control names its ticket; cancel and control never wait for inject, they defer
 *   (`WAITING_FOR_INJECTION`) to any inject intent naming the ticket, and the inject role hands the
 *   deferred record back after its own intent is gone (`reconcile`). Both wrote before reading, so:
 *   either cancel sees the inject intent (it defers; inject hands the record back later), or inject
 *   sees the cancel intent (it waits until the deletion is recorded, so a deletion of an older
 *   generation is applied before the newer generation is sent), or both. The inject side removes its
 *   intent only after recording its facts, and cancel reads intents before facts: a cancel batch that
 *   no longer sees the intent sees the fact. Waits point one way (inject → cancel/control), so they
 *   cannot form a cycle.
 * - **two batches of one role in two processes** (a consumer-group rebalance leaves a member that lost
 *   a partition still working on it). The younger of two intents (by `createdAt`, then `_id`; both
 *   sides compare the same stored values) yields: it records `yieldsTo` and waits until the older one
 *   is gone. The older waits until the younger is gone or has yielded to it; if the younger read before
 *   the older wrote, it never saw it and does not yield, so the older waits until it is done.
 * - **a process that stopped** (kill -9, a lost node). Its intent is no longer touched; once it is
 *   `staleMs` old, whoever needs its tickets takes it over: an insert-only claim (`claimTakeover`) lets
 *   exactly one process adopt it; that process sends every request the intent still has again,
 *   *exactly* as it was sent (same key, same bytes), records the outcomes and removes the intent.
 *   Others wait for it, as for a live intent. In this process, one batch takes an intent over and the
 *   others await that batch.
 *
 * What this rules out: a ticket named in an unsettled request sent under another key; a deletion or
 * control of a generation applied after a newer generation was sent; a deletion lost because the
 * injection was applied but not recorded when its process died (the request is completed and recorded,
 * then the deletion handed back).
 */
export class InFlight {
  /** Intents of this pipeline's batches in flight (they never share a ticket: `TicketClaims`). */
  private readonly mine = new Set<string>();
  /** Intents of stopped processes this pipeline adopted and is completing (they do share tickets). */
  private readonly adopted = new Set<string>();
  /** Takeovers under way in this pipeline: one batch per intent does it, the others await it. */
  private readonly takeovers = new Map<string, Promise<void>>();
  /** Writes to our own intents, one after another (a touch never overwrites a yield, and the reverse). */
  private writes: Promise<unknown> = Promise.resolve();
  private keeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: InFlightDeps,
    private readonly settings: InFlightSettings,
  ) {}

  /** Starts renewing our intents (`touchedAt`) so that nobody takes them over while we live. */
  start(): void {
    this.keeper = setInterval(() => {
      if (this.mine.size + this.adopted.size === 0) return;
      const ids = [...this.mine, ...this.adopted];
      void this.serial(() => this.deps.outbox.touch(ids, new Date(this.deps.now()))).catch((e: unknown) =>
        this.deps.log.warn({ err: (e as Error).name }, 'could not renew the intents in flight; retrying at the next turn'),
      );
    }, this.settings.renewMs);
    this.keeper.unref?.();
  }

  stop(): void {
    if (this.keeper) clearInterval(this.keeper);
    this.keeper = undefined;
  }

  /** Writes the batch's intent (before it reads anything). */
  async open(tickets: readonly string[], retry: Retry = this.deps.retry): Promise<OwnIntent> {
    const at = new Date(this.deps.now());
    const intent: Intent = { _id: randomUUID(), role: this.settings.role, owner: this.settings.owner, tickets, createdAt: at, touchedAt: at, epoch: 0 };
    this.mine.add(intent._id);
    await retry('store', () => this.serial(() => this.deps.outbox.putIntent(intent)));
    return { id: intent._id, createdAt: at };
  }

  /** Removes the batch's intent, once everything it sent is recorded. */
  async close(intent: OwnIntent, retry: Retry = this.deps.retry): Promise<void> {
    await retry('store', () => this.serial(() => this.deps.outbox.removeIntent(intent.id)));
    this.mine.delete(intent.id);
  }

  /** Forgets an intent without removing it (the batch was abandoned: a later takeover completes it). */
  abandon(intent: OwnIntent): void {
    this.mine.delete(intent.id);
  }

  /**
   * Waits until no intent that this role must wait for names one of `tickets` (taking over those whose
   * process stopped), then returns, per ticket, the other roles whose intents name it.
   */
  async settle(own: OwnIntent, tickets: readonly string[], waitsFor: readonly string[], retry: Retry = this.deps.retry): Promise<Map<string, Set<string>>> {
    const wanted = new Set(tickets);
    let yielded = new Set<string>();
    for (;;) {
      const all = await retry('store', () => this.deps.outbox.intents());
      const now = this.deps.now();
      const others = new Map<string, Set<string>>();
      const blockers: Intent[] = [];
      for (const i of all) {
        // Our own batches never share a ticket (TicketClaims); an intent this pipeline adopted does, and
        // is waited for like any other (its takeover is awaited below).
        if (i._id === own.id || this.mine.has(i._id)) continue;
        const overlap = i.tickets.filter((t) => wanted.has(t));
        if (overlap.length === 0) continue;
        const sameRole = i.role === this.settings.role;
        if (!sameRole && !waitsFor.includes(i.role)) {
          for (const t of overlap) {
            const roles = others.get(t) ?? new Set<string>();
            roles.add(i.role);
            others.set(t, roles);
          }
          continue;
        }
        if (this.isStale(i, now)) {
          blockers.push(i);
          continue;
        }
        if (sameRole && !olderThan(i, own)) {
          // The younger one: it waits for us once it sees us (yieldsTo), or it never saw us and is on its way.
          if (i.yieldsTo?.includes(own.id)) continue;
        }
        blockers.push(i);
      }
      if (blockers.length === 0) return others;
      const toYield = blockers.filter((b) => b.role === this.settings.role && olderThan(b, own) && !yielded.has(b._id));
      if (toYield.length > 0) {
        yielded = new Set([...yielded, ...toYield.map((b) => b._id)]);
        const ids = [...yielded];
        await retry('store', () => this.serial(() => this.deps.outbox.yieldTo(own.id, ids)));
      }
      for (const b of blockers) if (this.isStale(b, now) || this.takeovers.has(b._id)) await this.takeOver(b);
      this.deps.beat();
      await this.deps.sleep(this.settings.pollMs);
    }
  }

  private isStale(i: Intent, now: number): boolean {
    return this.isOld(i.touchedAt, now);
  }

  private isOld(at: Date, now: number): boolean {
    return now - at.getTime() > this.settings.staleMs;
  }

  /** Takes over an intent whose process stopped: one batch of one process does it (see the class comment). */
  private takeOver(intent: Intent): Promise<void> {
    let running = this.takeovers.get(intent._id);
    if (!running) {
      running = this.adoptAndComplete(intent).finally(() => this.takeovers.delete(intent._id));
      this.takeovers.set(intent._id, running);
    }
    return running;
  }

  private async adoptAndComplete(intent: Intent): Promise<void> {
    const { outbox } = this.deps;
    let epoch = intent.epoch + 1;
    for (;;) {
      const at = new Date(this.deps.now());
      if (await this.deps.retry('store', () => outbox.claimTakeover(intent._id, epoch, { owner: this.settings.owner, at }))) break;
      const claim = await this.deps.retry('store', () => outbox.takeoverClaim(intent._id, epoch));
      if (!claim) return; // settled and cleaned up meanwhile
      if (!this.isOld(claim.at, this.deps.now())) return; // another process is on it: wait for it like for a live intent
      epoch++; // its taker stopped too
    }
    this.adopted.add(intent._id);
    try {
      await this.deps.retry('store', () => this.serial(() => outbox.adopt(intent._id, this.settings.owner, epoch, new Date(this.deps.now()))));
      const requests = await this.deps.retry('store', () => outbox.requestsOf(intent._id));
      this.deps.log.warn(
        { intent: intent._id, role: intent.role, tickets: intent.tickets.length, requests: requests.length },
        'taking over the work of a stopped process: its unsettled requests go again under their own keys',
      );
      for (const r of requests) await this.complete(r);
      await this.deps.retry('store', () => this.serial(() => outbox.removeIntent(intent._id)));
      await this.deps.retry('store', () => outbox.removeTakeovers(intent._id, epoch));
    } finally {
      this.adopted.delete(intent._id);
    }
  }

  /**
   * Settles a request that may have been applied: sends exactly its body again under its key and
   * records what TIXnGO accepted. A rejection (of the whole request or of tickets) records nothing:
   * those tickets' records are decided again when they are read.
   */
  async complete(r: OutboxRequest): Promise<void> {
    const ticketIds = r.items.map((i) => i.ticketId);
    const tixngo = this.deps.tixngo(r.organization);
    // The organization left the configuration while its request was unsettled: it cannot be completed
    // here, and its tickets must not go out under another key. The role stops and says why.
    if (!tixngo) throw new Error(`request ${r._id} of organization ${r.organization} is unsettled, but the release no longer serves that organization`);
    let applied: RequestItem[] = [];
    try {
      const result = await this.deps.retry('tixngo', () => tixngo.push(r.endpoint, r.body, ticketIds, { idempotencyKey: r._id }));
      const ok = new Set(result.outcomes.filter((o) => classifyOutcome(r.endpoint, o).kind === 'applied').map((o) => o.ticketId));
      applied = r.items.filter((i) => ok.has(i.ticketId));
    } catch (e) {
      if (!(e instanceof RejectedError)) throw e;
    }
    const at = new Date(this.deps.now());
    if (applied.length > 0) {
      await this.deps.retry('store', () =>
        this.deps.recorder.delivered(r.endpoint, applied, { requestId: r._id, at, ...(r.writeBack ? { writeBack: r.writeBack } : {}) }),
      );
    }
    await this.deps.retry('store', () => this.deps.outbox.removeRequest(r._id));
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.writes.then(op, op);
    this.writes = next.catch(() => undefined);
    return next;
  }
}

/** Whether intent `a` is older than `b`: `createdAt`, then `_id`; every process compares the same stored values. */
export function olderThan(
  a: { readonly _id?: string; readonly id?: string; readonly createdAt: Date },
  b: { readonly _id?: string; readonly id?: string; readonly createdAt: Date },
): boolean {
  const ta = a.createdAt.getTime();
  const tb = b.createdAt.getTime();
  if (ta !== tb) return ta < tb;
  return (a._id ?? a.id ?? '') < (b._id ?? b.id ?? '');
}
