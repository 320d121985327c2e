import { MongoClient, type Db } from 'mongodb';
import type { Bridge } from '../../src/app';
import { AvroCodec } from '../../src/kafka/avro-codec';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter';
import { decodePaginationKey, encodePaginationKey } from '../../src/simulator/feed';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator';
import { decodeHolderDoc, HOLDERS_COLLECTION, type HolderDocument, type StoredHolderDocument } from '../../src/store/holder-store';
import { MongoLeaseStore } from '../../src/store/lease-store';
import type { Person } from '../../src/tixngo/wire-schemas';
import { aPrintedTicket } from '../../src/tools/sample-events';
import { spawnBridge, type BridgeProcess } from '../support/bridge-process';
import {
  API_KEY,
  bridgeEnv,
  createTestTopics,
  produceAvro,
  readAll,
  services,
  startTestBridge,
  startTestSimulator,
  topicSize,
  withMongo,
  type TestTopics,
} from '../support/harness';
import { waitFor } from '../support/wait-for';

interface DecodedEvent {
  readonly key: string | null;
  readonly ticketId: string;
  readonly tixngoStatus: string;
  readonly version: number;
  readonly walletOwner: Person | null;
  readonly ticketHolder: Person | null;
  readonly previousOwner: Person | null;
  readonly changedAt: Date;
  readonly observedAt: Date;
  readonly transferRecipient: Person | null;
  readonly action: string | null;
  readonly eventId: string | null;
  readonly organizerId: string | null;
}

describe('holder-sync role (real Kafka, registry, MongoDB-compatible store and simulator)', () => {
  let simulator: RunningSimulator;
  let topics: TestTopics;
  const cleanups: (() => Promise<unknown>)[] = [];
  const codec = new AvroCodec({ url: services().registryUrl });

  beforeEach(async () => {
    simulator = await startTestSimulator();
    topics = await createTestTopics(3);
  });

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await simulator.close();
  });

  // ----- helpers ----------------------------------------------------------------------------------

  function holderEnv(overrides: Record<string, string> = {}): Record<string, string> {
    return bridgeEnv(topics, simulator, {
      BRIDGE_ROLE: 'holder-sync',
      HOLDER_SYNC_ORGANIZER_ID: 'org-test',
      HOLDER_SYNC_POLL_INTERVAL_MS: '200',
      HOLDER_SYNC_MAX_REQUESTS_PER_SECOND: '50',
      HOLDER_SYNC_LEASE_TTL_MS: '3000',
      ...overrides,
    });
  }

  async function startInProcess(env: Record<string, string>): Promise<Bridge> {
    const { bridge } = await startTestBridge(env);
    let stopped: Promise<void> | undefined;
    const stop = () => (stopped ??= bridge.stop());
    cleanups.push(stop);
    return { metrics: bridge.metrics, health: bridge.health, opsPort: bridge.opsPort, stop };
  }

  function spawn(env: Record<string, string>): BridgeProcess {
    const proc = spawnBridge(env);
    cleanups.push(async () => {
      if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
      await proc.exited;
    });
    return proc;
  }

  /** Injects tickets straight into the simulator's state (as the inject role would over HTTP). */
  function injectInSimulator(ticketIds: readonly string[]): void {
    const entries = ticketIds.map((ticketId, i) => ({
      ticketId,
      event: { id: 'EV-HS', startTime: '2030-06-01T20:00:00+02:00', expirationDate: '2030-06-02T04:00:00+02:00' },
      purchaseDetails: {},
      security: {},
      spectatorDetails: { firstName: 'Sam', lastName: `Spectator${i}`, email: `sam.${ticketId.toLowerCase()}@example.test` },
    }));
    const results = simulator.state.inject(entries, simulator.state.nextRequestId());
    expect(results.filter((r) => r.status !== 'OK')).toEqual([]);
  }

  /** A wallet-side change scripted on the simulator (`POST /_sim/holders/{ticketId}`). */
  async function act(ticketId: string, action: string, extra: Record<string, unknown> = {}): Promise<void> {
    const res = await fetch(`${simulator.origin}/_sim/holders/${encodeURIComponent(ticketId)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action, ...extra }),
    });
    if (res.status !== 200) throw new Error(`${action} on ${ticketId}: HTTP ${res.status} ${await res.text()}`);
  }

  async function setFaults(faults: unknown): Promise<void> {
    const res = await fetch(`${simulator.origin}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(faults),
    });
    if (!res.ok) throw new Error(`setting faults failed: ${res.status} ${await res.text()}`);
  }

  async function appendRaw(record: unknown): Promise<void> {
    const res = await fetch(`${simulator.origin}/_sim/feed/raw`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(record),
    });
    expect(res.status).toBe(201);
  }

  /** The key that points after the feed's last record: the poller has read everything once it stored it. */
  function endKey(): string {
    const feed = simulator.state.feed();
    return encodePaginationKey(feed[feed.length - 1]!.seq);
  }

  /** The organizer's current lease term (its key, owner and expiry). */
  const lease = (database: string, organizerId = 'org-test') => withMongo(database, (db) => new MongoLeaseStore(db).current(organizerId));

  /** The organizer's stored states, by ticket id (read whole from the collection, as stored, then decoded as readers do). */
  const states = (database: string, organizerId = 'org-test') =>
    withMongo(database, async (db: Db) => {
      const docs = await db.collection<StoredHolderDocument>(HOLDERS_COLLECTION).find({}).toArray();
      return new Map(docs.filter((s) => s.organizerId === organizerId).map((s) => [s.ticketId, decodeHolderDoc(s)]));
    });

  async function waitForKey(database: string, key: string, opts: { timeoutMs?: number; describe?: () => unknown } = {}): Promise<void> {
    await waitFor(async () => (await lease(database))?.paginationKey === key, {
      timeoutMs: opts.timeoutMs ?? 60_000,
      describe: opts.describe ?? (() => lease(database)),
    });
  }

  async function events(topic = topics.holderUpdated): Promise<DecodedEvent[]> {
    const n = await topicSize(topic);
    const records = n === 0 ? [] : await readAll(topic, n);
    expect(records).toHaveLength(n);
    return Promise.all(records.map(async (r) => ({ key: r.key, ...((await codec.decode(r.value, 'holder-updated')) as Omit<DecodedEvent, 'key'>) })));
  }

  const change = (r: { readonly ticketId: string; readonly version: number }) => `${r.ticketId}@${r.version}`;

  /** `ticketId@version` of every record in the feed (optionally only some tickets). */
  function feedChanges(filter: (ticketId: string) => boolean = () => true): string[] {
    return simulator.state
      .feed()
      .map((e) => e.record as { ticketId: string; version: number })
      .filter((r) => filter(r.ticketId))
      .map(change);
  }

  const counter = async (c: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }, labels: Record<string, string> = {}) =>
    (await c.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + v.value, 0);

  /** What the simulator says a ticket's state is, in the shape compared with the store. */
  function expectedState(ticketId: string) {
    const t = simulator.state.ticket(ticketId)!;
    return {
      status: t.status,
      version: t.version,
      walletOwner: t.walletOwner?.email ?? null,
      ticketHolder: t.ticketHolder?.firstName ?? null,
      previousOwner: t.previousOwner?.email ?? null,
    };
  }

  const storedState = (s: HolderDocument | undefined) =>
    s && {
      status: s.status,
      version: s.version,
      walletOwner: s.walletOwner?.email ?? null,
      ticketHolder: s.ticketHolder?.firstName ?? null,
      previousOwner: s.previousOwner?.email ?? null,
    };

  // ----- tests ------------------------------------------------------------------------------------

  it('a scripted series of downloads, assignments, transfers and deletions ends with the right states and events, through 429 and 503', async () => {
    const ids = ['HS-1', 'HS-2', 'HS-3', 'HS-4', 'HS-SKIP'];
    injectInSimulator(ids);
    await act('HS-1', 'download');
    await act('HS-1', 'assign', { person: { firstName: 'Kim', lastName: 'Guest' } });
    await act('HS-1', 'start-transfer', { person: { email: 'grace@example.test' } });
    await act('HS-1', 'transfer');
    await act('HS-2', 'download');
    await act('HS-2', 'start-transfer', { person: { email: 'nobody@example.test' } });
    await act('HS-2', 'cancel-transfer');
    await act('HS-3', 'download', { person: { firstName: 'Olga', lastName: 'Owner', email: 'olga@example.test', birthDate: '1980-01-31' } });
    await act('HS-3', 'activate');
    await act('HS-3', 'control');
    await act('HS-4', 'delete');
    await act('HS-4', 'confirm-deletion');
    await act('HS-SKIP', 'download');
    await setFaults({ scriptByEndpoint: { changes: [{ status: 429, retryAfterSeconds: 1 }, { status: 503 }] } });

    const env = holderEnv({ HOLDER_SYNC_PAGE_LIMIT: '3', HOLDER_SYNC_SKIP: 'id:HS-SKIP' });
    const bridge = await startInProcess(env);
    await waitForKey(env.MONGODB_DATABASE!, endKey());

    const stored = await states(env.MONGODB_DATABASE!);
    expect(stored.has('HS-SKIP')).toBe(false);
    for (const id of ['HS-1', 'HS-2', 'HS-3', 'HS-4']) expect({ id, ...storedState(stored.get(id)) }).toEqual({ id, ...expectedState(id) });
    expect(stored.get('HS-1')).toMatchObject({
      status: 'TRANSFERRED',
      walletOwner: { email: 'grace@example.test' },
      previousOwner: { email: 'sam.hs-1@example.test', firstName: 'Sam' },
      ticketHolder: null,
      action: 'TRANSFER',
      eventId: 'EV-HS',
    });
    expect(stored.get('HS-1')!.history!.map((h) => h.status)).toEqual(['INJECTED', 'DOWNLOADED', 'ASSIGNED', 'PENDING_TRANSFER', 'TRANSFERRED']);
    expect(stored.get('HS-2')!.status).toBe('FAILURE_TRANSFER');
    expect(stored.get('HS-3')).toMatchObject({ status: 'CONTROLLED', walletOwner: { email: 'olga@example.test', birthDate: '1980-01-31' } });
    expect(stored.get('HS-4')!.history!.map((h) => h.status)).toEqual(['INJECTED', 'DELETION_PENDING', 'DELETED']);

    // One event per change, keyed by ticket id, in each ticket's order; none for the skipped ticket.
    const published = await events();
    expect(published.map(change).sort()).toEqual(feedChanges((id) => id !== 'HS-SKIP').sort());
    for (const e of published) expect([e.key, e.organizerId]).toEqual([e.ticketId, 'org-test']);
    const hs1 = published.filter((e) => e.ticketId === 'HS-1');
    expect(hs1.map((e) => e.tixngoStatus)).toEqual(['INJECTED', 'DOWNLOADED', 'ASSIGNED', 'PENDING_TRANSFER', 'TRANSFERRED']);
    expect(hs1[2]).toMatchObject({ ticketHolder: expect.objectContaining({ firstName: 'Kim', lastName: 'Guest' }) });
    expect(hs1[4]).toMatchObject({
      walletOwner: expect.objectContaining({ email: 'grace@example.test' }),
      previousOwner: expect.objectContaining({ email: 'sam.hs-1@example.test' }),
      ticketHolder: null,
    });
    // What S-360 needs downstream: the recipient of a pending transfer (to create the contact), the action, the event.
    expect(hs1.map((e) => e.action)).toEqual(['INJECT', 'DOWNLOAD', 'ASSIGN', 'START_TRANSFER', 'TRANSFER']);
    expect(hs1.map((e) => e.eventId)).toEqual(Array(5).fill('EV-HS'));
    expect(hs1[3]!.transferRecipient).toMatchObject({ email: 'grace@example.test', firstName: null });
    expect(hs1.filter((e) => e.tixngoStatus !== 'PENDING_TRANSFER').map((e) => e.transferRecipient)).toEqual(Array(4).fill(null));
    expect(hs1[4]!.changedAt.getTime()).toBe(Date.parse(simulator.state.ticket('HS-1')!.updatedAt));

    // The faults were retried (Retry-After honoured), nothing was skipped, and readiness is back.
    expect(simulator.state.requests({ endpoint: 'changes' }).filter((r) => r.status === 429 || r.status === 503)).toHaveLength(2);
    expect(await counter(bridge.metrics.retries, { role: 'holder-sync' })).toBeGreaterThanOrEqual(2);
    expect(await counter(bridge.metrics.pollerRecords, { outcome: 'skipped' })).toBe(2);
    expect(await counter(bridge.metrics.pollerRecords, { outcome: 'applied' })).toBe(published.length);
    expect(bridge.health.ready().ok).toBe(true);

    // The feed keeps being polled once drained: a later change arrives too.
    await act('HS-2', 'transfer', { person: { email: 'late@example.test' } });
    await waitFor(async () => (await states(env.MONGODB_DATABASE!)).get('HS-2')?.walletOwner?.email === 'late@example.test');
    expect((await lease(env.MONGODB_DATABASE!))!.paginationKey).toBe(endKey());
  });

  it('a kill -9 mid-page followed by a restart skips nothing, and the stored key is never ahead of what was published', async () => {
    const ids = Array.from({ length: 400 }, (_, i) => `K-${String(i).padStart(4, '0')}`);
    injectInSimulator(ids);
    for (const id of ids) await act(id, 'download');
    for (const id of ids.slice(0, 200))
      await act(id, 'transfer', { person: { firstName: 'Nina', lastName: 'New', email: `new.${id.toLowerCase()}@example.test` } });
    for (const id of ids.slice(0, 100)) await act(id, 'assign', { person: { firstName: 'Gus', lastName: 'Guest' } });
    const feed = simulator.state.feed();
    expect(feed).toHaveLength(1100);
    const lastSeq = feed[feed.length - 1]!.seq;
    const seqOf = new Map(feed.map((e) => [change(e.record as { ticketId: string; version: number }), e.seq]));
    // A slow feed: a page is in flight most of the time.
    await setFaults({ latency: { ms: 150, endpoints: ['changes'] } });

    const env = holderEnv({ HOLDER_SYNC_PAGE_LIMIT: '100', LOG_LEVEL: 'info' });
    const mongo = new MongoClient(services().mongoUri);
    await mongo.connect();
    cleanups.push(() => mongo.close());
    const db = mongo.db(env.MONGODB_DATABASE!);
    const keySeq = async () => {
      const key = (await new MongoLeaseStore(db).current('org-test'))?.paginationKey;
      return key ? decodePaginationKey(key)! : 0;
    };

    // Kill -9 while a page is being handled: its events acknowledged, its states being written, its
    // key not stored. The store writes a page's states in one or two commands (new tickets, known
    // ones), so the moment is watched from Kafka: more events published than the feed holds up to the
    // stored key. Events are counted before the key is read: both only grow, so the condition held
    // when the key was read. The instant can be missed by a hair, so up to three crashes, each
    // followed by a restart; which moment was hit is decided after the kill, from the events.
    const upTo = (k: number) => feed.filter((e) => e.seq <= k).length;
    let midPage = false;
    const logs: (() => string)[] = [];
    for (let crash = 1; crash <= 3 && !midPage; crash++) {
      const proc = spawn(env);
      logs.push(proc.output);
      await waitFor(
        async () => {
          const published = await topicSize(topics.holderUpdated);
          const k = await keySeq();
          return k < lastSeq && published > upTo(k);
        },
        { timeoutMs: 90_000, intervalMs: 5, describe: () => proc.output().slice(-2000) },
      );
      proc.child.kill('SIGKILL');
      expect((await proc.exited).signal).toBe('SIGKILL');

      // Whatever the moment: every change up to the stored key has its event (the key is never ahead).
      const k = await keySeq();
      const published = (await events()).map(change);
      const have = new Set(published);
      expect(
        feed
          .filter((e) => e.seq <= k)
          .map((e) => change(e.record as { ticketId: string; version: number }))
          .filter((c) => !have.has(c)),
      ).toEqual([]);
      midPage = published.some((c) => seqOf.get(c)! > k);
    }
    expect(midPage).toBe(true);

    // The restarted poller takes the lease once it expires and reads on from the stored key.
    await setFaults({});
    const proc = spawn({ ...env, LOG_LEVEL: 'debug' });
    logs.push(proc.output);
    await waitForKey(env.MONGODB_DATABASE!, endKey(), {
      timeoutMs: 150_000,
      describe: async () => ({ lease: await lease(env.MONGODB_DATABASE!), log: proc.output().slice(-3000) }),
    });

    const stored = await states(env.MONGODB_DATABASE!);
    expect(ids.filter((id) => JSON.stringify(storedState(stored.get(id))) !== JSON.stringify(expectedState(id)))).toEqual([]);
    const published = new Set((await events()).map(change));
    expect(feedChanges().filter((c) => !published.has(c))).toEqual([]);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect((await lease(env.MONGODB_DATABASE!))!.owner).toBeNull();
    // Holder data never reaches a log line (the page logs at debug included).
    const output = logs.map((l) => l()).join('\n');
    expect(output).toContain('change-feed page handled');
    expect(output).not.toMatch(/@example\.test|Nina|Guest|Spectator\d/);
  }, 300_000);

  it('two pollers started at once: only one polls; when it stops, the other takes over', async () => {
    injectInSimulator(['P-1', 'P-2']);
    const base = holderEnv({ HOLDER_SYNC_POLL_INTERVAL_MS: '100' });
    const database = base.MONGODB_DATABASE!;
    const [a, b] = await Promise.all([
      startInProcess({ ...base, BRIDGE_INSTANCE_ID: 'poller-a' }),
      startInProcess({ ...base, BRIDGE_INSTANCE_ID: 'poller-b' }),
    ]);
    const pages = (x: Bridge) => counter(x.metrics.pollerPages);
    await waitFor(async () => (await pages(a)) + (await pages(b)) >= 10);

    const owner = (await lease(database))!.owner!;
    const [leader, follower, followerId] = owner.startsWith('poller-a:') ? [a, b, 'poller-b:'] : [b, a, 'poller-a:'];
    expect(owner).toMatch(/^poller-[ab]:[0-9a-f]{8}$/);
    expect(await pages(follower)).toBe(0);
    const leaderPages = await pages(leader);
    const requests = simulator.state.requests({ endpoint: 'changes' }).length;
    expect(requests).toBeGreaterThanOrEqual(leaderPages);
    expect(requests).toBeLessThanOrEqual(leaderPages + 1);
    await waitForKey(database, endKey());

    // A graceful stop releases the lease: the standby takes it at its next attempt (TTL/3), not after the TTL.
    await leader.stop();
    const afterStop = (await lease(database))!.owner;
    expect(afterStop === null || afterStop.startsWith(followerId)).toBe(true);
    await waitFor(async () => (await lease(database))?.owner?.startsWith(followerId) && (await pages(follower)) > 0, { timeoutMs: 10_000 });
    await act('P-1', 'download');
    await waitFor(async () => (await states(database)).get('P-1')?.status === 'DOWNLOADED');
    await waitForKey(database, endKey());
  });

  it('when the polling replica is killed, the standby takes over only after the lease expired', async () => {
    injectInSimulator(['Q-1']);
    const base = holderEnv({ HOLDER_SYNC_POLL_INTERVAL_MS: '100', LOG_LEVEL: 'info' });
    const database = base.MONGODB_DATABASE!;
    const proc = spawn({ ...base, BRIDGE_INSTANCE_ID: 'poller-a' });
    await waitFor(async () => (await lease(database))?.owner?.startsWith('poller-a:') && (await lease(database))?.paginationKey === endKey(), {
      timeoutMs: 60_000,
      describe: () => proc.output().slice(-2000),
    });

    const b = await startInProcess({ ...base, BRIDGE_INSTANCE_ID: 'poller-b' });
    const before = simulator.state.requests({ endpoint: 'changes' }).length;
    await waitFor(() => simulator.state.requests({ endpoint: 'changes' }).length >= before + 10);
    expect(await counter(b.metrics.pollerPages)).toBe(0);

    proc.child.kill('SIGKILL');
    await proc.exited;
    const killedAt = Date.now();
    const expiresAt = (await lease(database))!.expiresAt.getTime();
    expect((await lease(database))!.owner).toMatch(/^poller-a:/);

    await waitFor(async () => (await lease(database))?.owner?.startsWith('poller-b:') && (await counter(b.metrics.pollerPages)) > 0, { timeoutMs: 15_000 });
    const afterKill = simulator.state.requests({ endpoint: 'changes' }).filter((r) => Date.parse(r.at) > killedAt);
    expect(afterKill.length).toBeGreaterThan(0);
    expect(Date.parse(afterKill[0]!.at)).toBeGreaterThanOrEqual(expiresAt);

    await act('Q-1', 'download');
    await waitFor(async () => (await states(database)).get('Q-1')?.status === 'DOWNLOADED');
  });

  it('a stop past its deadline abandons the page in flight, writes no key and releases the lease', async () => {
    injectInSimulator(['S-1']);
    const env = holderEnv({ SHUTDOWN_DRAIN_MS: '300', TIXNGO_REQUEST_TIMEOUT_MS: '30000' });
    const database = env.MONGODB_DATABASE!;
    const bridge = await startInProcess(env);
    const keyBefore = endKey();
    await waitForKey(database, keyBefore);

    await setFaults({ scriptByEndpoint: { changes: [{ hang: true }] } });
    await act('S-1', 'download');
    await waitFor(() => simulator.state.requests({ endpoint: 'changes' }).some((r) => r.fault === 'hang'));
    const startedAt = Date.now();
    await bridge.stop();
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(await lease(database)).toMatchObject({ owner: null, paginationKey: keyBefore });
    expect((await states(database)).get('S-1')!.status).toBe('INJECTED');

    // The next poller reads the abandoned page again.
    await startInProcess(env);
    await waitFor(async () => (await states(database)).get('S-1')?.status === 'DOWNLOADED');
  });

  it('changes of tickets the store already knows are stored at the pace of new tickets, not one scan per ticket', async () => {
    // 5,000 known tickets, then a change of 2,000 of them: at one collection scan per write (the
    // compare-and-set on ticket id and version) that took minutes on the local store.
    const ids = Array.from({ length: 5_000 }, (_, i) => `KN-${String(i).padStart(5, '0')}`);
    injectInSimulator(ids);
    const env = holderEnv({ HOLDER_SYNC_PAGE_LIMIT: '1000', HOLDER_SYNC_MAX_REQUESTS_PER_SECOND: '50' });
    const database = env.MONGODB_DATABASE!;
    await startInProcess(env);
    await waitForKey(database, endKey(), { timeoutMs: 60_000 });

    const changed = ids.slice(0, 2_000);
    for (const id of changed) expect(simulator.state.holderAction(id, { action: 'download' }).ok).toBe(true);
    const startedAt = Date.now();
    await waitForKey(database, endKey(), { timeoutMs: 30_000 });
    const seconds = (Date.now() - startedAt) / 1000;

    const stored = await states(database);
    expect(changed.filter((id) => stored.get(id)?.status !== 'DOWNLOADED')).toEqual([]);
    expect(stored.size).toBe(5_000);
    expect(seconds).toBeLessThan(30);
  }, 150_000);

  it('dead-letters an unusable record with its reason and moves on', async () => {
    injectInSimulator(['D-1']);
    await appendRaw({
      ticketId: 'BAD-1',
      status: 'DOWNLOADED',
      version: 'three',
      updatedAt: '2030-06-01T10:00:00Z',
      walletOwner: { email: 'leak@example.test', lastName: 'Leak' },
    });
    await appendRaw('garbage');
    injectInSimulator(['D-2']);
    await act('D-1', 'download');

    const env = holderEnv();
    const bridge = await startInProcess(env);
    await waitForKey(env.MONGODB_DATABASE!, endKey());

    const stored = await states(env.MONGODB_DATABASE!);
    expect([...stored.keys()].sort()).toEqual(['D-1', 'D-2']);
    expect(stored.get('D-1')!.status).toBe('DOWNLOADED');
    expect((await events()).map(change).sort()).toEqual(['D-1@1', 'D-1@2', 'D-2@1']);

    const dlq = await readAll(`${topics.holderUpdated}.dlq`, 2);
    expect(dlq).toHaveLength(2);
    const [bad, garbage] = dlq.sort((x, y) => (x.headers[DLQ_HEADERS.sourceOffset]! < y.headers[DLQ_HEADERS.sourceOffset]! ? -1 : 1));
    expect(JSON.parse(bad!.value!.toString())).toMatchObject({ ticketId: 'BAD-1', version: 'three' });
    expect(bad!.key).toBe('BAD-1');
    expect(bad!.headers).toMatchObject({
      [DLQ_HEADERS.role]: 'holder-sync',
      [DLQ_HEADERS.errorCode]: 'FEED_RECORD_INVALID',
      [DLQ_HEADERS.errorKind]: 'poison',
      [DLQ_HEADERS.ticketId]: 'BAD-1',
      [DLQ_HEADERS.sourceTopic]: '/organizer/tickets/diff',
    });
    expect(bad!.headers[DLQ_HEADERS.errorMessage]).toContain('version');
    expect(bad!.headers[DLQ_HEADERS.errorMessage]).not.toMatch(/leak/i);
    expect(garbage!.value!.toString()).toBe('"garbage"');
    expect(garbage!.headers[DLQ_HEADERS.errorMessage]).toContain('record is a string');
    expect(garbage!.headers).not.toHaveProperty(DLQ_HEADERS.ticketId);
    expect(await counter(bridge.metrics.deadLettered, { role: 'holder-sync', code: 'FEED_RECORD_INVALID' })).toBe(2);
    expect(await counter(bridge.metrics.pollerRecords, { outcome: 'dead-lettered' })).toBe(2);
  });

  it("dead-letters a record whose updatedAt names an impossible day (30 February), naming the field; the ticket's later changes still apply", async () => {
    injectInSimulator(['B-1']);
    // What a broken TIXnGO record looks like: a real-looking change of B-1 stamped on a day that does not exist.
    await appendRaw({
      ticketId: 'B-1',
      status: 'DOWNLOADED',
      version: 2,
      updatedAt: '2090-02-30T10:00:00Z',
      action: 'DOWNLOAD',
      walletOwner: { email: 'wrong@example.test' },
    });
    await act('B-1', 'download', { person: { firstName: 'Bea', lastName: 'Owner', email: 'bea@example.test' } });
    await act('B-1', 'assign', { person: { firstName: 'Gil', lastName: 'Guest' } });

    const env = holderEnv();
    await startInProcess(env);
    await waitForKey(env.MONGODB_DATABASE!, endKey());

    const dlq = await readAll(`${topics.holderUpdated}.dlq`, 1);
    expect(dlq).toHaveLength(1);
    expect(dlq[0]!.headers).toMatchObject({ [DLQ_HEADERS.errorCode]: 'FEED_RECORD_INVALID', [DLQ_HEADERS.ticketId]: 'B-1' });
    expect(dlq[0]!.headers[DLQ_HEADERS.errorMessage]).toContain('updatedAt');
    expect(dlq[0]!.headers[DLQ_HEADERS.errorMessage]).not.toMatch(/wrong@|2090/);
    expect(storedState((await states(env.MONGODB_DATABASE!)).get('B-1'))).toEqual(expectedState('B-1'));
    expect((await events()).map(change)).toEqual(['B-1@1', 'B-1@2', 'B-1@3']);
  });

  it("a change stamped years ahead by a wrong TIXnGO clock does not hold back the ticket's later changes", async () => {
    // This test's TIXnGO has a clock that can be set wrong, as a real server's can.
    await simulator.close();
    let skewMs = 0;
    simulator = await startSimulator({ apiKey: API_KEY, host: '127.0.0.1', port: 0, now: () => Date.now() + skewMs });
    injectInSimulator(['W-1']);
    skewMs = 5 * 365 * 86_400_000;
    await act('W-1', 'download', { person: { firstName: 'Wim', lastName: 'Owner', email: 'wim@example.test' } });
    skewMs = 0;

    const env = holderEnv();
    await startInProcess(env);
    await waitForKey(env.MONGODB_DATABASE!, endKey());
    expect((await states(env.MONGODB_DATABASE!)).get('W-1')).toMatchObject({ status: 'DOWNLOADED', version: 2 });

    // The clock is right again: the next changes carry earlier timestamps than the stored one, and higher versions.
    await act('W-1', 'assign', { person: { firstName: 'Gil', lastName: 'Guest' } });
    await act('W-1', 'start-transfer', { person: { email: 'next@example.test' } });
    await waitForKey(env.MONGODB_DATABASE!, endKey());

    expect(storedState((await states(env.MONGODB_DATABASE!)).get('W-1'))).toEqual(expectedState('W-1'));
    expect((await states(env.MONGODB_DATABASE!)).get('W-1')).toMatchObject({ status: 'PENDING_TRANSFER', version: 4 });
    expect((await events()).map(change)).toEqual(['W-1@1', 'W-1@2', 'W-1@3', 'W-1@4']);
  });

  it('end to end: a reprint of a ticket transferred in TIXnGO is injected to its new owner', async () => {
    const env = holderEnv({ BRIDGE_ROLE: 'inject,holder-sync' });
    const database = env.MONGODB_DATABASE!;
    await startInProcess(env);
    const original = aPrintedTicket({}, 1);
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', [original]);
    await waitFor(() => simulator.state.ticket(original.ticketId)?.injectCount === 1);
    expect((simulator.state.ticket(original.ticketId)!.lastPayload as { spectatorDetails: { email: string } }).spectatorDetails.email).toBe(
      original.buyer!.email,
    );

    await act(original.ticketId, 'download');
    await act(original.ticketId, 'transfer', { person: { firstName: 'Nora', lastName: 'Newowner', email: 'nora.newowner@example.test' } });
    await waitFor(async () => {
      const s = (await states(database)).get(original.ticketId);
      return s?.status === 'TRANSFERRED' && s.walletOwner?.email === 'nora.newowner@example.test';
    });

    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', [aPrintedTicket({ reprintGeneration: 1 }, 1)]);
    await waitFor(() => simulator.state.ticket(original.ticketId)?.injectCount === 2);
    const spectator = (simulator.state.ticket(original.ticketId)!.lastPayload as { spectatorDetails: Record<string, unknown> }).spectatorDetails;
    expect(spectator).toMatchObject({ email: 'nora.newowner@example.test', firstName: 'Nora', lastName: 'Newowner' });
  });
});
