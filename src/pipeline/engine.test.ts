import { setTimeout as sleep } from 'node:timers/promises';
import type { Located } from './role-spec';
import { Engine, newWorld, record, records, TOPIC, testRole, tickets, type TestEvent } from './testing/harness';

/** Waits until `cond` holds (the engine works asynchronously), failing after `ms`. */
async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(2);
  }
}

/** A gate a test opens: `wait()` resolves once `open()` is called. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { wait: () => opened, open };
}

describe('pipeline/engine', () => {
  describe('offsets', () => {
    it('commits every handled record and passes the offsets a fetch covered but did not hand over', async () => {
      const e = new Engine(newWorld());
      // 2 is a transaction marker, 5..6 aborted records and 7 their marker: never handed over.
      const msgs = [
        record(0, 0, { ticketId: 'T1', generation: 0 }),
        record(0, 1, { ticketId: 'T2', generation: 0 }),
        record(0, 3, { ticketId: 'T3', generation: 0 }),
        record(0, 4, { ticketId: 'T4', generation: 0 }),
      ];
      expect(await e.accept(0, msgs, 8)).toBe(4);
      expect(e.committed(0)).toBe('8');
    });

    it('commits past a fetch that held only filtered records', async () => {
      const e = new Engine(newWorld());
      expect(await e.accept(0, [], 13)).toBe(0);
      await until(() => e.committed(0) === '13');
    });

    it('never commits past a record still in flight while later batches complete first', async () => {
      const w = newWorld();
      const hold = gate();
      const base = testRole(w.recorder);
      const e = new Engine(w, {
        ...base,
        async enrich(events) {
          if (events.some((x) => x.ticketId === 'T1')) await hold.wait();
          return null;
        },
      });
      const first = e.accept(0, records(0, 0, tickets(1, 10)));
      const second = e.accept(1, records(1, 0, tickets(11, 20)));
      expect(await second).toBe(10);
      expect(e.committed(1)).toBe('10');
      expect(e.committed(0)).toBeUndefined();
      hold.open();
      expect(await first).toBe(10);
      expect(e.committed(0)).toBe('10');
    });

    it('says a fetch is handled up to its first record released unhandled (a batch abandoned at stop)', async () => {
      const w = newWorld();
      const e = new Engine(w, undefined, { batch: { maxItems: 2, maxBytes: 1_000_000, lingerMs: 1 }, batchesInFlight: 1 });
      // The first batch's request is answered; the second one's is applied and never answered.
      w.tixngo.latency = async () => {
        if (w.tixngo.requests.length >= 2) w.tixngo.hangAfterApplying = true;
      };
      const handled = e.accept(0, records(0, 0, tickets(1, 6)));
      await until(() => w.tixngo.applied.length === 4);
      await e.pipeline.stop(0);
      expect(await handled).toBe(2);
      expect(e.committed(0)).toBe('2');
    });

    it('retries a failed commit with the same watermark; a later batch never commits past an earlier one', async () => {
      const w = newWorld();
      const e = new Engine(w, undefined, { batchesInFlight: 1 });
      e.failCommits = 3;
      expect(await e.accept(0, records(0, 0, tickets(1, 10)))).toBe(10);
      expect(await e.accept(0, records(0, 10, tickets(11, 20)))).toBe(10);
      const offsets = e.commits
        .flat()
        .filter((o) => o.partition === 0)
        .map((o) => Number(o.offset));
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(e.committed(0)).toBe('20');
    });

    it('releases the records of a batch while its commit keeps failing (kafkajs must leave eachBatch to rejoin), and commits once it can', async () => {
      // A rebalance after a broker stall: no commit succeeds until the member has rejoined, and kafkajs
      // rejoins only once every eachBatch has returned. Holding the records until the commit succeeds
      // stood the role still for good.
      const w = newWorld();
      const e = new Engine(w);
      e.failCommits = Number.POSITIVE_INFINITY;
      const handled = await e.pipeline.accept(
        { topic: TOPIC, partition: 0, messages: records(0, 0, tickets(1, 10)), endOffset: '10' },
        { heartbeat: async () => undefined, isActive: () => true },
      );
      expect(handled).toBe(10);
      expect(e.committed(0)).toBeUndefined();
      e.failCommits = 0; // the member has rejoined
      await e.pipeline.idle();
      expect(e.committed(0)).toBe('10');
    });

    it('keeps the records of a partition it keeps across a rebalance, and drops a revoked one', async () => {
      const w = newWorld();
      const hold = gate();
      const e = new Engine(w, {
        ...testRole(w.recorder),
        enrich: async () => {
          await hold.wait();
          return null;
        },
      });
      e.assign([0, 1]);
      const p0 = e.accept(0, records(0, 0, tickets(1, 5)));
      const p1 = e.accept(1, records(1, 0, tickets(6, 8)));
      await sleep(20);
      e.assign([0]); // partition 1 revoked while its records are in flight
      hold.open();
      await Promise.all([p0, p1]);
      expect(e.committed(0)).toBe('5');
      expect(e.committed(1)).toBeUndefined(); // its new owner commits it
    });
  });

  describe('tickets', () => {
    it('never has a ticket in two batches in flight, and each sees what the earlier one recorded', async () => {
      const w = newWorld();
      let inside = 0;
      let most = 0;
      const base = testRole(w.recorder);
      const e = new Engine(
        w,
        {
          ...base,
          async enrich(events) {
            // Batches without T1 may run beside a T1 batch; two holding T1 may not.
            if (!events.some((e) => e.ticketId === 'T1')) return null;
            inside++;
            most = Math.max(most, inside);
            await sleep(10);
            inside--;
            return null;
          },
        },
        { batch: { maxItems: 2, maxBytes: 1_000_000, lingerMs: 1 }, batchesInFlight: 4 },
      );
      // T1 in every batch: they must run one after another.
      const msgs = records(
        0,
        0,
        [0, 1, 2, 3].flatMap((g) => [
          { ticketId: 'T1', generation: g },
          { ticketId: `X${g}`, generation: 0 },
        ]),
      );
      expect(await e.accept(0, msgs)).toBe(8);
      expect(most).toBe(1);
      expect([...w.tixngo.appliedCount()].filter(([t]) => t === 'T1')).toEqual([['T1', 4]]);
      expect(w.tixngo.requests.flatMap((r) => r.ticketIds).filter((t) => t === 'T1')).toHaveLength(4);
    });

    it('pushes the newest generation of a ticket that appears twice in a batch, and counts the other', async () => {
      const w = newWorld();
      const e = new Engine(w);
      await e.accept(
        0,
        records(0, 0, [
          { ticketId: 'T1', generation: 1 },
          { ticketId: 'T1', generation: 0 },
        ]),
      );
      expect(w.tixngo.requests).toHaveLength(1);
      expect(JSON.parse(w.tixngo.requests[0]!.body)).toEqual({ tickets: [{ ticketId: 'T1', generation: 1 }] });
      expect(e.reports[0]!.skipped).toEqual({ SUPERSEDED_IN_BATCH: 1 });
    });
  });

  describe('failures', () => {
    it('isolates the tickets that make TIXnGO refuse a whole request, in a bounded number of requests', async () => {
      const w = newWorld();
      w.tixngo.poisonTickets.add('T37');
      const e = new Engine(w, undefined, { batch: { maxItems: 100, maxBytes: 10_000_000, lingerMs: 5 }, maxTicketsPerRequest: 100 });
      expect(await e.accept(0, records(0, 0, tickets(1, 100)))).toBe(100);
      expect(w.tixngo.appliedCount().size).toBe(99);
      expect(e.deadLetters.map((m) => m.key?.toString())).toEqual(['T37']);
      expect(w.tixngo.requests.length).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(100)) + 1);
      expect(e.fatal).toEqual([]);
      expect(w.outbox.requestDocs.size).toBe(0);
    });

    it('stops for good past the dead-letter limit: accept rejects, told once, not live, the batch at the limit not committed', async () => {
      const w = newWorld();
      const e = new Engine(w, undefined, {
        dlq: { maxConsecutive: 5, maxRatio: 1, ratioMinMessages: 1000 },
        batch: { maxItems: 5, maxBytes: 1_000_000, lingerMs: 1 },
      });
      const poison = Array.from({ length: 30 }, (_, i) => record(0, i, 'poison'));
      await expect(e.accept(0, poison)).rejects.toThrow(/consecutive messages dead-lettered/);
      expect(e.fatal).toHaveLength(1);
      expect(e.health.live().ok).toBe(false);
      // The batch that reached the limit (it holds the fifth poison record) is neither dead-lettered nor committed.
      expect(Number(e.committed(0) ?? 0)).toBeLessThan(5);
      expect(e.deadLetters.length).toBeLessThan(5);
      await expect(e.accept(1, [record(1, 0, { ticketId: 'T1', generation: 0 })])).rejects.toThrow();
    });

    it('dead-letters a tombstone with its null value', async () => {
      const w = newWorld();
      const e = new Engine(w);
      expect(await e.accept(0, [record(0, 0, null)])).toBe(1);
      expect(e.deadLetters).toHaveLength(1);
      expect(e.deadLetters[0]!.value).toBeNull();
    });

    it('retries TIXnGO outages without losing or repeating a ticket', async () => {
      const w = newWorld();
      w.tixngo.failNext = 3;
      const e = new Engine(w);
      expect(await e.accept(0, records(0, 0, tickets(1, 10)))).toBe(10);
      expect([...w.tixngo.appliedCount().values()]).toEqual(Array(10).fill(1));
    });
  });

  describe('the outbox', () => {
    it("completes a stopped process's requests under their own keys with the same bytes, once, then decides", async () => {
      const w = newWorld();
      w.tixngo.hangAfterApplying = true;
      // Two batches of three: two intents, two requests applied and never answered.
      const dead = new Engine(w, undefined, { batch: { maxItems: 3, maxBytes: 1_000_000, lingerMs: 60_000 } });
      const msgs = records(0, 0, tickets(1, 6));
      void dead.accept(0, msgs).catch(() => undefined);
      await until(() => w.tixngo.applied.length === 6);
      await dead.pipeline.stop(0); // "kill -9": its intents and requests stay behind, untouched from now on
      w.tixngo.hangAfterApplying = false;
      expect(w.outbox.intentDocs.size).toBe(2);
      w.clock.advance(20_000);

      // The restarted process reads the same records in batches of two, two in flight; TIXnGO answers
      // slowly, so a batch reads the intents while another batch of the process is completing one.
      w.tixngo.latency = () => sleep(800);
      const next = new Engine(w, undefined, { batch: { maxItems: 2, maxBytes: 1_000_000, lingerMs: 1 }, batchesInFlight: 2 });
      expect(await next.accept(0, msgs)).toBe(6);
      expect([...w.tixngo.appliedCount().values()]).toEqual(Array(6).fill(1));
      // Each dead request went again once, under its own key with its own bytes; nothing else was sent.
      const sent = w.tixngo.requests.map((r) => `${r.key} ${r.body}`);
      expect(sent).toHaveLength(4);
      expect(new Set(sent).size).toBe(2);
      expect(next.reports.flatMap((r) => Object.entries(r.skipped))).toEqual(expect.arrayContaining([['ALREADY_INJECTED', 2]]));
      expect(w.outbox.intentDocs.size).toBe(0);
      expect(w.outbox.requestDocs.size).toBe(0);
      expect(w.outbox.claims.size).toBe(0);
    });

    it('waits for a live intent of a role it waits for, and goes once it is gone', async () => {
      const w = newWorld();
      const at = new Date(w.clock.now());
      await w.outbox.putIntent({ _id: 'cancel-batch', role: 'cancel', owner: 'other/cancel/x', tickets: ['ORG1:T1'], createdAt: at, touchedAt: at, epoch: 0 });
      const e = new Engine(w);
      const done = e.accept(0, records(0, 0, tickets(1, 2)));
      await sleep(100);
      expect(w.tixngo.requests).toHaveLength(0);
      await w.outbox.touch(['cancel-batch'], new Date(w.clock.now()));
      await w.outbox.removeIntent('cancel-batch');
      expect(await done).toBe(2);
      expect(w.tixngo.appliedCount().size).toBe(2);
    });

    it('tells a deferring role which other roles may be pushing its tickets', async () => {
      const w = newWorld();
      const at = new Date(w.clock.now());
      await w.outbox.putIntent({ _id: 'inject-batch', role: 'inject', owner: 'other/inject/x', tickets: ['ORG1:T1'], createdAt: at, touchedAt: at, epoch: 0 });
      const seen: [string, string[]][] = [];
      const base = testRole(w.recorder);
      const e = new Engine(w, {
        ...base,
        role: 'cancel',
        endpoint: 'delete',
        waitsFor: [],
        decide(rs: readonly Located<TestEvent>[], _state, inFlight) {
          seen.push([rs[0]!.event.ticketId, [...inFlight]]);
          return rs.map(() => ({ kind: 'skip', reason: inFlight.has('inject') ? 'WAITING_FOR_INJECTION' : 'NOT_INJECTED' }));
        },
      });
      expect(await e.accept(0, records(0, 0, tickets(1, 2)))).toBe(2);
      expect(seen.sort()).toEqual([
        ['T1', ['inject']],
        ['T2', []],
      ]);
    });

    it('of two processes of one role that see each other, the younger yields and the older goes first', async () => {
      const w = newWorld();
      const hold = gate();
      const base = testRole(w.recorder);
      const older = new Engine(w, {
        ...base,
        enrich: async () => {
          await hold.wait();
          return null;
        },
      });
      const younger = new Engine(w);
      const first = older.accept(0, records(0, 0, tickets(1, 1)));
      await until(() => w.outbox.intentDocs.size === 1);
      const second = younger.accept(0, records(0, 0, tickets(1, 1)));
      await until(() => [...w.outbox.intentDocs.values()].some((i) => i.yieldsTo?.length));
      expect(w.tixngo.requests).toHaveLength(0);
      hold.open();
      await Promise.all([first, second]);
      expect(w.tixngo.appliedCount().get('T1')).toBe(1);
      expect(younger.reports[0]!.skipped).toEqual({ ALREADY_INJECTED: 1 });
    });

    it('leaves no intent behind once a batch is committed', async () => {
      const w = newWorld();
      const e = new Engine(w);
      await e.accept(0, records(0, 0, tickets(1, 10)));
      expect(w.outbox.intentDocs.size).toBe(0);
      expect(w.outbox.requestDocs.size).toBe(0);
    });
  });

  describe('simulation', () => {
    it('sends nothing and records simulated facts only', async () => {
      const w = newWorld();
      const e = new Engine(w, { ...testRole(w.recorder), route: () => ({ simulate: true }) });
      expect(await e.accept(0, records(0, 0, tickets(1, 3)))).toBe(3);
      expect(w.tixngo.requests).toHaveLength(0);
      expect(w.recorder.facts.size).toBe(0);
      expect(w.recorder.simulatedFacts.size).toBe(3);
      expect(e.reports[0]).toMatchObject({ pushed: 3, simulated: true });
    });
  });
});
