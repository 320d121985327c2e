import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config, TixngoSettings } from '../config/load-config';
import type { AvroCodec } from '../kafka/avro-codec';
import type { EventPublisher, OutgoingMessage } from '../kafka/producer';
import { dependencyRetry, type DependencyRetry } from '../ops/dependency-retry';
import type { Health } from '../ops/health';
import type { Logger } from '../ops/logger';
import type { Metrics } from '../ops/metrics';
import type { RunningRole } from '../consumer-role';
import { DlqLimit } from '../pipeline/dlq-limit';
import { DlqLimitExceeded } from '../pipeline/engine';
import type { PipelineEvents } from '../pipeline/report';
import { AbortedError, BridgeError, PoisonMessageError, toSafeError } from '../shared/errors';
import type { HolderDocument, HolderHead, HolderStore } from '../store/holder-store';
import type { LeaseStore, LeaseTerm } from '../store/lease-store';
import type { ChangePage, TixngoApi } from '../tixngo/tixngo-api';
import { toFeedDeadLetter } from './feed-dead-letter';
import { HeadCache } from './head-cache';
import { parseFeedRecord, toHolderUpdated, type HolderRecord, type ParsedFeedRecord } from './feed-record';
import { planPage, type RecordOutcome, type StateWrite } from './holder-state';
import { nextPollDelayMs } from './pacing';
import { isSkipped, parseSkipList, type SkipList } from './skip-list';

export const HOLDER_SYNC_ROLE = 'holder-sync';

/** Outcomes counted in `tixngo_bridge_poller_records_total{outcome}`. */
export type PollerRecordOutcome = RecordOutcome | 'skipped' | 'dead-lettered';

/**
 * One TIXnGO organizer to poll: its own lease, pagination key, client and skip list. Organizations that
 * inject into one organizer share its poller (`OrganizationRouter.organizers()`).
 */
export interface HolderSyncOrganizer {
  /** TIXnGO's organizer (account) id: the lease, the key and the holder states are per organizer. */
  readonly organizerId: string;
  /** How to reach that organizer's API (its base URL and API key among them). */
  readonly tixngo: TixngoSettings;
  /** Skip list (HOLDER_SYNC_SKIP's syntax). */
  readonly skip: readonly string[];
}

export interface HolderSyncDeps {
  /** Pacing, lease TTL and history limit (`holderSync`), topics, retry, dead-letter limit, instance id. */
  readonly config: Pick<Config, 'holderSync' | 'topics' | 'retry' | 'dlq' | 'instanceId'> & { readonly kafka: Pick<Config['kafka'], 'heartbeatMs'> };
  /** Builds the TIXnGO client of one organizer; closed when the role stops. */
  readonly tixngoClient: (settings: TixngoSettings) => TixngoApi & { close?(): void };
  readonly holders: HolderStore;
  readonly leases: LeaseStore;
  readonly codec: AvroCodec;
  readonly publisher: EventPublisher;
  readonly metrics: Metrics;
  readonly health: Health;
  readonly log: Logger;
  /** `onRetry` (transient failures, for digests) and `onFatal` (a bug or the dead-letter limit: the process stops). */
  readonly events: PipelineEvents;
  /** Told when a page cannot be read or handled for a non-transient reason (by error code, never message). */
  readonly notifier?: { reportPollerError(info: { role?: string; code: string }): void };
  /** Clock, milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
  /** Jitter source for backoff. Default `Math.random`. */
  readonly random?: () => number;
}

/**
 * Starts the `holder-sync` role (S-360's "Retrieve ticket status from TIXnGO", domain.md §1.4): for
 * each TIXnGO organizer in `organizers`, one poller, active only while it holds that organizer's lease
 * (store/lease-store.ts); the replicas that do not hold it stand by. Organizers are independent: each
 * has its own lease, key, client, skip list and dead-letter limit, and its own states in the store.
 *
 * Per page: read the feed after the stored key → validate each record (unusable ones are
 * dead-lettered, skip-listed ones ignored) → read the page's stored states, decide in memory which
 * records are newer → check the lease → publish one `holder-updated` event per newer record (one
 * acknowledged send) → check the lease → write the new states by `_id` → check the lease → store the
 * next key in the term.
 * A crash anywhere repeats the page; no page is ever skipped. See docs/holder-sync.md.
 *
 * Throws at start if the `holder-updated` schema is not registered under the output topic, or if an
 * organizer is listed twice.
 */
export async function startHolderSync(organizers: readonly HolderSyncOrganizer[], deps: HolderSyncDeps): Promise<RunningRole> {
  const ids = organizers.map((o) => o.organizerId);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined)
    throw new Error(
      `holder-sync: organizer ${twice} is listed twice; list each TIXnGO organizer once (several organizations of one organizer share its poller)`,
    );
  if (organizers.length === 0) throw new Error('holder-sync: no TIXnGO organizer to poll');
  await deps.codec.writerId(deps.config.topics.holderUpdated, 'holder-updated');
  const pollers = organizers.map((o) => new OrganizerPoller(o, deps.tixngoClient(o.tixngo), deps));
  // Readiness is the role's (`holder-sync`, failing while any `holder-sync:<organizer>:…` component is);
  // liveness is each poller's own beat as well.
  deps.health.markStarted(HOLDER_SYNC_ROLE);
  for (const p of pollers) p.start();
  return {
    role: HOLDER_SYNC_ROLE,
    stop: async (deadlineMs) => {
      await Promise.all(pollers.map((p) => p.stop(deadlineMs)));
    },
  };
}

/** The lease was taken over or could not be renewed in time: stop polling, write nothing more. */
class LeaseLostError extends AbortedError {
  constructor(message: string) {
    super('HOLDER_SYNC_LEASE_LOST', message);
  }
}

/** The stop deadline passed while a page was in flight: it is abandoned and its key not written. */
class PageAbandonedError extends AbortedError {
  constructor(message: string) {
    super('HOLDER_SYNC_PAGE_ABANDONED', message);
  }
}

/**
 * One term of holding an organizer's lease. Aborted when the lease is lost or the page must be
 * abandoned. The holder acts only until `validUntil`: two thirds of the TTL after the last renewal that
 * confirmed the term, by its own clock, while a standby waits the whole TTL after it (by its clock).
 */
class Tenure {
  private readonly controller = new AbortController();
  /** What the store holds of the tickets this term read or wrote (sound because the term is the only writer: head-cache.ts). */
  readonly heads = new HeadCache(HEAD_CACHE_HISTORY_ENTRIES);
  private writes: Promise<unknown> = Promise.resolve();
  validUntil: number;

  constructor(
    readonly lease: LeaseTerm,
    confirmedAt: number,
    private readonly validForMs: number,
  ) {
    this.validUntil = confirmedAt + validForMs;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  end(reason: Error): void {
    if (!this.controller.signal.aborted) this.controller.abort(reason);
  }

  /** A renewal that started at `at` was confirmed by a check after it. */
  confirmed(at: number): void {
    this.validUntil = Math.max(this.validUntil, at + this.validForMs);
  }

  /**
   * Runs writes to the term's document one after the other. The holder is the document's only writer,
   * but the local server applies an update by reading the document and writing it back whole: a
   * renewal overlapping a key commit could write the old key back.
   */
  serialize<T>(op: () => Promise<T>): Promise<T> {
    const run = this.writes.then(op, op);
    this.writes = run.catch(() => undefined);
    return run;
  }
}

interface PageSummary {
  readonly records: number;
  readonly nextKey: string | null;
  readonly keyMoved: boolean;
}

/**
 * The most history entries a term's head cache keeps (head-cache.ts): ~150 bytes each, so at most some
 * 45 MB, and a stadium's 80,000 tickets with a few changes each stay cached through match day.
 */
const HEAD_CACHE_HISTORY_ENTRIES = 300_000;
const ROLE = HOLDER_SYNC_ROLE;

/** The poller of one organizer. */
class OrganizerPoller {
  private readonly s: Config['holderSync'];
  private readonly organizerId: string;
  /** Health component (liveness beats, readiness failures `<component>:<dependency>`). */
  private readonly component: string;
  private readonly labels: { role: string; organizer: string };
  private readonly owner: string;
  private readonly skip: SkipList;
  private readonly dlqLimit: DlqLimit;
  private readonly topic: string;
  private readonly dlqTopic: string;
  private readonly feedPath: string;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly retrier: DependencyRetry;
  private readonly log: Logger;
  /** Aborted by `stop()`: no new page, standby and poll waits end at once. */
  private readonly stopping = new AbortController();
  private tenure: Tenure | undefined;
  /** The last term this poller claimed, released at stop. */
  private lastTenure: Tenure | undefined;
  private renewing = false;
  private loop: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | undefined;

  constructor(
    organizer: HolderSyncOrganizer,
    private readonly tixngo: TixngoApi & { close?(): void },
    private readonly deps: HolderSyncDeps,
  ) {
    const c = deps.config;
    this.s = c.holderSync;
    this.organizerId = organizer.organizerId;
    this.component = `${ROLE}:${organizer.organizerId}`;
    this.labels = { role: ROLE, organizer: organizer.organizerId };
    // The instance id alone is not unique: two bridges in one process (tests) or a restarted
    // container with the same hostname and pid must not both believe they hold the lease.
    this.owner = `${c.instanceId}:${randomBytes(4).toString('hex')}`;
    this.skip = parseSkipList(organizer.skip);
    this.dlqLimit = new DlqLimit(c.dlq);
    this.topic = c.topics.holderUpdated;
    this.dlqTopic = `${c.topics.holderUpdated}${c.topics.dlqSuffix}`;
    this.feedPath = organizer.tixngo.paths.changes;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.log = deps.log.child({ role: ROLE, organizerId: organizer.organizerId });
    this.retrier = dependencyRetry({
      role: ROLE,
      component: this.component,
      labels: this.labels,
      beat: () => this.beat(),
      policy: c.retry,
      heartbeatMs: c.kafka.heartbeatMs,
      health: deps.health,
      metrics: deps.metrics,
      log: this.log,
      events: deps.events,
      random: this.random,
      now: this.now,
    });
  }

  start(): void {
    this.beat();
    this.loop = this.run().catch((e: unknown) => {
      const error = e instanceof Error ? e : new Error(String(e));
      this.log.error({ error: toSafeError(error) }, 'holder-sync stopped on an error');
      this.deps.events.onFatal(error);
    });
  }

  /**
   * Stops polling: a page in flight is finished, or abandoned without writing its key once
   * `deadlineMs` has passed; then the lease is released so a standby replica takes over at once.
   */
  stop(deadlineMs: number): Promise<void> {
    this.stopped ??= this.shutdown(deadlineMs);
    return this.stopped;
  }

  private async shutdown(deadlineMs: number): Promise<void> {
    this.stopping.abort();
    if (!(await settlesWithin(this.loop, deadlineMs))) {
      this.log.warn({ deadlineMs }, 'page in flight abandoned at shutdown; it will be read again');
      this.tenure?.end(new PageAbandonedError('stop deadline passed'));
      await settlesWithin(this.loop, 10_000);
    }
    const last = this.lastTenure;
    if (last) {
      try {
        await last.serialize(() => this.deps.leases.release(last.lease, new Date(this.now())));
        this.log.info({ term: last.lease.term }, 'lease released');
      } catch (e) {
        this.log.warn({ error: toSafeError(e) }, 'could not release the lease; it expires on its own');
      }
    }
    this.tixngo.close?.();
    this.log.info('poller stopped');
  }

  // ----- election ---------------------------------------------------------------------------------

  private async run(): Promise<void> {
    let standingBy = false;
    while (!this.stopping.signal.aborted) {
      this.beat();
      let lease: LeaseTerm | null;
      let claimedAt = this.now();
      try {
        lease = await this.retry(
          'mongo',
          () => {
            claimedAt = this.now();
            return this.deps.leases.claim(this.organizerId, this.owner, new Date(claimedAt), this.s.leaseTtlMs);
          },
          this.stopping.signal,
        );
      } catch (e) {
        if (this.stopping.signal.aborted) return;
        throw e;
      }
      if (!lease) {
        if (!standingBy) {
          this.log.info({ owner: this.owner }, 'lease held by another replica; standing by');
          this.deps.metrics.pollerKeyAge.remove(this.labels);
        }
        standingBy = true;
        await this.pause(this.s.leaseTtlMs / 3);
        continue;
      }
      standingBy = false;
      await this.lead(lease, claimedAt);
    }
  }

  /** Polls while holding the lease (claimed at `claimedAt`); returns when it is lost or the role stops. */
  private async lead(lease: LeaseTerm, claimedAt: number): Promise<void> {
    const tenure = new Tenure(lease, claimedAt, Math.floor((this.s.leaseTtlMs * 2) / 3));
    this.tenure = tenure;
    this.lastTenure = tenure;
    this.log.info({ owner: this.owner, term: lease.term, hasKey: lease.paginationKey !== null }, 'lease acquired; polling the change feed');
    const renewer = setInterval(() => void this.renew(tenure), Math.max(100, Math.floor(this.s.leaseTtlMs / 3)));
    // Older terms are only clutter now (a holder of one finds its term gone and stops): best effort.
    await this.deps.leases
      .prune(lease)
      .catch((e: unknown) => this.log.warn({ error: toSafeError(e) }, 'could not delete older lease terms; the next holder will'));
    let key = lease.paginationKey;
    let keyMovedAt = (lease.keyUpdatedAt ?? lease.acquiredAt ?? new Date(this.now())).getTime();
    let delayMs = 0;
    let lastRequestAt = Number.NEGATIVE_INFINITY;
    try {
      while (!this.stopping.signal.aborted && !tenure.signal.aborted) {
        this.deps.metrics.pollerKeyAge.set(this.labels, Math.max(0, (this.now() - keyMovedAt) / 1000));
        if (delayMs > 0) await this.pause(delayMs);
        if (this.stopping.signal.aborted || tenure.signal.aborted) break;
        lastRequestAt = this.now();
        let page: PageSummary;
        try {
          page = await this.pollPage(key, tenure);
        } catch (e) {
          if (tenure.signal.aborted || !(e instanceof BridgeError) || e.kind === 'transient' || e.kind === 'fatal' || e.kind === 'aborted') throw e;
          // A non-transient refusal of the whole page (e.g. TIXnGO answers 400 to our key, or 404 to
          // a misconfigured path): no record can be handled and none may be skipped. Keep the lease,
          // report, and try again after the longest backoff; readiness stays false meanwhile.
          this.deps.health.failingSince(`${this.component}:page`, e.code);
          this.deps.notifier?.reportPollerError({ role: ROLE, code: e.code });
          this.log.error({ error: toSafeError(e), retryInMs: this.deps.config.retry.maxMs }, 'change-feed page could not be handled; retrying later');
          delayMs = this.deps.config.retry.maxMs;
          continue;
        }
        if (page.keyMoved) keyMovedAt = this.now();
        key = page.nextKey;
        delayMs = nextPollDelayMs({
          page: { records: page.records, limit: this.s.pageLimit, keyMoved: page.keyMoved },
          pollIntervalMs: this.s.pollIntervalMs,
          maxRequestsPerSecond: this.s.maxRequestsPerSecond,
          sinceLastRequestMs: this.now() - lastRequestAt,
        });
      }
    } catch (e) {
      if (!tenure.signal.aborted) throw e;
    } finally {
      clearInterval(renewer);
      this.tenure = undefined;
      // A standby has no page to fail: whatever kept this replica's page from being handled is no
      // longer its concern (the new holder reports its own).
      this.deps.health.recovered(`${this.component}:page`);
    }
    const reason: unknown = tenure.signal.reason;
    if (reason instanceof LeaseLostError) this.log.warn({ reason: reason.message, term: lease.term }, 'lease lost; nothing more written, standing by');
  }

  /** Background renewal every TTL/3; ends the tenure once the term is taken over or has run out by our clock. */
  private async renew(tenure: Tenure): Promise<void> {
    if (this.renewing || tenure.signal.aborted) return;
    this.renewing = true;
    const startedAt = this.now();
    try {
      const held = await tenure.serialize(() => this.deps.leases.renew(tenure.lease, new Date(startedAt), this.s.leaseTtlMs));
      if (held) tenure.confirmed(startedAt);
      else tenure.end(new LeaseLostError('another replica claimed a newer term'));
    } catch (e) {
      this.log.warn({ error: toSafeError(e) }, 'lease renewal failed');
      if (this.now() >= tenure.validUntil) tenure.end(new LeaseLostError('the lease ran out while it could not be renewed'));
    } finally {
      this.renewing = false;
    }
  }

  /** Throws (and ends the tenure) once the lease ran out by this replica's clock. */
  private checkClock(tenure: Tenure): void {
    tenure.signal.throwIfAborted();
    if (this.now() < tenure.validUntil) return;
    const lost = new LeaseLostError('the lease ran out while it could not be renewed');
    tenure.end(lost);
    throw lost;
  }

  /** Step 3 of the lease protocol (lease-store.ts): still this replica's term, and no newer one? Else end the tenure. */
  private async ensureHeld(tenure: Tenure): Promise<void> {
    this.checkClock(tenure);
    if (await this.retry('mongo', () => this.deps.leases.holds(tenure.lease), tenure.signal)) return;
    const lost = new LeaseLostError('another replica claimed a newer term');
    tenure.end(lost);
    throw lost;
  }

  // ----- one page ---------------------------------------------------------------------------------

  private async pollPage(key: string | null, tenure: Tenure): Promise<PageSummary> {
    const signal = tenure.signal;
    const startedAt = this.now();
    /** Milliseconds spent in each stage of the page, logged with it. */
    const stagesMs: Record<string, number> = {};
    let stageStart = startedAt;
    const stage = (name: string) => {
      const at = this.now();
      stagesMs[name] = at - stageStart;
      stageStart = at;
    };
    this.beat();
    const page = await this.retry('tixngo', () => this.tixngo.fetchChanges({ paginationKey: key, limit: this.s.pageLimit }, { signal }), signal);
    stage('fetch');
    const observedAt = new Date(this.now());
    this.deps.metrics.pollerPages.inc(this.labels);

    // Validate and sort out every record; unusable ones become dead letters (as values, not throws).
    const valid: HolderRecord[] = [];
    const letters: OutgoingMessage[] = [];
    const deadCodes: string[] = [];
    let skipped = 0;
    const reader = this.deps.codec.reader('holder-updated');
    let dlqLimitReason: string | undefined;
    page.records.forEach((raw, index) => {
      if (isSkipped(raw, this.skip)) {
        skipped++;
        dlqLimitReason = this.dlqLimit.record(false) ?? dlqLimitReason;
        return;
      }
      let parsed: ParsedFeedRecord = parseFeedRecord(raw);
      if (parsed.ok && !reader.isValid(toHolderUpdated(parsed.record, observedAt, this.organizerId))) {
        parsed = {
          ok: false,
          ticketId: parsed.record.ticketId,
          error: new PoisonMessageError('FEED_RECORD_UNENCODABLE', 'change-feed record does not fit the holder-updated schema'),
        };
      }
      dlqLimitReason = this.dlqLimit.record(!parsed.ok) ?? dlqLimitReason;
      if (parsed.ok) {
        valid.push(parsed.record);
        return;
      }
      deadCodes.push(parsed.error.code);
      letters.push(
        toFeedDeadLetter(
          { organizerId: this.organizerId, feedPath: this.feedPath, requestKey: key, index, raw, error: parsed.error, ticketId: parsed.ticketId, observedAt },
          ROLE,
          observedAt,
        ),
      );
    });
    // Past the dead-letter limit, stop before dead-lettering anything or moving the key: after the fix
    // the page is read again, instead of the whole feed ending up in the dead-letter topic.
    if (dlqLimitReason) throw new DlqLimitExceeded(dlqLimitReason);

    try {
      return await this.handleRecords(key, page, { valid, letters, deadCodes, skipped, observedAt }, tenure, stage, stagesMs, startedAt);
    } catch (e) {
      // A page that failed may have written states the cache does not know of: read them again.
      tenure.heads.clear();
      throw e;
    }
  }

  private async handleRecords(
    key: string | null,
    page: ChangePage,
    sorted: { valid: HolderRecord[]; letters: OutgoingMessage[]; deadCodes: string[]; skipped: number; observedAt: Date },
    tenure: Tenure,
    stage: (name: string) => void,
    stagesMs: Record<string, number>,
    startedAt: number,
  ): Promise<PageSummary> {
    const signal = tenure.signal;
    const { valid, letters, deadCodes, skipped, observedAt } = sorted;
    const ticketIds = [...new Set(valid.map((r) => r.ticketId))];
    const { found: stored, missing } = tenure.heads.lookup(ticketIds);
    if (missing.length > 0) {
      const read = await this.retry('mongo', () => this.deps.holders.heads(this.organizerId, missing), signal);
      for (const [ticketId, head] of read) {
        stored.set(ticketId, head);
        tenure.heads.set(ticketId, head);
      }
    }
    const plan = planPage(this.organizerId, valid, stored, observedAt, this.s.historyLimit);
    stage('plan');

    // Nothing is published by a replica that lost the lease (the invariant in lease-store.ts): check it
    // in the store, as before every write.
    if (letters.length > 0 || plan.events.length > 0) await this.ensureHeld(tenure);
    if (letters.length > 0) await this.retry('kafka', () => this.deps.publisher.publish(this.dlqTopic, letters), signal);
    // Events before states: a state in the store means its events were acknowledged, so a page read
    // again after a crash may skip records that are no longer newer than the store without losing one.
    if (plan.events.length > 0) {
      const messages = await this.retry(
        'registry',
        () =>
          Promise.all(
            plan.events.map(async (r) => ({
              key: r.ticketId,
              value: await this.deps.codec.encode(this.topic, 'holder-updated', toHolderUpdated(r, observedAt, this.organizerId)),
            })),
          ),
        signal,
      );
      await this.retry('kafka', () => this.deps.publisher.publish(this.topic, messages), signal);
    }
    stage('publish');
    if (plan.writes.length > 0) {
      await this.ensureHeld(tenure);
      await this.writeStates(plan.writes, valid, observedAt, tenure);
    }
    stage('write');

    // Only now, with every event of the page acknowledged and every state written: the key, into this
    // replica's term, if it still holds it.
    const nextKey = page.nextPaginationKey ?? key;
    const keyMoved = nextKey !== key;
    await this.ensureHeld(tenure);
    const commitAt = this.now();
    await this.retry(
      'mongo',
      () =>
        tenure.serialize(() =>
          this.deps.leases.commitPage(tenure.lease, { paginationKey: nextKey, keyMoved, now: new Date(commitAt), ttlMs: this.s.leaseTtlMs }),
        ),
      signal,
    );
    stage('commit');

    this.count(plan.outcomes, skipped, deadCodes);
    this.deps.health.recovered(`${this.component}:page`);
    this.beat();
    this.log.debug(
      {
        records: page.records.length,
        events: plan.events.length,
        writes: plan.writes.length,
        skipped,
        deadLettered: letters.length,
        keyMoved,
        ms: this.now() - startedAt,
        stagesMs,
      },
      'change-feed page handled',
    );
    return { records: page.records.length, nextKey, keyMoved };
  }

  /**
   * Writes the page's states by `_id` only: new tickets in one insert, known ones replaced. The lease
   * makes this replica the only writer of its organizer's states, so what it read is what is stored,
   * and the replacements need no condition (on the local server a condition beyond `_id` costs a scan
   * of the collection per write, and guards nothing: it is not atomic there). A state that appeared
   * before its insert (a retried insert that had reached the server, or a holder that had not yet
   * noticed it lost its term) is read again and decided again, so an older record never replaces it.
   */
  private async writeStates(writes: readonly StateWrite[], records: readonly HolderRecord[], observedAt: Date, tenure: Tenure): Promise<void> {
    const signal = tenure.signal;
    let pending = writes;
    while (pending.length > 0) {
      const inserts = pending.filter((w) => !w.replaces).map((w) => w.next);
      const replacements = pending.filter((w) => w.replaces).map((w) => w.next);
      this.checkClock(tenure);
      const appeared = inserts.length > 0 ? await this.retry('mongo', () => this.deps.holders.insertNew(inserts), signal) : new Set<string>();
      for (const s of inserts) if (!appeared.has(s.ticketId)) tenure.heads.set(s.ticketId, headOf(s));
      if (replacements.length > 0) {
        await this.retry(
          'mongo',
          () =>
            this.deps.holders.replace(replacements, () => {
              this.checkClock(tenure);
              this.beat();
            }),
          signal,
        );
        for (const s of replacements) tenure.heads.set(s.ticketId, headOf(s));
      }
      if (appeared.size === 0) return;
      this.log.info({ tickets: appeared.size }, 'holder states appeared while being inserted; deciding again');
      const fresh = await this.retry('mongo', () => this.deps.holders.heads(this.organizerId, [...appeared]), signal);
      pending = planPage(
        this.organizerId,
        records.filter((r) => appeared.has(r.ticketId)),
        fresh,
        observedAt,
        this.s.historyLimit,
      ).writes;
    }
  }

  private count(outcomes: readonly RecordOutcome[], skipped: number, deadCodes: readonly string[]): void {
    const m = this.deps.metrics;
    const totals = new Map<PollerRecordOutcome, number>();
    for (const o of outcomes) totals.set(o, (totals.get(o) ?? 0) + 1);
    if (skipped > 0) totals.set('skipped', skipped);
    if (deadCodes.length > 0) totals.set('dead-lettered', deadCodes.length);
    for (const [outcome, n] of totals) m.pollerRecords.inc({ ...this.labels, outcome }, n);
    if (skipped > 0) m.skipped.inc({ ...this.labels, reason: 'SKIP_LIST' }, skipped);
    for (const code of deadCodes) m.deadLettered.inc({ ...this.labels, code });
  }

  // ----- plumbing ---------------------------------------------------------------------------------

  /** Retries transient failures without limit (readiness false meanwhile) until `signal` aborts. */
  private async retry<T>(dependency: 'tixngo' | 'kafka' | 'mongo' | 'registry', op: () => Promise<T>, signal: AbortSignal): Promise<T> {
    // An operation cut short by our own abort (lease lost, stop deadline) is not a dependency failure.
    const once = async (): Promise<T> => {
      try {
        return await op();
      } catch (e) {
        if (signal.aborted) throw signal.reason;
        throw e;
      }
    };
    return this.retrier(dependency, once, { signal });
  }

  /** Waits `ms`, beating for liveness, and returns early when the role stops. */
  private async pause(ms: number): Promise<void> {
    let left = ms;
    while (left > 0 && !this.stopping.signal.aborted) {
      const step = Math.min(left, this.deps.config.kafka.heartbeatMs);
      await sleep(step, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      left -= step;
      this.beat();
    }
  }

  /** Liveness: this organizer's loop, and the role's (which every poller keeps beating). */
  private beat(): void {
    this.deps.health.beat(this.component);
    this.deps.health.beat(ROLE);
  }
}

/** What the cache keeps of a state just written: what `HolderStore.heads` would read back. */
function headOf(s: HolderDocument): HolderHead {
  return { version: s.version, ...(s.history ? { history: s.history } : {}) };
}

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([
      p.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
