import { seededRandom } from '../../src/simulator/faults';
import { aPrintedTicket } from '../../src/tools/sample-events';
import { produceAvro, setFaults, useStackFixture, withMongo } from '../support/harness';
import { lagReport, settleLag } from '../support/kafka-inspect';
import { crashEnv, groupOf, pause, RoleProcesses, type ConsumerRole } from '../support/role-processes';
import { barcodeInTixngo, barcodeOf, idOf, isDeleted, opsTable, range, tableOf, ticketAt, voidOf } from '../support/tickets';
import { waitFor } from '../support/wait-for';

/**
 * Issue 12, from outside: the roles run as separate processes (`src/main.ts <role>`), are killed with
 * SIGKILL at chosen moments, and the verdict is what TIXnGO (the simulator) applied, in which order
 * and for which generation, plus Kafka's committed offsets and the store. Each `it` is one item of the
 * issue. On b04c3ba they fail with the symptoms the issue describes; see each test's comment.
 */
describe('crash consistency: cancellations, generations and outbox takeover (issue 12)', () => {
  const fx = useStackFixture(3);

  function setup(overrides: Record<string, string> = {}) {
    const env = crashEnv(fx.topics, fx.simulator, overrides);
    const roles = new RoleProcesses(env);
    fx.cleanup(() => roles.killAll());
    const pairs = (...rs: ConsumerRole[]) =>
      rs.map((r) => [groupOf(env, r), r === 'inject' ? fx.topics.printedEligible : r === 'cancel' ? fx.topics.cancelled : fx.topics.controlled] as const);
    return { env, roles, pairs };
  }

  const sim = () => fx.simulator.state;
  const eligible = (records: { ticketId: string }[]) => produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', records);
  const cancellations = (records: { ticketId: string }[]) => produceAvro(fx.topics.cancelled, 'ticket-cancelled', records);
  /** TIXnGO applied an injection of generation `g` of every one of `ids`. */
  const applied = (ids: readonly string[], g: number) => {
    const hs = sim().history({ ticketIds: ids });
    return hs.length === ids.length && hs.every((h) => h.ops.some((o) => o.op === 'inject' && o.generation === g));
  };
  /** An `answerDelay` request is held: TIXnGO applied it, the client has not heard. */
  const heldAnswer = () => sim().answersPending > 0;

  it('1. a cancellation consumed while the inject role lies dead between TIXnGO applying an injection and the ledger write is still pushed: deleted once, after the injection', async () => {
    // b04c3ba: the restarted inject role skips the tickets as CANCELLED_BEFORE_INJECTION and releases
    // the outbox entry; the cancel role had skipped them as NOT_INJECTED: 20/20 stay live, no delete.
    const { roles, pairs } = setup({ INJECT_BATCH_SIZE: '20' });
    await Promise.all([roles.start('inject'), roles.start('cancel')]);
    await setFaults(fx.simulator, { answerDelay: { ms: 60_000, endpoints: ['inject'] } });
    const ns = range(1, 20);
    const ids = ns.map(idOf);
    await eligible(ns.map((n) => ticketAt(n)));
    await waitFor(() => applied(ids, 0) && heldAnswer(), { timeoutMs: 30_000, intervalMs: 20 });
    await roles.kill('inject');

    await cancellations(ids.map((id) => voidOf(id, 0, 'ORDER_CANCELLED', new Date())));
    // The cancel role handles them while the inject role is dead (b04c3ba: skipped NOT_INJECTED).
    await settleLag(pairs('cancel'), { stableMs: 0, timeoutMs: 15_000 });
    await setFaults(fx.simulator, {});
    await roles.start('inject');

    await waitFor(() => ids.every((id) => isDeleted(sim().ticket(id)?.status)), { timeoutMs: 40_000 }).catch(() => undefined);
    const settled = await settleLag(pairs('inject', 'cancel'), { timeoutMs: 30_000 });
    expect(opsTable(sim(), ids)).toEqual(tableOf(ids, () => 'inject@0 delete@0(ORDER_CANCELLED)'));
    expect(tableOf(ids, (id) => isDeleted(sim().ticket(id)?.status))).toEqual(tableOf(ids, () => true));
    expect({ settled, lag: await lagReport(pairs('inject', 'cancel')) }).toMatchObject({ settled: true });
  });

  it("2. a reprint is not deleted by the previous generation's invalidation consumed while the reprint is being injected", async () => {
    // b04c3ba: the cancel role sees only inject|0 and deletes; TIXnGO applies the delete after the
    // gen-1 injection: every reprinted ticket ends DELETION_PENDING.
    const { roles, pairs } = setup();
    await Promise.all([roles.start('inject'), roles.start('cancel')]);
    const ns = range(1, 10);
    const ids = ns.map(idOf);
    await eligible(ns.map((n) => ticketAt(n, 0)));
    await waitFor(() => applied(ids, 0));
    expect(await settleLag(pairs('inject'), { stableMs: 0, timeoutMs: 30_000 })).toBe(true);

    await setFaults(fx.simulator, { answerDelay: { ms: 8_000, endpoints: ['inject'] } });
    await eligible(ns.map((n) => ticketAt(n, 1)));
    await waitFor(() => applied(ids, 1) && heldAnswer(), { timeoutMs: 30_000, intervalMs: 20 });
    await cancellations(ids.map((id) => voidOf(id, 0, 'REPRINT', new Date(), 'INVALIDATED')));
    // The cancel role handles the invalidations while TIXnGO still holds the gen-1 answer.
    await settleLag(pairs('cancel'), { stableMs: 0, timeoutMs: 20_000 });
    await setFaults(fx.simulator, {});
    await settleLag(pairs('inject', 'cancel'), { timeoutMs: 45_000, stableMs: 3000 });

    const afterReprint = (id: string) => {
      const h = sim().history({ ticketIds: [id] })[0];
      const gen1 = h?.ops.findIndex((o) => o.op === 'inject' && o.generation === 1) ?? -1;
      return h ? h.ops.slice(gen1 + 1).filter((o) => o.op === 'delete').length : -1;
    };
    expect(
      tableOf(ids, (id) => ({ live: !isDeleted(sim().ticket(id)?.status), generation: sim().ticket(id)?.generation, deletesAfterReprint: afterReprint(id) })),
    ).toEqual(tableOf(ids, () => ({ live: true, generation: 1, deletesAfterReprint: 0 })));
    expect(tableOf(ids, (id) => barcodeInTixngo(sim(), id))).toEqual(tableOf(ids, (id) => barcodeOf(Number(id) - 100_000_000, 1)));
  });

  it('3a. cancel side: a gen-0 cancellation and a gen-1 cancellation of a live gen-0 ticket in one batch delete it, once', async () => {
    // b04c3ba: SUPERSEDED_IN_BATCH keeps the gen-1 record, which finds no gen-1 injection (NOT_INJECTED):
    // the live gen-0 ticket is never deleted.
    const { roles, pairs } = setup();
    await roles.start('inject');
    const ns = range(1, 10);
    const ids = ns.map(idOf);
    await eligible(ns.map((n) => ticketAt(n, 0)));
    await waitFor(() => applied(ids, 0));
    expect(await settleLag(pairs('inject'), { stableMs: 0, timeoutMs: 30_000 })).toBe(true);
    const t = Date.now();
    // Both produced before the cancel role starts: one fetch, one batch.
    await cancellations(ids.flatMap((id) => [voidOf(id, 0, 'REPRINT', new Date(t), 'INVALIDATED'), voidOf(id, 1, 'ORDER_CANCELLED', new Date(t + 1000))]));
    await roles.start('cancel');
    await waitFor(() => ids.every((id) => isDeleted(sim().ticket(id)?.status)), { timeoutMs: 20_000 }).catch(() => undefined);
    const settled = await settleLag(pairs('cancel'), { timeoutMs: 30_000 });
    expect(tableOf(ids, (id) => opsTable(sim(), [id])[id]!.replace(/\(.*?\)/g, ''))).toEqual(tableOf(ids, () => 'inject@0 delete@0'));
    expect(settled).toBe(true);
  });

  it('3b. inject side: eligible gen 1 then an older gen 0 of the same ticket in one batch: TIXnGO keeps gen 1, and the ledger says gen 1', async () => {
    // b04c3ba: SUPERSEDED_IN_BATCH keeps the later record (gen 0): TIXnGO gets the gen-0 barcode.
    const { env, roles, pairs } = setup();
    const ns = range(1, 10);
    const ids = ns.map(idOf);
    // e.g. a re-driven dead letter of gen 0 behind the reprint; produced before the role starts: one batch
    await eligible(ns.flatMap((n) => [ticketAt(n, 1), ticketAt(n, 0)]));
    await roles.start('inject');
    expect(await settleLag(pairs('inject'), { timeoutMs: 30_000 })).toBe(true);

    expect(tableOf(ids, (id) => ({ generation: sim().ticket(id)?.generation, barcode: barcodeInTixngo(sim(), id) }))).toEqual(
      tableOf(ids, (id) => ({ generation: 1, barcode: barcodeOf(Number(id) - 100_000_000, 1) })),
    );
    // A fact's own id is `<ticketId>|inject|<generation>`, kept in `key` (README, delivery guarantees).
    const facts = await withMongo(env.MONGODB_DATABASE!, (db) =>
      db
        .collection<{ key: string }>('ticket_ledger')
        .find({ key: { $in: ids.map((id) => `ORG1:${id}|inject|1`) } })
        .toArray(),
    );
    expect(facts.map((f) => f.key).sort()).toEqual(ids.map((id) => `ORG1:${id}|inject|1`).sort());
  });

  it("4. new content is never sent under an old request's Idempotency-Key: gen 1 arriving after a gen-0 request died unrecorded is applied", async () => {
    // b04c3ba: after restart gen 1 goes out under the gen-0 request's key; TIXnGO answers from memory
    // without applying it: every ticket keeps the gen-0 barcode while the ledger says gen 1.
    const { roles, pairs } = setup();
    await roles.start('inject');
    await setFaults(fx.simulator, { answerDelay: { ms: 60_000, endpoints: ['inject'] } });
    const ns = range(1, 10);
    const ids = ns.map(idOf);
    await eligible(ns.map((n) => ticketAt(n, 0)));
    await waitFor(() => applied(ids, 0) && heldAnswer(), { timeoutMs: 30_000, intervalMs: 20 });
    await roles.kill('inject');
    await eligible(ns.map((n) => ticketAt(n, 1)));
    await setFaults(fx.simulator, {});
    await roles.start('inject');
    await waitFor(() => applied(ids, 1), { timeoutMs: 45_000 }).catch(() => undefined);
    const settled = await settleLag(pairs('inject'), { timeoutMs: 30_000 });

    expect(tableOf(ids, (id) => ({ appliedGen1: applied([id], 1), generation: sim().ticket(id)?.generation, barcode: barcodeInTixngo(sim(), id) }))).toEqual(
      tableOf(ids, (id) => ({ appliedGen1: true, generation: 1, barcode: barcodeOf(Number(id) - 100_000_000, 1) })),
    );
    // gen 0 was applied exactly once (the resend of the dead request, if any, answered from memory)
    expect(
      tableOf(
        ids,
        (id) =>
          sim()
            .history({ ticketIds: [id] })[0]
            ?.ops.filter((o) => o.op === 'inject' && o.generation === 0).length,
      ),
    ).toEqual(tableOf(ids, () => 1));
    expect(settled).toBe(true);
  });

  it('5a. a dead request re-read by a new process in two batches in flight is taken over once: no ticket applied twice, outbox empty after the commit', async () => {
    // b04c3ba: both batches try to claim the stale entry; the loser sends its tickets under a fresh key
    // and TIXnGO applies them again, or (FerretDB) both claims "win" and concurrent releases leave the
    // entry behind after the commit.
    // Two dead requests of 50 tickets; the new process reads them as ten batches of 10, two in flight:
    // every batch meets a stale or taken-over entry, next to another batch touching the same entry.
    const { env, roles, pairs } = setup({ INJECT_BATCH_SIZE: '50', INJECT_BATCHES_IN_FLIGHT: '2' });
    await roles.start('inject');
    await setFaults(fx.simulator, { answerDelay: { ms: 60_000, endpoints: ['inject'] } });
    const ns = range(1, 100);
    const ids = ns.map(idOf);
    await eligible(ns.map((n) => ticketAt(n)));
    await waitFor(() => applied(ids, 0) && heldAnswer(), { timeoutMs: 30_000, intervalMs: 20 });
    expect(
      new Set(
        sim()
          .requests({ endpoint: 'inject' })
          .map((r) => r.idempotencyKey),
      ).size,
    ).toBe(2);
    await roles.kill('inject');
    await setFaults(fx.simulator, {});
    await roles.start('inject', { INJECT_BATCH_SIZE: '10', INJECT_BATCHES_IN_FLIGHT: '2' });
    const settled = await settleLag(pairs('inject'), { timeoutMs: 60_000 });

    const ops = opsTable(sim(), ids);
    const appliedTwice = Object.entries(ops).filter(([, line]) => line !== 'inject@0');
    expect({ appliedTwice, outboxLeft: await outboxLeft(env), settled }).toEqual({ appliedTwice: [], outboxLeft: {}, settled: true });
  });

  it('5b. kill loop: 5,000 tickets, 8 random kill -9s with restarts: none applied twice, none lost, outbox empty', async () => {
    // b04c3ba (issue): 7 duplicates in 1 of 7 runs; here batch sizes change between restarts so a dead
    // request is re-read across two batches in flight at every takeover.
    const { env, roles, pairs } = setup({ INJECT_BATCHES_IN_FLIGHT: '2' });
    const rnd = seededRandom(125);
    const sizes = ['250', '100'];
    await setFaults(fx.simulator, { seed: 125, latency: { ms: 100, maxMs: 400, endpoints: ['inject'] }, answerDelay: { ms: 300, endpoints: ['inject'] } });
    const n = 5000;
    const ids = range(1, n).map(idOf);
    // The tickets arrive in eight waves, one before each start, so that every start has work to do and
    // most kills land with batches in flight: produced all at once, a fast enough role had injected them
    // all before the sixth start, and that start waited for an acceptance that could not come.
    const wave = n / 8;
    for (let k = 0; k < 8; k++) {
      await eligible(range(1 + k * wave, wave).map((i) => aPrintedTicket({}, i)));
      await roles.start('inject', { INJECT_BATCH_SIZE: sizes[k % 2]! });
      const before = sim().totals().byEndpoint.inject.ticketsAccepted;
      await waitFor(() => sim().totals().byEndpoint.inject.ticketsAccepted > before, {
        timeoutMs: 60_000,
        describe: () => ({ restart: k + 1, acceptedBefore: before, totals: sim().totals() }),
      });
      await pause(Math.floor(rnd() * 1500));
      await roles.kill('inject');
    }
    await roles.start('inject', { INJECT_BATCH_SIZE: '250' });
    await waitFor(() => sim().totals().tickets === n, { timeoutMs: 120_000 }).catch(() => undefined);
    const settled = await settleLag(pairs('inject'), { timeoutMs: 60_000 });

    const hs = sim().history();
    const injectsOf = new Map(hs.map((h) => [h.ticketId, h.ops.filter((o) => o.op === 'inject').length]));
    const lost = ids.filter((id) => !injectsOf.has(id));
    const twice = ids.filter((id) => (injectsOf.get(id) ?? 0) > 1);
    expect({
      kills: roles.kills.length,
      lost: lost.length,
      appliedTwice: twice.length,
      twice: twice.slice(0, 20),
      outboxLeft: await outboxLeft(env),
      settled,
    }).toEqual({
      kills: 8,
      lost: 0,
      appliedTwice: 0,
      twice: [],
      outboxLeft: {},
      settled: true,
    });
  }, 420_000);

  it('6a. two cancellation reasons waiting behind an injection are pushed as one delete, with the newer reason (CANCEL_BATCH_SIZE=1)', async () => {
    // b04c3ba: the inject role hands both reasons back; in separate cancel batches each is pushed:
    // every ticket deleted twice.
    const { roles, pairs } = setup({ CANCEL_BATCH_SIZE: '1' });
    await Promise.all([roles.start('inject'), roles.start('cancel')]);
    await setFaults(fx.simulator, { answerDelay: { ms: 6_000, endpoints: ['inject'] } });
    const ns = range(1, 10);
    const ids = ns.map(idOf);
    await eligible(ns.map((n) => ticketAt(n)));
    await waitFor(() => applied(ids, 0) && heldAnswer(), { timeoutMs: 30_000, intervalMs: 20 });
    const t1 = Date.now();
    // Both before the injection is recorded: they wait behind it.
    await cancellations(ids.flatMap((id) => [voidOf(id, 0, 'RESALE', new Date(t1), 'INVALIDATED'), voidOf(id, 0, 'ORDER_CANCELLED', new Date(t1 + 1000))]));
    await settleLag(pairs('cancel'), { stableMs: 0, timeoutMs: 30_000 });
    await setFaults(fx.simulator, {});
    await waitFor(() => ids.every((id) => isDeleted(sim().ticket(id)?.status)), { timeoutMs: 45_000 }).catch(() => undefined);
    await settleLag(pairs('inject', 'cancel'), { timeoutMs: 45_000, stableMs: 3000 });
    expect(opsTable(sim(), ids)).toEqual(tableOf(ids, () => 'inject@0 delete@0(ORDER_CANCELLED)'));
  });

  it('6b. a reason that flips back (A -> B -> A, processed in order) is pushed again: TIXnGO ends on A', async () => {
    // b04c3ba: the second A is skipped as ALREADY_DELETED (a delete per reason, ever): TIXnGO stays on B.
    const { roles, pairs } = setup();
    await Promise.all([roles.start('inject'), roles.start('cancel')]);
    const ns = range(1, 10);
    const ids = ns.map(idOf);
    await eligible(ns.map((n) => ticketAt(n)));
    await waitFor(() => applied(ids, 0));
    expect(await settleLag(pairs('inject'), { stableMs: 0, timeoutMs: 30_000 })).toBe(true);
    const t = Date.now();
    const reasons = ['RESALE', 'MOBILE_TAKE_BACK', 'RESALE'];
    for (const [i, reason] of reasons.entries()) {
      await cancellations(ids.map((id) => voidOf(id, 0, reason, new Date(t + i * 1000), 'INVALIDATED')));
      const settled = await settleLag(pairs('cancel'), { stableMs: 500, timeoutMs: 30_000 });
      // A post-mortem when the cancel role did not get through: the lag and its last words.
      if (!settled) process.stderr.write(`6b step ${i} (${reason}): ${JSON.stringify(await lagReport(pairs('cancel')))}\n${roles.tails(8000).cancel}\n`);
      expect({ step: i, settled }).toEqual({ step: i, settled: true });
      if (i < reasons.length - 1) await waitFor(() => ids.every((id) => sim().ticket(id)?.deleteReason === reason), { timeoutMs: 30_000 });
    }
    await pause(1000);
    expect(tableOf(ids, (id) => sim().ticket(id)?.deleteReason)).toEqual(tableOf(ids, () => 'RESALE'));
  });

  it('6c. an older reason arriving after a newer one is not pushed', async () => {
    // b04c3ba: the older reason is a "new" reason to the ledger: pushed, and TIXnGO ends on it.
    const { roles, pairs } = setup();
    await Promise.all([roles.start('inject'), roles.start('cancel')]);
    const ns = range(1, 10);
    const ids = ns.map(idOf);
    await eligible(ns.map((n) => ticketAt(n)));
    await waitFor(() => applied(ids, 0));
    expect(await settleLag(pairs('inject'), { stableMs: 0, timeoutMs: 30_000 })).toBe(true);
    const t = Date.now();
    await cancellations(ids.map((id) => voidOf(id, 0, 'MOBILE_TAKE_BACK', new Date(t), 'INVALIDATED')));
    await waitFor(() => ids.every((id) => sim().ticket(id)?.deleteReason === 'MOBILE_TAKE_BACK'), { timeoutMs: 30_000 });
    await cancellations(ids.map((id) => voidOf(id, 0, 'RESALE', new Date(t - 60_000), 'INVALIDATED')));
    expect(await settleLag(pairs('cancel'), { stableMs: 1000, timeoutMs: 30_000 })).toBe(true);
    expect(opsTable(sim(), ids)).toEqual(tableOf(ids, () => 'inject@0 delete@0(MOBILE_TAKE_BACK)'));
  });
});

/** Documents left in the store's outbox collection(s) (`outbox*`), by collection; `{}` when none. */
async function outboxLeft(env: Record<string, string>): Promise<Record<string, number>> {
  return withMongo(env.MONGODB_DATABASE!, async (db) => {
    const names = (await db.listCollections().toArray()).map((c) => c.name).filter((n) => n.startsWith('outbox'));
    const left: Record<string, number> = {};
    for (const n of names) {
      const count = await db.collection(n).countDocuments();
      if (count > 0) left[n] = count;
    }
    return left;
  });
}
