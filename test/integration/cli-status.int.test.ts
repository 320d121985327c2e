import { aPrintedTicket } from '../../src/tools/sample-events';
import { expectNoSecretOrHolderData, runCli } from '../support/cli';
import { bridgeEnv, committedTotal, produceAvro, setFaults, startTestBridge, useStackFixture, withMongo } from '../support/harness';
import { MongoLeaseStore } from '../../src/store/lease-store';
import { traceDocRecords } from '../../src/store/ticket-trace';
import { waitFor } from '../support/wait-for';

async function lagGauge(port: number, role: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const values = [...text.matchAll(new RegExp(`^tixngo_bridge_consumer_lag\\{[^}]*role="${role}"[^}]*\\} (\\d+)`, 'gm'))].map((m) => Number(m[1]));
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}

describe('batch history, consumer lag and cli status (real Kafka, registry, store, simulator)', () => {
  const fx = useStackFixture(3);

  it('keeps STATUS_HISTORY_LIMIT executions per role, exports the lag, and shows both in status', async () => {
    const env = bridgeEnv(fx.topics, fx.simulator, {
      STATUS_HISTORY_LIMIT: '10',
      STATUS_LAG_INTERVAL_MS: '100',
      INJECT_BATCH_SIZE: '5',
      INJECT_LINGER_MS: '50',
    });
    await setFaults(fx.simulator, { latency: { ms: 300, endpoints: ['inject'] } });
    const { bridge, config } = await startTestBridge(env);
    let running = true;
    fx.cleanup(async () => {
      if (running) await bridge.stop();
    });
    const tickets = Array.from({ length: 60 }, (_, i) => aPrintedTicket({}, i + 1));
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', tickets);

    // While TIXnGO is slow the role falls behind, and the gauge says so; then it catches up.
    await waitFor(async () => ((await lagGauge(bridge.opsPort, 'inject')) ?? 0) > 0, { timeoutMs: 20_000, intervalMs: 50 });
    await waitFor(async () => (await committedTotal(config.inject.groupId, fx.topics.printedEligible)) === 60, { timeoutMs: 60_000 });
    await waitFor(async () => (await lagGauge(bridge.opsPort, 'inject')) === 0);

    // The last batch: one ticket TIXnGO rejects.
    await setFaults(fx.simulator, { rejectTickets: { tickets: [{ ticketId: aPrintedTicket({}, 999).ticketId, errorCode: 'INVALID_SEAT' }] } });
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', [aPrintedTicket({}, 999)]);
    await waitFor(async () => (await committedTotal(config.inject.groupId, fx.topics.printedEligible)) === 61);
    const count = () => withMongo(config.mongo.database, (db) => db.collection('executions').countDocuments({ role: 'inject' }));
    await waitFor(async () => (await withMongo(config.mongo.database, (db) => db.collection('executions').countDocuments({ status: 'ERROR' }))) === 1);
    expect(await count()).toBeLessThanOrEqual(10);
    expect(await count()).toBeGreaterThanOrEqual(5);
    const traced = await withMongo(config.mongo.database, async (db) =>
      (await db.collection('ticket_trace').find({}).toArray()).flatMap((d) => traceDocRecords(d as never)),
    );
    expect(traced).toHaveLength(61);

    const r = await runCli(['status', '--role', 'inject', '--limit', '3'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Role inject (consumer group ${config.inject.groupId})`);
    expect(r.stdout).toMatch(/consumer lag: 0 record\(s\)/);
    expect(r.stdout).toContain('last 3 execution(s), newest first:');
    expect(r.stdout).toMatch(/FINISHED AT\s+DURATION\s+RECEIVED\s+PUSHED\s+SKIPPED \(BY REASON\)\s+REJECTED\s+DEAD-LETTERED\s+STATUS/);
    const rows = r.stdout.split('\n').filter((l) => /^\s+\d{4}-\d\d-\d\dT/.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/\s1\s+0\s+0\s+1\s+0\s+ERROR$/);
    expect(rows[1]).toMatch(/\s5\s+5\s+0\s+0\s+0\s+(OK|WARNING)$/);
    expect(r.stdout).toContain(`ERROR: tickets rejected or records dead-lettered (TIXNGO_INVALID_SEAT): dlq list --role inject`);
    expectNoSecretOrHolderData(r.stdout + r.stderr);

    // Stopped, with records waiting: the lag is what is left to read.
    await bridge.stop();
    running = false;
    await produceAvro(
      fx.topics.printedEligible,
      'ticket-printed-eligible',
      Array.from({ length: 7 }, (_, i) => aPrintedTicket({}, 2000 + i)),
    );
    const all = await runCli(['status'], env);
    expect(all.stdout).toMatch(/Role inject \(consumer group [^)]+\)\n\s+consumer lag: 7 record\(s\)/);
    expect(all.stdout).toMatch(/Role cancel \(consumer group [^)]+\)\n\s+consumer lag: 0 record\(s\) \(the group never committed/);
    expect(all.stdout).toContain('Role holder-sync (change-feed poller)');
  });

  it('marks a batch whose transient failures were retried as WARNING, with skips by reason', async () => {
    const env = bridgeEnv(fx.topics, fx.simulator, { INJECT_FILTER_TARIFFS: 'ADULT' });
    await setFaults(fx.simulator, { scriptByEndpoint: { inject: [{ status: 503 }] } });
    const { bridge, config } = await startTestBridge(env);
    fx.cleanup(() => bridge.stop());
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', [aPrintedTicket({}, 1), aPrintedTicket({ tariffCode: 'VIP' }, 2)]);
    await waitFor(async () => (await committedTotal(config.inject.groupId, fx.topics.printedEligible)) === 2);
    await waitFor(async () => (await withMongo(config.mongo.database, (db) => db.collection('executions').countDocuments({ status: 'WARNING' }))) >= 1);
    const r = await runCli(['status', '--role', 'inject'], env);
    expect(r.stdout).toMatch(/\s0\s+0\s+WARNING$/m);
    expect(r.stdout).toContain('(FILTER_TARIFF 1)');
  });

  it('fails clearly when MongoDB cannot be reached', async () => {
    const env = bridgeEnv(fx.topics, fx.simulator, { MONGODB_URI: 'mongodb://127.0.0.1:1/' });
    const r = await runCli(['status'], env, { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: cannot connect to MongoDB/);
  });

  it("shows the holder-sync poller's pagination key, last page and lease", async () => {
    const env = bridgeEnv(fx.topics, fx.simulator);
    const before = await runCli(['status', '--role', 'holder-sync'], env);
    expect(before.stdout).toContain('no poller state stored: holder-sync never ran against this database');
    await withMongo(env.MONGODB_DATABASE!, async (db) => {
      const leases = new MongoLeaseStore(db);
      const now = new Date();
      const first = (await leases.claim('default', 'pod-6:ff00', now, 60_000))!;
      await leases.commitPage(first, { paginationKey: 'key-41', keyMoved: true, now, ttlMs: 60_000 });
      await leases.release(first, now);
      // A new term, its predecessor not yet pruned: status shows the newest.
      const term = (await leases.claim('default', 'pod-7:ab12', now, 60_000))!;
      await leases.commitPage(term, { paginationKey: 'key-42', keyMoved: true, now, ttlMs: 60_000 });
    });
    const r = await runCli(['status', '--role', 'holder-sync'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Role holder-sync (change-feed poller)');
    expect(r.stdout).toContain('organizer default: pagination key key-42');
    expect(r.stdout).toMatch(/key moved \S+ \(\d+ s ago\), last page \S+/);
    expect(r.stdout).toMatch(/lease held by pod-7:ab12 until \S+ \(term 2\)/);
    expect(r.stdout).not.toContain('key-41');
    expect(r.stdout).not.toContain('Role inject');
  });
});
