import { compareTicketIds } from '../../src/pipeline/ticket-order';
import type { RunningSimulator } from '../../src/simulator/simulator';
import { AvroCodec } from '../../src/kafka/avro-codec';
import { aPrintedTicket } from '../../src/tools/sample-events';
import {
  bridgeEnv,
  committedTotal,
  createTestTopics,
  produceAvro,
  produceRaw,
  readAll,
  services,
  startTestBridge,
  startTestSimulator,
  withMongo,
  type TestTopics,
} from '../support/harness';
import { waitFor } from '../support/wait-for';

describe('inject role (real Kafka, registry, MongoDB-compatible store and simulator)', () => {
  let simulator: RunningSimulator;
  let topics: TestTopics;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    simulator = await startTestSimulator();
    topics = await createTestTopics(3);
  });

  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await simulator.close();
  });

  async function start(overrides: Record<string, string> = {}) {
    const env = bridgeEnv(topics, simulator, overrides);
    const b = await startTestBridge(env);
    stops.push(() => b.bridge.stop());
    return { ...b, env };
  }

  it('pushes every eligible ticket exactly once, ordered by ticket id, writes back printed and commits', async () => {
    const { config, fatal } = await start({ INJECT_FILTER_TARIFFS: 'ADULT,CHILD', INJECT_BATCH_SIZE: '100' });
    const eligible = Array.from({ length: 300 }, (_, i) => aPrintedTicket({}, i + 1));
    const filtered = Array.from({ length: 50 }, (_, i) => aPrintedTicket({ tariffCode: 'VIP' }, 1000 + i));
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', [...eligible, ...filtered]);

    await waitFor(() => simulator.state.received().totals.byEndpoint.inject.ticketsAccepted === 300, {
      timeoutMs: 60_000,
      describe: () => simulator.state.received().totals,
    });
    await waitFor(async () => (await committedTotal(config.inject.groupId, topics.printedEligible)) === 350, { timeoutMs: 30_000 });

    const received = simulator.state.received();
    expect(received.duplicates.inject).toEqual([]);
    expect(new Set(received.tickets.filter((t) => t.injectCount > 0).map((t) => t.ticketId))).toEqual(new Set(eligible.map((t) => t.ticketId)));
    for (const r of simulator.state.requests({ endpoint: 'inject' })) {
      expect([...r.ticketIds].sort(compareTicketIds)).toEqual(r.ticketIds);
      expect(r.idempotencyKey).toBeTruthy();
    }

    const printed = await readAll(topics.printed, 300);
    expect(printed).toHaveLength(300);
    const codec = new AvroCodec({ url: services().registryUrl });
    const first = (await codec.decode(printed[0]!.value, 'ticket-printed')) as Record<string, unknown>;
    expect(first).toMatchObject({ salesChannelCode: 'BRIDGE', posCode: 'POS-TIXNGO', simulated: false });

    const ledgerCount = await withMongo(config.mongo.database, (db) => db.collection('ticket_ledger').countDocuments({ kind: 'inject', generation: 0 }));
    expect(ledgerCount).toBe(300);
    expect(fatal).toEqual([]);
  });

  it('dead-letters poison records with their reason and keeps the partition flowing', async () => {
    const { config, fatal } = await start();
    await produceRaw(topics.printedEligible, [
      { key: 'bad-1', value: Buffer.from('not avro at all') },
      { key: 'bad-2', value: Buffer.from([0, 0, 0, 0x7f, 0x7f, 1, 2, 3]) },
    ]);
    const good = [aPrintedTicket({}, 1), aPrintedTicket({ currency: 'francs' }, 2), aPrintedTicket({}, 3)];
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', good);

    const dlq = await readAll(`${topics.printedEligible}.dlq`, 3);
    expect(dlq.map((d) => d.headers['x-dlq-error-code']).sort()).toEqual(['AVRO_BAD_FRAME', 'AVRO_UNKNOWN_SCHEMA', 'EVENT_INVALID_FIELD']);
    const bad1 = dlq.find((d) => d.key === 'bad-1')!;
    expect(bad1.value?.toString()).toBe('not avro at all');
    expect(bad1.headers).toMatchObject({ 'x-dlq-source-topic': topics.printedEligible, 'x-dlq-role': 'inject' });
    expect(bad1.headers['x-dlq-source-offset']).toMatch(/^\d+$/);

    await waitFor(() => simulator.state.received().totals.byEndpoint.inject.ticketsAccepted === 2);
    await waitFor(async () => (await committedTotal(config.inject.groupId, topics.printedEligible)) === 5);
    expect(fatal).toEqual([]);
  });

  it('sends tickets TIXnGO rejects to the dead-letter topic while the rest of the batch goes through', async () => {
    await start();
    const tickets = Array.from({ length: 10 }, (_, i) => aPrintedTicket({}, i + 1));
    await fetch(`${simulator.origin}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rejectTickets: { tickets: [{ ticketId: tickets[3]!.ticketId, errorCode: 'INVALID_SEAT', message: 'seat unknown' }] } }),
    });
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', tickets);
    await waitFor(() => simulator.state.received().totals.byEndpoint.inject.ticketsAccepted === 9);
    const dlq = await readAll(`${topics.printedEligible}.dlq`, 1);
    expect(dlq[0]!.key).toBe(tickets[3]!.ticketId);
    expect(dlq[0]!.headers['x-dlq-error-code']).toBe('TIXNGO_INVALID_SEAT');
    expect(dlq[0]!.headers['x-dlq-error-kind']).toBe('rejected');
  });
});
