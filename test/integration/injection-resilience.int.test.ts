import { setTimeout as sleep } from 'node:timers/promises';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aPrintedTicket } from '../../src/tools/sample-events';
import { spawnBridge, type BridgeProcess } from '../support/bridge-process';
import { startTcpProxy } from '../support/tcp-proxy';
import { API_KEY, bridgeEnv, committedTotal, produceAvro, services, startTestBridge, setFaults, useStackFixture } from '../support/harness';
import { waitFor } from '../support/wait-for';

describe('inject role under failure', () => {
  const fx = useStackFixture(3);

  it('loses and duplicates nothing through 5xx, 429 with Retry-After, hanging requests and dropped connections', async () => {
    await setFaults(fx.simulator, {
      scriptByEndpoint: {
        inject: [{ status: 503 }, { status: 429, retryAfterSeconds: 1 }, { hang: true }, { drop: true }, { status: 500 }],
      },
    });
    const env = bridgeEnv(fx.topics, fx.simulator, { INJECT_BATCH_SIZE: '200', TIXNGO_REQUEST_TIMEOUT_MS: '1000' });
    const { bridge, config } = await startTestBridge(env);
    fx.cleanup(() => bridge.stop());
    const tickets = Array.from({ length: 1000 }, (_, i) => aPrintedTicket({}, i + 1));
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', tickets);

    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted === 1000, {
      timeoutMs: 90_000,
      describe: () => fx.simulator.state.totals(),
    });
    await waitFor(async () => (await committedTotal(config.inject.groupId, fx.topics.printedEligible)) === 1000);
    const received = fx.simulator.state.received();
    expect(received.duplicates.inject).toEqual([]);
    const failed = fx.simulator.state.requests({ endpoint: 'inject' }).filter((r) => r.status !== 200);
    expect(failed.length).toBeGreaterThanOrEqual(5);
    const retries = await bridge.metrics.retries.get();
    expect(retries.values.reduce((s, v) => s + v.value, 0)).toBeGreaterThanOrEqual(5);
    expect(bridge.health.ready().ok).toBe(true);
  });

  it('keeps its group membership through a push longer than the session timeout (heartbeats while waiting)', async () => {
    await setFaults(fx.simulator, { latency: { ms: 15_000, endpoints: ['inject'] } });
    const { bridge, config } = await startTestBridge(
      bridgeEnv(fx.topics, fx.simulator, { KAFKA_SESSION_TIMEOUT_MS: '6000', TIXNGO_REQUEST_TIMEOUT_MS: '30000' }),
    );
    fx.cleanup(() => bridge.stop());
    const joins = async () => (await bridge.metrics.groupJoins.get()).values.reduce((s, v) => s + v.value, 0);
    // Let the group settle first: a join the broker was slow to answer can leave a pending member
    // behind, whose expiry (one session timeout later) rebalances the group whatever this test does.
    await waitFor(async () => (await joins()) >= 1);
    let joinsBefore = await joins();
    for (;;) {
      await sleep(7_000); // longer than the session timeout
      const now = await joins();
      if (now === joinsBefore) break;
      joinsBefore = now;
    }
    await produceAvro(
      fx.topics.printedEligible,
      'ticket-printed-eligible',
      Array.from({ length: 20 }, (_, i) => aPrintedTicket({}, i + 1)),
    );
    await waitFor(async () => (await committedTotal(config.inject.groupId, fx.topics.printedEligible)) === 20, { timeoutMs: 60_000 });
    expect(fx.simulator.state.received().duplicates.inject).toEqual([]);
    // Each ticket went out in exactly one request: none was sent again after a lost membership.
    // (How many requests depends on how the 20 records were fetched: batches close when the consumer is idle.)
    const requests = fx.simulator.state.requests({ endpoint: 'inject' });
    expect(requests.flatMap((r) => r.ticketIds).sort()).toEqual(Array.from({ length: 20 }, (_, i) => aPrintedTicket({}, i + 1).ticketId).sort());
    expect(await joins()).toBe(joinsBefore);
  });

  it('rides out MongoDB going away mid-stream: not ready meanwhile, then nothing lost or pushed twice', async () => {
    const mongo = new URL(services().mongoUri);
    const proxy = await startTcpProxy({ host: mongo.hostname, port: Number(mongo.port || 27017) });
    fx.cleanup(() => proxy.close());
    const { bridge, config } = await startTestBridge(
      bridgeEnv(fx.topics, fx.simulator, { MONGODB_URI: `mongodb://127.0.0.1:${proxy.port}/`, MONGODB_OPERATION_TIMEOUT_MS: '3000', INJECT_BATCH_SIZE: '100' }),
    );
    fx.cleanup(() => bridge.stop());
    const tickets = Array.from({ length: 600 }, (_, i) => aPrintedTicket({}, i + 1));
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', tickets.slice(0, 300));
    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted >= 100);
    proxy.cut();
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', tickets.slice(300));
    await waitFor(() => !bridge.health.ready().ok, { timeoutMs: 30_000 });
    proxy.restore();
    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted === 600, {
      timeoutMs: 90_000,
      describe: () => ({ totals: fx.simulator.state.totals(), ready: bridge.health.ready() }),
    });
    await waitFor(async () => (await committedTotal(config.inject.groupId, fx.topics.printedEligible)) === 600, { timeoutMs: 30_000 });
    await waitFor(() => bridge.health.ready().ok);
    expect(fx.simulator.state.received().duplicates.inject).toEqual([]);
  });

  it('a second replica joining mid-stream (a rebalance) loses nothing, pushes nothing twice and commits everything', async () => {
    await setFaults(fx.simulator, { latency: { ms: 150, endpoints: ['inject'] } });
    const env = bridgeEnv(fx.topics, fx.simulator, { INJECT_BATCH_SIZE: '100', INJECT_LINGER_MS: '100', KAFKA_SESSION_TIMEOUT_MS: '10000' });
    const first = await startTestBridge({ ...env, BRIDGE_INSTANCE_ID: 'replica-a' });
    fx.cleanup(() => first.bridge.stop());
    const tickets = Array.from({ length: 3000 }, (_, i) => aPrintedTicket({}, i + 1));
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', tickets);
    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted >= 500, { timeoutMs: 60_000 });
    const second = await startTestBridge({ ...env, BRIDGE_INSTANCE_ID: 'replica-b' });
    fx.cleanup(() => second.bridge.stop());
    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted === 3000, {
      timeoutMs: 120_000,
      describe: () => fx.simulator.state.totals(),
    });
    await waitFor(async () => (await committedTotal(first.config.inject.groupId, fx.topics.printedEligible)) === 3000, { timeoutMs: 60_000 });
    expect(fx.simulator.state.received().duplicates.inject).toEqual([]);
    const joins = (await first.bridge.metrics.groupJoins.get()).values.reduce((sum, v) => sum + v.value, 0);
    expect(joins).toBeGreaterThanOrEqual(2);
    expect([...first.fatal, ...second.fatal]).toEqual([]);
  });

  it('reports not ready while TIXnGO is failing, and ready again once it recovers', async () => {
    await setFaults(fx.simulator, { override: { status: 503, endpoints: ['inject'] } });
    const { bridge } = await startTestBridge(bridgeEnv(fx.topics, fx.simulator));
    fx.cleanup(() => bridge.stop());
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', [aPrintedTicket({}, 1)]);
    await waitFor(() => !bridge.health.ready().ok);
    const res = await fetch(`http://127.0.0.1:${bridge.opsPort}/readyz`);
    expect(res.status).toBe(503);
    await fetch(`${fx.simulator.origin}/_sim/faults`, { method: 'DELETE' });
    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted === 1, { timeoutMs: 30_000 });
    await waitFor(() => bridge.health.ready().ok);
  });

  it('a kill -9 mid-batch followed by a restart loses no ticket and pushes none twice', async () => {
    const env = bridgeEnv(fx.topics, fx.simulator, {
      INJECT_BATCH_SIZE: '100',
      INJECT_LINGER_MS: '100',
      KAFKA_SESSION_TIMEOUT_MS: '8000',
      LOG_LEVEL: 'info',
    });
    // TIXnGO applies each request but answers 1.5 s later: the worst moment to die.
    await setFaults(fx.simulator, { answerDelay: { ms: 1500, endpoints: ['inject'] } });
    const tickets = Array.from({ length: 2000 }, (_, i) => aPrintedTicket({}, i + 1));
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', tickets);

    let proc: BridgeProcess = spawnBridge(env);
    const outputs: string[] = [];
    fx.cleanup(async () => {
      proc.child.kill('SIGKILL');
      await proc.exited;
    });
    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted >= 300, {
      timeoutMs: 60_000,
      describe: () => proc.output().slice(-2000),
    });
    await waitFor(() => fx.simulator.state.answersPending > 0, { timeoutMs: 10_000, intervalMs: 5 });
    proc.child.kill('SIGKILL');
    expect((await proc.exited).signal).toBe('SIGKILL');
    const beforeRestart = fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted;
    expect(beforeRestart).toBeLessThan(2000);

    outputs.push(proc.output());
    await setFaults(fx.simulator, {});
    proc = spawnBridge(env);
    // Distinct tickets, not accepted answers: when the kill lands just after TIXnGO answered, the
    // replayed request is answered (from idempotency memory) a second time, and counted again.
    await waitFor(() => fx.simulator.state.totals().tickets === 2000, {
      timeoutMs: 90_000,
      describe: () => ({ totals: fx.simulator.state.totals(), log: proc.output().slice(-3000) }),
    });
    const groupId = `${env.KAFKA_GROUP_ID_PREFIX}-inject`;
    await waitFor(async () => (await committedTotal(groupId, fx.topics.printedEligible)) === 2000, { timeoutMs: 30_000 });
    const received = fx.simulator.state.received();
    expect(received.duplicates.inject).toEqual([]);
    expect(received.tickets.filter((t) => t.injectCount === 1)).toHaveLength(2000);
    // The request that was cut off was sent again under its key and answered from TIXnGO's memory.
    expect(fx.simulator.state.replayed).toBeGreaterThan(0);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });

    // Neither run logged the API key or anybody's personal data (buyers are "Alex Buyer<n>").
    const logs = [...outputs, proc.output()].join('\n');
    expect(logs).toContain('batch handled');
    expect(logs).not.toContain(API_KEY);
    expect(logs).not.toMatch(/Buyer\d|@example\.test/);
  });

  it('refuses to start, exit code 2, when the ticket template touches a protected field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tpl-'));
    const file = join(dir, 'template.json');
    writeFileSync(file, JSON.stringify({ 'event.name': '${Performance_hostTeam}', 'event.id': 'X' }));
    const proc = spawnBridge(bridgeEnv(fx.topics, fx.simulator, { INJECT_TEMPLATE_FILE: file }));
    expect((await proc.exited).code).toBe(2);
    expect(proc.output()).toMatch(/INJECT_TEMPLATE_FILE: "event\.id" is protected/);
  });

  it('refuses to start, exit code 2, naming every bad setting and never echoing a secret', async () => {
    const proc = spawnBridge({ BRIDGE_ROLE: 'inject', TIXNGO_API_KEY: 'short', MONGODB_URI: 'postgres://user:pa55word@db', HTTP_PORT: 'eighty' });
    expect((await proc.exited).code).toBe(2);
    const out = proc.output();
    for (const key of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'TIXNGO_BASE_URL', 'TIXNGO_API_KEY', 'MONGODB_URI', 'HTTP_PORT']) expect(out).toContain(key);
    expect(out).not.toContain('pa55word');
    expect(out).not.toMatch(/\bshort\b/);
  });
});
