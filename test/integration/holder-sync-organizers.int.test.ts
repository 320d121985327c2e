import { MongoClient } from 'mongodb';
import type { RunningRole } from '../../src/consumer-role';
import { loadConfig } from '../../src/config/load-config';
import { startHolderSync, type HolderSyncOrganizer } from '../../src/holder-sync/holder-sync.poller';
import { AvroCodec } from '../../src/kafka/avro-codec';
import { createKafka } from '../../src/kafka/kafka-client';
import { KafkaEventPublisher } from '../../src/kafka/producer';
import { Health } from '../../src/ops/health';
import { createMetrics } from '../../src/ops/metrics';
import { encodePaginationKey } from '../../src/simulator/feed';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator';
import { HolderStore } from '../../src/store/holder-store';
import { MongoLeaseStore } from '../../src/store/lease-store';
import { AxiosTixngoApi } from '../../src/tixngo/axios-tixngo-api';
import { bridgeEnv, createTestTopics, readAll, services, setFaults, testLogger, topicSize, type TestTopics } from '../support/harness';
import { waitFor } from '../support/wait-for';

/**
 * One process polling two TIXnGO organizers (two accounts: two simulators with different API keys),
 * with the real Kafka, registry and MongoDB-compatible store. The organizer list is what
 * per-organization configuration will hand to `startHolderSync`.
 */
describe('holder-sync for several TIXnGO organizers in one process', () => {
  const KEYS = { 'org-a': 'api-key-of-organizer-a-0123', 'org-b': 'api-key-of-organizer-b-4567' } as const;
  let sims: Record<keyof typeof KEYS, RunningSimulator>;
  let topics: TestTopics;
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeEach(async () => {
    sims = {
      'org-a': await startSimulator({ apiKey: KEYS['org-a'], host: '127.0.0.1', port: 0 }),
      'org-b': await startSimulator({ apiKey: KEYS['org-b'], host: '127.0.0.1', port: 0 }),
    };
    topics = await createTestTopics(3);
  });

  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    for (const s of Object.values(sims)) await s.close();
  });

  function inject(sim: RunningSimulator, ticketIds: readonly string[], email: string): void {
    const event = { id: 'EV-ORG', startTime: '2030-06-01T20:00:00+02:00', expirationDate: '2030-06-02T04:00:00+02:00' };
    const entries = ticketIds.map((ticketId) => ({
      ticketId,
      event,
      purchaseDetails: {},
      security: {},
      spectatorDetails: { firstName: 'Sam', lastName: 'Spectator', email },
    }));
    expect(sim.state.inject(entries, sim.state.nextRequestId()).filter((r) => r.status !== 'OK')).toEqual([]);
  }

  const endKey = (sim: RunningSimulator) => encodePaginationKey(sim.state.feed()[sim.state.feed().length - 1]!.seq);

  /** Starts holder-sync for `organizers` in this process, wired as the bridge wires it. */
  async function startFor(organizers: (env: ReturnType<typeof loadConfig>) => HolderSyncOrganizer[]) {
    const env = bridgeEnv(topics, sims['org-a'], {
      BRIDGE_ROLE: 'holder-sync',
      HOLDER_SYNC_POLL_INTERVAL_MS: '200',
      HOLDER_SYNC_MAX_REQUESTS_PER_SECOND: '50',
      HOLDER_SYNC_LEASE_TTL_MS: '3000',
    });
    const config = loadConfig(env);
    const log = testLogger();
    const mongo = await new MongoClient(services().mongoUri).connect();
    cleanups.push(() => mongo.close());
    const db = mongo.db(config.mongo.database);
    const publisher = new KafkaEventPublisher(createKafka(config.kafka, log));
    await publisher.connect();
    cleanups.push(() => publisher.disconnect());
    const metrics = createMetrics();
    const health = new Health();
    const fatal: Error[] = [];
    const role: RunningRole = await startHolderSync(organizers(config), {
      config,
      tixngoClient: (settings) => new AxiosTixngoApi(settings),
      holders: new HolderStore(db),
      leases: new MongoLeaseStore(db),
      codec: new AvroCodec(config.schemaRegistry),
      publisher,
      metrics,
      health,
      log,
      events: { onFatal: (e) => fatal.push(e) },
    });
    cleanups.push(() => role.stop(5_000));
    return { db, metrics, health, fatal };
  }

  it('keeps a key, states and events per organizer, with its own API key, also for a ticket id both organizers use', async () => {
    inject(sims['org-a'], ['SAME-1', 'A-2'], 'a@example.test');
    inject(sims['org-b'], ['SAME-1', 'B-2', 'B-SKIP'], 'b@example.test');
    for (const id of ['SAME-1', 'B-2', 'B-SKIP']) expect(sims['org-b'].state.holderAction(id, { action: 'download' }).ok).toBe(true);
    // organizer b's TIXnGO is slow to answer at first: organizer a does not wait for it.
    await setFaults(sims['org-b'], { latency: { ms: 1_500, endpoints: ['changes'] } });

    const { db, metrics, fatal } = await startFor((config) => [
      { organizerId: 'org-a', tixngo: { ...config.organizations.entries[0]!.tixngo, baseUrl: sims['org-a'].url, apiKey: KEYS['org-a'] }, skip: [] },
      { organizerId: 'org-b', tixngo: { ...config.organizations.entries[0]!.tixngo, baseUrl: sims['org-b'].url, apiKey: KEYS['org-b'] }, skip: ['id:B-SKIP'] },
    ]);
    const leases = new MongoLeaseStore(db);
    const key = async (org: string) => (await leases.current(org))?.paginationKey;
    await waitFor(async () => (await key('org-a')) === endKey(sims['org-a']));
    expect(await key('org-b')).not.toBe(endKey(sims['org-b']));
    await setFaults(sims['org-b'], {});
    await waitFor(async () => (await key('org-b')) === endKey(sims['org-b']));
    expect(fatal).toEqual([]);

    // Each poller used its own organizer's API key: no request was refused.
    for (const sim of Object.values(sims)) expect(sim.state.requests({ endpoint: 'changes' }).filter((r) => r.status !== 200)).toEqual([]);

    // Each organizer's states, apart; the inject role reads them by (organizer, ticket).
    const holders = new HolderStore(db);
    const a = await holders.getMany('org-a', ['SAME-1', 'A-2', 'B-2']);
    const b = await holders.getMany('org-b', ['SAME-1', 'A-2', 'B-2', 'B-SKIP']);
    expect([...a.values()].map((s) => [s.ticketId, s.status, s.version]).sort()).toEqual([
      ['A-2', 'INJECTED', 1],
      ['SAME-1', 'INJECTED', 1],
    ]);
    expect([...b.values()].map((s) => [s.ticketId, s.status, s.version, s.walletOwner?.email]).sort()).toEqual([
      ['B-2', 'DOWNLOADED', 2, 'b@example.test'],
      ['SAME-1', 'DOWNLOADED', 2, 'b@example.test'],
    ]);

    // holder-updated says which organizer each change belongs to.
    const codec = new AvroCodec({ url: services().registryUrl });
    const records = await readAll(topics.holderUpdated, await topicSize(topics.holderUpdated));
    const events = await Promise.all(
      records.map(async (r) => (await codec.decode(r.value, 'holder-updated')) as { organizerId: string; ticketId: string; version: number }),
    );
    expect(events.map((e) => `${e.organizerId}/${e.ticketId}@${e.version}`).sort()).toEqual(
      ['org-a/A-2@1', 'org-a/SAME-1@1', 'org-b/B-2@1', 'org-b/B-2@2', 'org-b/SAME-1@1', 'org-b/SAME-1@2'].sort(),
    );

    // Metrics per organizer.
    const byOrganizer = async (c: { get(): Promise<{ values: { value: number; labels: Record<string, unknown> }[] }> }, labels: Record<string, string>) =>
      (await c.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((s, v) => s + v.value, 0);
    expect(await byOrganizer(metrics.pollerRecords, { organizer: 'org-a', outcome: 'applied' })).toBe(2);
    expect(await byOrganizer(metrics.pollerRecords, { organizer: 'org-b', outcome: 'applied' })).toBe(4);
    expect(await byOrganizer(metrics.pollerRecords, { organizer: 'org-b', outcome: 'skipped' })).toBe(2);
    expect(await byOrganizer(metrics.pollerPages, { organizer: 'org-a' })).toBeGreaterThan(0);
  });

  it('refuses a list that names an organizer twice', async () => {
    await expect(
      startFor((config) => [
        { organizerId: 'org-a', tixngo: config.organizations.entries[0]!.tixngo, skip: [] },
        { organizerId: 'org-a', tixngo: config.organizations.entries[0]!.tixngo, skip: [] },
      ]),
    ).rejects.toThrow('holder-sync: organizer org-a is listed twice');
  });
});
