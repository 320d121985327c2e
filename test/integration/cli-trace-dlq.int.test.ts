import { TicketTraceStore } from '../../src/store/ticket-trace';
import type { RunningSimulator } from '../../src/simulator/simulator';
import { aPrintedTicket } from '../../src/tools/sample-events';
import { expectNoSecretOrHolderData, runCli } from '../support/cli';
import {
  bridgeEnv,
  committedTotal,
  createTestTopics,
  produceAvro,
  produceRaw,
  readAll,
  setFaults,
  startTestBridge,
  startTestSimulator,
  type TestTopics,
  withMongo,
} from '../support/harness';
import { waitFor } from '../support/wait-for';
import { holderStateId } from '../../src/store/holder-store';

/**
 * One running bridge, a few tickets with every fate (pushed, skipped, rejected by TIXnGO, poison),
 * then `trace` and `dlq list|show|replay` against what it stored.
 */
describe('cli trace and dlq (real Kafka, registry, store, simulator)', () => {
  let simulator: RunningSimulator;
  let topics: TestTopics;
  let env: Record<string, string>;
  let stop: () => Promise<void>;
  const pushed = aPrintedTicket({}, 1);
  const skipped = aPrintedTicket({ tariffCode: 'VIP' }, 2);
  const rejected = [aPrintedTicket({}, 3), aPrintedTicket({}, 4)];
  const total = 6;

  beforeAll(async () => {
    simulator = await startTestSimulator();
    topics = await createTestTopics(3);
    env = bridgeEnv(topics, simulator, { INJECT_FILTER_TARIFFS: 'ADULT' });
    const { bridge, config } = await startTestBridge(env);
    stop = () => bridge.stop();
    await setFaults(simulator, {
      rejectTickets: { tickets: rejected.map((t) => ({ ticketId: t.ticketId, errorCode: 'INVALID_SEAT', message: `seat of ${t.buyer!.lastName} unknown` })) },
    });
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', [pushed, skipped, ...rejected]);
    await produceRaw(topics.printedEligible, [{ key: 'poison-1', value: Buffer.from(`not avro, ${pushed.buyer!.email}`) }]);
    await waitFor(async () => (await committedTotal(config.inject.groupId, topics.printedEligible)) === total - 1);
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', [pushed]); // seen again: ALREADY_INJECTED
    await waitFor(async () => (await committedTotal(config.inject.groupId, topics.printedEligible)) === total);
    await readAll(`${topics.printedEligible}.dlq`, 3);
    // What holder-sync would have stored (names included): trace must show states only.
    await withMongo(config.mongo.database, (db) =>
      db.collection<{ _id: string } & Record<string, unknown>>('ticket_holders').insertOne({
        _id: holderStateId('default', pushed.ticketId),
        organizerId: 'default',
        ticketId: pushed.ticketId,
        status: 'DOWNLOADED',
        version: 3,
        changedAt: new Date('2026-01-02T10:00:00Z'),
        observedAt: new Date('2026-01-02T10:00:05Z'),
        walletOwner: { firstName: 'Alex', lastName: 'Buyer1', email: 'buyer1@example.test' },
        ticketHolder: { firstName: 'Alex', lastName: 'Buyer1', email: 'buyer1@example.test' },
        previousOwner: null,
        history: [
          { status: 'INJECTED', version: 1, changedAt: new Date('2026-01-01T10:00:00Z') },
          { status: 'DOWNLOADED', version: 3, changedAt: new Date('2026-01-02T10:00:00Z') },
        ],
      }),
    );
    await waitFor(() => withMongo(config.mongo.database, async (db) => (await new TicketTraceStore(db).of(pushed.ticketId)).length === 2));
  });

  afterAll(async () => {
    await stop?.();
    await simulator?.close();
  });

  it("trace tells a pushed ticket's story: records, decisions, ledger with request id, holder states, write-back", async () => {
    const r = await runCli(['trace', pushed.ticketId], env);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`Ticket ${pushed.ticketId}`);
    expect(out).toContain('Records seen (2):');
    expect(out).toMatch(new RegExp(`inject\\s+${topics.printedEligible.replace(/\./g, '\\.')}\\s+\\d\\s+\\d+\\s+pushed\\s+-\\s+[0-9a-f-]{36}`));
    expect(out).toMatch(/skipped\s+ALREADY_INJECTED/);
    expect(out).toMatch(/inject\s+0\s+-\s+[0-9a-f-]{36}\.\d+\s+TIXnGO accepted the injection/);
    expect(out).toContain('Holder state (holder-sync): DOWNLOADED version 3, changed 2026-01-02T10:00:00.000Z');
    expect(out).toContain('history: INJECTED v1 (2026-01-01T10:00:00.000Z) → DOWNLOADED v3');
    expect(out).toContain('Printed write-back');
    expect(out).toContain('published for generation 0');
    expect(out).toContain('Dead letters (0):');
    expectNoSecretOrHolderData(out + r.stderr);
  });

  it("trace shows a filtered ticket's skip reason and a rejected ticket's dead letter with TIXnGO's code", async () => {
    const s = await runCli(['trace', skipped.ticketId], env);
    expect(s.stdout).toMatch(/skipped\s+FILTER_TARIFF/);
    expect(s.stdout).toContain('Ledger (0 fact(s)):');
    const r = await runCli(['trace', rejected[0]!.ticketId], env);
    expect(r.stdout).toMatch(/rejected\s+TIXNGO_INVALID_SEAT\s+[0-9a-f-]{36}/);
    expect(r.stdout).toContain('Dead letters (1):');
    expect(r.stdout).toContain('rejected by TIXnGO (TIXNGO_INVALID_SEAT');
    expect(r.stdout).toContain('see: dlq list --role inject --code TIXNGO_INVALID_SEAT');
    expectNoSecretOrHolderData(s.stdout + r.stdout + r.stderr);
  });

  it('trace of an unknown ticket says nothing is stored (exit 1)', async () => {
    const r = await runCli(['trace', '999999999'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nothing stored about ticket 999999999');
  });

  it('dlq list shows the dead letters by role, code and time, and filters by code', async () => {
    const all = await runCli(['dlq', 'list', '--role', 'inject'], env);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/FAILED AT\s+ROLE\s+DLQ RECORD\s+TICKET\s+CODE\s+KIND\s+SOURCE RECORD/);
    expect(all.stdout).toContain('3 record(s); by role: inject 3; by code: TIXNGO_INVALID_SEAT 2, AVRO_BAD_FRAME 1');
    const seats = await runCli(['dlq', 'list', '--role', 'inject', '--code', 'TIXNGO_INVALID_SEAT'], env);
    expect(seats.stdout).toContain('2 record(s)');
    for (const t of rejected) expect(seats.stdout).toContain(t.ticketId);
    expect(seats.stdout).not.toContain('poison-1');
    const none = await runCli(['dlq', 'list', '--since', new Date(Date.now() + 3_600_000).toISOString()], env);
    expect(none.stdout).toContain('No dead-letter record matches.');
    expectNoSecretOrHolderData(all.stdout + all.stderr + seats.stdout);
  });

  it('dlq show prints headers, the schema id and size of the value, never the value', async () => {
    const dlq = await readAll(`${topics.printedEligible}.dlq`, 3);
    const list = await runCli(['dlq', 'list', '--role', 'inject', '--code', 'AVRO_BAD_FRAME'], env);
    const [, partition, offset] = /\.dlq\[(\d+)\]@(\d+)/.exec(list.stdout)!;
    const r = await runCli(['dlq', 'show', '--role', 'inject', '--partition', partition!, '--offset', offset!], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('key: poison-1');
    expect(r.stdout).toContain('not a Confluent Avro frame (content not shown)');
    expect(r.stdout).toContain('x-dlq-error-code: AVRO_BAD_FRAME');
    expect(r.stdout).toContain(`x-dlq-source-topic: ${topics.printedEligible}`);
    expect(r.stdout).not.toContain('not avro');
    const seat = await runCli(['dlq', 'list', '--role', 'inject', '--ticket', rejected[0]!.ticketId], env);
    const [, p2, o2] = /\.dlq\[(\d+)\]@(\d+)/.exec(seat.stdout)!;
    const s = await runCli(['dlq', 'show', '--role', 'inject', '--partition', p2!, '--offset', o2!], env);
    expect(s.stdout).toMatch(/Confluent Avro frame with schema id \d+ \(content not shown\)/);
    expect(s.stdout).toContain('x-dlq-error-kind: rejected');
    expect(dlq).toHaveLength(3);
    expectNoSecretOrHolderData(r.stdout + r.stderr + s.stdout + s.stderr);
  });

  it('dlq replay re-drives the selected records through the normal pipeline once the cause is fixed', async () => {
    const dry = await runCli(['dlq', 'replay', '--role', 'inject', '--code', 'TIXNGO_INVALID_SEAT', '--dry-run'], env);
    expect(dry.stdout).toContain('2 dead-letter record(s) of role inject match (TIXNGO_INVALID_SEAT 2).');
    expect(dry.stdout).toContain('Dry run: nothing was produced.');
    await fetch(`${simulator.origin}/_sim/faults`, { method: 'DELETE' });
    const accepted = simulator.state.totals().byEndpoint.inject.ticketsAccepted;
    const r = await runCli(['dlq', 'replay', '--role', 'inject', '--code', 'TIXNGO_INVALID_SEAT'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Produced 2 record(s) to ${topics.printedEligible}.`);
    await waitFor(() => simulator.state.totals().byEndpoint.inject.ticketsAccepted === accepted + 2);
    await waitFor(async () => (await committedTotal(`${env.KAFKA_GROUP_ID_PREFIX}-inject`, topics.printedEligible)) === total + 2);
    const t = await runCli(['trace', rejected[1]!.ticketId], env);
    expect(t.stdout).toMatch(/rejected\s+TIXNGO_INVALID_SEAT/);
    expect(t.stdout).toMatch(/pushed\s+-/);
    expect(simulator.state.received().duplicates.inject).toEqual([]);
  });

  it('dlq replay requires a role and a code', async () => {
    const r = await runCli(['dlq', 'replay', '--role', 'inject'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("required option '--code <codes>' not specified");
  });

  it("lists holder-sync's dead letters (change-feed records) but does not re-drive them", async () => {
    const list = await runCli(['dlq', 'list', '--role', 'holder-sync'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('No dead-letter record matches.');
    const r = await runCli(['dlq', 'replay', '--role', 'holder-sync', '--code', 'FEED_INVALID_RECORD'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("holder-sync's dead letters are change-feed records from TIXnGO");
  });
});
