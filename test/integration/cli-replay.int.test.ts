import type { RunningSimulator } from '../../src/simulator/simulator';
import { aPrintedTicket } from '../../src/tools/sample-events';
import { expectNoSecretOrHolderData, runCli } from '../support/cli';
import { bridgeEnv, committedTotal, createTestTopics, startTestBridge, startTestSimulator, withMongo, type TestTopics } from '../support/harness';
import { committedByPartition, listGroups, produceAvroAt } from '../support/produce-at';
import { waitFor } from '../support/wait-for';

const HOUR = 3_600_000;

/**
 * The support scenario: the role ran with a wrong filter (CHILD tickets excluded by mistake), the
 * filter is fixed, and the skipped tickets must reach TIXnGO without re-sending the delivered ones.
 */
describe('cli replay (real Kafka, registry, store, simulator)', () => {
  let simulator: RunningSimulator;
  let topics: TestTopics;
  let env: Record<string, string>;
  const stops: (() => Promise<void>)[] = [];
  const t0 = Date.now() - 5 * HOUR;
  const t1 = Date.now() - 2 * HOUR;
  const old = Array.from({ length: 6 }, (_, i) => aPrintedTicket({ tariffCode: 'CHILD' }, 1 + i));
  const adults = Array.from({ length: 10 }, (_, i) => aPrintedTicket({}, 100 + i));
  const children = Array.from({ length: 5 }, (_, i) => aPrintedTicket({ tariffCode: 'CHILD' }, 200 + i));

  beforeEach(async () => {
    simulator = await startTestSimulator();
    topics = await createTestTopics(3);
    env = bridgeEnv(topics, simulator);
    await produceAvroAt(topics.printedEligible, 'ticket-printed-eligible', old, t0);
    await produceAvroAt(topics.printedEligible, 'ticket-printed-eligible', [...adults, ...children], t1);
    // The misconfigured run: only ADULT tickets went through.
    const { bridge, config } = await startTestBridge({ ...env, INJECT_FILTER_TARIFFS: 'ADULT' });
    stops.push(() => bridge.stop());
    await waitFor(async () => (await committedTotal(config.inject.groupId, topics.printedEligible)) === old.length + adults.length + children.length);
    expect(simulator.state.totals().byEndpoint.inject.ticketsAccepted).toBe(adults.length);
  });

  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await simulator.close();
  });

  const from = new Date(t1 - HOUR).toISOString();

  it('--dry-run forecasts what would be sent and what is already delivered, and sends and changes nothing', async () => {
    const groupsBefore = await listGroups();
    const r = await runCli(['replay', '--role', 'inject', '--from', from, '--dry-run'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Topic .*\n\s*PARTITION\s+FROM OFFSET\s+TO OFFSET\s+RECORDS/);
    expect(r.stdout).toContain('Forecast (15 record(s), 15 ticket(s)):');
    expect(r.stdout).toMatch(/would be sent:\s+5\n/);
    expect(r.stdout).toMatch(/already delivered \(ledger\):\s+10 \(skipped; --force re-sends them\)/);
    expect(r.stdout).toContain('Dry run: nothing was sent and nothing was changed.');
    expect(simulator.state.totals().byEndpoint.inject.ticketsAccepted).toBe(adults.length);
    expect((await listGroups()).filter((g) => !groupsBefore.includes(g))).toEqual([]);
    expectNoSecretOrHolderData(r.stdout + r.stderr);
  });

  it('sends what was never delivered through a temporary group, skips the delivered, deletes the group and leaves the main group alone', async () => {
    const mainGroup = `${env.KAFKA_GROUP_ID_PREFIX}-inject`;
    const mainBefore = await committedByPartition(mainGroup, topics.printedEligible);
    const r = await runCli(['replay', '--role', 'inject', '--from', from], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Replaying through temporary consumer group (\S+-inject-replay-\S+)/);
    expect(r.stdout).toContain('Replayed 15 of 15 record(s)');
    expect(r.stdout).toMatch(/pushed:\s+5\n/);
    expect(r.stdout).toMatch(/skipped:\s+ALREADY_INJECTED 10\n/);
    const temp = /Replaying through temporary consumer group (\S+)/.exec(r.stdout)![1]!;
    expect(r.stdout).toContain(`Temporary group ${temp} deleted.`);
    expect(await listGroups()).not.toContain(temp);

    const received = simulator.state.received();
    expect(received.totals.byEndpoint.inject.ticketsAccepted).toBe(adults.length + children.length);
    expect(received.duplicates.inject).toEqual([]);
    // The old CHILD tickets are before --from: not replayed.
    expect(received.tickets.map((t) => t.ticketId)).not.toContain(old[0]!.ticketId);
    expect(await committedByPartition(mainGroup, topics.printedEligible)).toEqual(mainBefore);

    // The replay's batches are in the history, marked as such.
    const modes = await withMongo(env.MONGODB_DATABASE!, (db) => db.collection('executions').distinct('mode', { role: 'inject' }));
    expect(modes.sort()).toEqual(['live', 'replay']);
    expectNoSecretOrHolderData(r.stdout + r.stderr);
  });

  it('--force says how many delivered tickets it sends again, then sends them once more', async () => {
    const to = new Date(t1 + HOUR).toISOString();
    const r = await runCli(['replay', '--role', 'inject', '--from', from, '--to', to, '--force'], env);
    expect(r.code).toBe(0);
    const warned = r.stdout.indexOf('--force: 10 ticket(s) that TIXnGO already has will be sent AGAIN');
    expect(warned).toBeGreaterThan(0);
    expect(warned).toBeLessThan(r.stdout.indexOf('Replaying through temporary consumer group'));
    expect(r.stdout).toMatch(/pushed:\s+15\n/);
    const received = simulator.state.received();
    expect(
      received.tickets
        .filter((t) => t.injectCount === 2)
        .map((t) => t.ticketId)
        .sort(),
    ).toEqual(adults.map((t) => t.ticketId).sort());
    expect(received.tickets.filter((t) => children.some((c) => c.ticketId === t.ticketId)).every((t) => t.injectCount === 1)).toBe(true);
  });

  it('reports an empty time range without creating anything', async () => {
    const r = await runCli(['replay', '--role', 'inject', '--from', new Date(Date.now() + HOUR).toISOString()], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Nothing to replay');
  });

  it('refuses --to before --from and a date-time without a zone', async () => {
    expect((await runCli(['replay', '--role', 'inject', '--from', '2026-01-02T00:00:00Z', '--to', '2026-01-01T00:00:00Z'], env)).stderr).toContain(
      '--to must be later than --from',
    );
    const r = await runCli(['replay', '--role', 'inject', '--from', '2026-01-02 00:00'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('has no time zone');
  });
});
