import type { RunningSimulator } from '../../src/simulator/simulator';
import { aPrintedTicket } from '../../src/tools/sample-events';
import { expectNoSecretOrHolderData, runCli } from '../support/cli';
import { bridgeEnv, committedTotal, createTestTopics, startTestBridge, startTestSimulator, type TestTopics } from '../support/harness';
import { committedByPartition, offsetsAt, produceAvroAt } from '../support/produce-at';
import { waitFor } from '../support/wait-for';

const HOUR = 3_600_000;

describe('cli offsets reset (real Kafka, registry, store, simulator)', () => {
  let simulator: RunningSimulator;
  let topics: TestTopics;
  let env: Record<string, string>;
  const stops: (() => Promise<void>)[] = [];
  const t0 = Date.now() - 3 * HOUR;
  const t1 = Date.now() - 1 * HOUR;
  const early = Array.from({ length: 12 }, (_, i) => aPrintedTicket({}, i + 1));
  const late = Array.from({ length: 9 }, (_, i) => aPrintedTicket({}, 100 + i));

  beforeEach(async () => {
    simulator = await startTestSimulator();
    topics = await createTestTopics(3);
    env = bridgeEnv(topics, simulator);
    await produceAvroAt(topics.printedEligible, 'ticket-printed-eligible', early, t0);
    await produceAvroAt(topics.printedEligible, 'ticket-printed-eligible', late, t1);
  });

  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await simulator.close();
  });

  async function runBridgeToTheEnd() {
    const b = await startTestBridge(env);
    let stopped = false;
    const stop = async () => {
      if (!stopped) await b.bridge.stop();
      stopped = true;
    };
    stops.push(stop);
    await waitFor(async () => (await committedTotal(b.config.inject.groupId, topics.printedEligible)) === early.length + late.length);
    return { ...b, stop };
  }

  it('refuses a date-time without a zone, saying how to write one (exit 2)', async () => {
    const r = await runCli(['offsets', 'reset', '--role', 'inject', '--to-datetime', '2026-01-01T10:00:00', '--dry-run'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no time zone\. Add "Z" for UTC/);
  });

  it('dry run shows per partition the current and target offsets and the records re-read, and changes nothing', async () => {
    const { config, stop } = await runBridgeToTheEnd();
    await stop();
    const before = await committedByPartition(config.inject.groupId, topics.printedEligible);
    const at = new Date(t0 + HOUR).toISOString();
    const r = await runCli(['offsets', 'reset', '--role', 'inject', '--to-datetime', at, '--dry-run'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`consumer group ${config.inject.groupId}`);
    expect(r.stdout).toMatch(/PARTITION\s+CURRENT\s+TARGET\s+LOG START\s+LOG END\s+RE-READ\s+SKIPPED/);
    expect(r.stdout).toContain(`Total: ${late.length} record(s) read again`);
    expect(r.stdout).toContain('Dry run: nothing was changed.');
    expect(await committedByPartition(config.inject.groupId, topics.printedEligible)).toEqual(before);
    expectNoSecretOrHolderData(r.stdout + r.stderr);
  });

  it('refuses while the group has active members and says how to stop them; changes nothing', async () => {
    const { config } = await runBridgeToTheEnd();
    const before = await committedByPartition(config.inject.groupId, topics.printedEligible);
    const r = await runCli(['offsets', 'reset', '--role', 'inject', '--to-datetime', new Date(t0).toISOString()], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the consumer group ${config.inject.groupId} is active`);
    expect(r.stderr).toContain('kubectl scale deploy/<release>-tixngo-bridge-inject --replicas=0');
    expect(r.stderr).toContain('stop the bridge process');
    expect(await committedByPartition(config.inject.groupId, topics.printedEligible)).toEqual(before);
  });

  it('resets a stopped group to the first record at the date; the restarted role re-reads them and sends nothing twice', async () => {
    const first = await runBridgeToTheEnd();
    await first.stop();
    const groupId = first.config.inject.groupId;
    const sentBefore = simulator.state.totals().byEndpoint.inject.ticketsAccepted;
    expect(sentBefore).toBe(early.length + late.length);

    const r = await runCli(['offsets', 'reset', '--role', 'inject', '--to-datetime', new Date(t0 + HOUR).toISOString().replace('Z', '+00:00')], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Done: group');
    const expected = await offsetsAt(topics.printedEligible, t0 + HOUR);
    expect(await committedByPartition(groupId, topics.printedEligible)).toEqual(expected);
    expect([...expected.values()].reduce((a, b) => a + b, 0)).toBe(early.length);

    const second = await runBridgeToTheEnd();
    await waitFor(async () =>
      (await second.bridge.metrics.skipped.get()).values.some((v) => v.labels.reason === 'ALREADY_INJECTED' && v.value === late.length),
    );
    expect(simulator.state.totals().byEndpoint.inject.ticketsAccepted).toBe(sentBefore);
    expect(simulator.state.received().duplicates.inject).toEqual([]);
  });

  it('refuses to move forward past records the role never read unless --allow-skip', async () => {
    const first = await runBridgeToTheEnd();
    await first.stop();
    const groupId = first.config.inject.groupId;
    // Back to the start of the late records: they are now "not read yet" for the group.
    expect((await runCli(['offsets', 'reset', '--role', 'inject', '--to-datetime', new Date(t1).toISOString()], env)).code).toBe(0);
    const back = await committedByPartition(groupId, topics.printedEligible);

    const future = new Date(Date.now() + HOUR).toISOString();
    const refused = await runCli(['offsets', 'reset', '--role', 'inject', '--to-datetime', future], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${late.length} record(s) the role never read would be jumped over`);
    expect(await committedByPartition(groupId, topics.printedEligible)).toEqual(back);

    const allowed = await runCli(['offsets', 'reset', '--role', 'inject', '--to-datetime', future, '--allow-skip'], env);
    expect(allowed.code).toBe(0);
    expect(await committedTotal(groupId, topics.printedEligible)).toBe(early.length + late.length);
  });

  it('says plainly that holder-sync has no consumer group', async () => {
    const r = await runCli(['offsets', 'reset', '--role', 'holder-sync', '--to-datetime', '2026-01-01T00:00:00Z'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('holder-sync is a poller of the TIXnGO change feed, not a Kafka consumer');
  });

  it('needs only the Kafka settings: no TIXnGO key, registry or MongoDB', async () => {
    const r = await runCli(['offsets', 'reset', '--role', 'inject', '--to-datetime', '2026-01-01T00:00:00Z', '--dry-run'], {
      KAFKA_BROKERS: env.KAFKA_BROKERS!,
      KAFKA_GROUP_ID_PREFIX: env.KAFKA_GROUP_ID_PREFIX!,
      TOPIC_TICKET_PRINTED_ELIGIBLE: topics.printedEligible,
    });
    expect(r.stderr).not.toMatch(/TIXNGO_API_KEY|MONGODB_URI|SCHEMA_REGISTRY_URL/);
    expect(r.code).toBe(0);
  });
});
