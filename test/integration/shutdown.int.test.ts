import type { RunningSimulator } from '../../src/simulator/simulator';
import { aPrintedTicket } from '../../src/tools/sample-events';
import { spawnBridge, type BridgeProcess } from '../support/bridge-process';
import { bridgeEnv, committedTotal, createTestTopics, produceAvro, setFaults, startTestSimulator, type TestTopics, withMongo } from '../support/harness';
import { waitFor } from '../support/wait-for';

describe('SIGTERM (a real bridge process)', () => {
  let simulator: RunningSimulator;
  let topics: TestTopics;
  let proc: BridgeProcess | undefined;

  beforeEach(async () => {
    simulator = await startTestSimulator();
    topics = await createTestTopics(3);
  });

  afterEach(async () => {
    if (proc && proc.child.exitCode === null && proc.child.signalCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    await simulator.close();
  });

  it('drains the in-flight batch within the deadline, commits exactly what it handled, exits 0; a restart loses nothing', async () => {
    const drainMs = 6000;
    const env = bridgeEnv(topics, simulator, {
      SHUTDOWN_DRAIN_MS: String(drainMs),
      INJECT_BATCH_SIZE: '50',
      INJECT_LINGER_MS: '100',
      LOG_LEVEL: 'info',
    });
    const groupId = `${env.KAFKA_GROUP_ID_PREFIX}-inject`;
    // TIXnGO is slow: every request takes 1.5 s, so SIGTERM lands in the middle of one.
    await setFaults(simulator, { latency: { ms: 1500, endpoints: ['inject'] } });
    const tickets = Array.from({ length: 400 }, (_, i) => aPrintedTicket({}, i + 1));
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', tickets);

    proc = spawnBridge(env);
    await waitFor(() => simulator.state.totals().byEndpoint.inject.ticketsAccepted >= 50, { timeoutMs: 60_000, describe: () => proc!.output().slice(-2000) });
    const sentAt = Date.now();
    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    const tookMs = Date.now() - sentAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(drainMs + 3000);
    expect(proc.output()).toContain('"why":"SIGTERM"');
    expect(proc.output()).toContain('role stopped');

    // Committed == handled: every committed record is recorded in the ledger, and nothing recorded is uncommitted.
    const committed = await committedTotal(groupId, topics.printedEligible);
    const recorded = await withMongo(env.MONGODB_DATABASE!, (db) => db.collection('ticket_ledger').countDocuments({ kind: 'inject' }));
    const accepted = simulator.state.totals().byEndpoint.inject.ticketsAccepted;
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(tickets.length);
    expect(recorded).toBe(committed);
    expect(accepted).toBe(recorded);

    // The restart picks up exactly where the first run stopped.
    await setFaults(simulator, {});
    proc = spawnBridge(env);
    await waitFor(() => simulator.state.totals().byEndpoint.inject.ticketsAccepted === tickets.length, {
      timeoutMs: 60_000,
      describe: () => simulator.state.totals(),
    });
    await waitFor(async () => (await committedTotal(groupId, topics.printedEligible)) === tickets.length);
    expect(simulator.state.received().duplicates.inject).toEqual([]);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
  });

  it('abandons a batch that outlives the deadline: exits 0 at the deadline, commits nothing of it, and the restart sends it once', async () => {
    const drainMs = 1500;
    const env = bridgeEnv(topics, simulator, { SHUTDOWN_DRAIN_MS: String(drainMs), INJECT_LINGER_MS: '100', LOG_LEVEL: 'info' });
    const groupId = `${env.KAFKA_GROUP_ID_PREFIX}-inject`;
    // TIXnGO applies the request and answers 20 s later: longer than the drain deadline.
    await setFaults(simulator, { answerDelay: { ms: 20_000, endpoints: ['inject'] } });
    const tickets = Array.from({ length: 20 }, (_, i) => aPrintedTicket({}, i + 1));
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', tickets);
    proc = spawnBridge(env);
    await waitFor(() => simulator.state.answersPending > 0, { timeoutMs: 60_000, intervalMs: 20 });
    const sentAt = Date.now();
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(drainMs + 3000);
    expect(proc.output()).toContain('in-flight batch abandoned at shutdown');
    expect(await committedTotal(groupId, topics.printedEligible)).toBe(0);

    await setFaults(simulator, {});
    proc = spawnBridge(env);
    await waitFor(async () => (await committedTotal(groupId, topics.printedEligible)) === tickets.length, { timeoutMs: 60_000 });
    const received = simulator.state.received();
    expect(received.tickets.filter((t) => t.injectCount === 1)).toHaveLength(tickets.length);
    expect(received.duplicates.inject).toEqual([]);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
  });
});
