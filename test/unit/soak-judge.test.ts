import type { TicketHistory } from '../../src/simulator/state';
import { FINAL_CANCEL_REASON, judge, planScenario, reprintReason, type TicketPlan } from '../support/soak';

const plan = (over: Partial<TicketPlan> = {}): TicketPlan => ({ n: 1, id: 'T', newest: 0, cancelled: false, controlled: false, ...over });
type Op = TicketHistory['ops'][number];
let seq = 0;
const inj = (g: number): Op => ({ op: 'inject', generation: g, seq: ++seq });
const del = (g: number, reason: string): Op => ({ op: 'delete', generation: g, seq: ++seq, reason });
const ctl = (g: number): Op => ({ op: 'control', generation: g, seq: ++seq });
const hist = (status: TicketHistory['status'], generation: number, ops: Op[]): TicketHistory => ({ ticketId: 'T', status, generation, ops });
const figures = (p: TicketPlan, h?: TicketHistory) => {
  const { examples: _e, tickets: _t, ...rest } = judge([p], h ? [h] : []);
  return rest;
};

describe('soak verdict (judge)', () => {
  it('counts a live ticket injected once and controlled once as two pushes, each once', () => {
    expect(figures(plan({ controlled: true }), hist('CONTROLLED', 0, [inj(0), ctl(0)]))).toEqual({
      expectedPushes: 2,
      pushedOnce: 2,
      lost: 0,
      pushedTwice: 0,
      deletedAfterNewerGeneration: 0,
      misordered: 0,
    });
  });

  it("a reprint deleted by the older generation's invalidation: lost, and a deletion after a newer generation", () => {
    const f = figures(plan({ newest: 1 }), hist('DELETION_PENDING', 1, [inj(0), inj(1), del(1, reprintReason(0))]));
    expect(f).toMatchObject({ lost: 1, deletedAfterNewerGeneration: 1, pushedOnce: 0 });
  });

  it('a reprint that replaced a deleted older generation is fine', () => {
    expect(figures(plan({ newest: 1 }), hist('INJECTED', 1, [inj(0), del(0, reprintReason(0)), inj(1)]))).toMatchObject({
      lost: 0,
      pushedOnce: 1,
      deletedAfterNewerGeneration: 0,
    });
  });

  it('an older generation applied last is lost; a generation applied twice is pushed twice', () => {
    expect(figures(plan({ newest: 1 }), hist('INJECTED', 0, [inj(1), inj(0)]))).toMatchObject({ lost: 1 });
    expect(figures(plan(), hist('INJECTED', 0, [inj(0), inj(0)]))).toMatchObject({ pushedTwice: 1, pushedOnce: 0 });
  });

  it('a cancelled ticket: fine when never injected, or deleted; lost when live; twice when a reason is applied twice', () => {
    expect(figures(plan({ cancelled: true }))).toMatchObject({ expectedPushes: 0, lost: 0 });
    expect(figures(plan({ cancelled: true }), hist('DELETION_PENDING', 0, [inj(0), del(0, FINAL_CANCEL_REASON)]))).toMatchObject({
      expectedPushes: 1,
      pushedOnce: 1,
    });
    expect(figures(plan({ cancelled: true }), hist('INJECTED', 0, [inj(0)]))).toMatchObject({ lost: 1 });
    expect(figures(plan({ cancelled: true }), hist('DELETION_PENDING', 0, [inj(0), del(0, FINAL_CANCEL_REASON), del(0, FINAL_CANCEL_REASON)]))).toMatchObject({
      pushedTwice: 1,
    });
  });

  it('a control lost, twice, or applied to an older generation', () => {
    expect(figures(plan({ controlled: true }), hist('INJECTED', 0, [inj(0)]))).toMatchObject({ lost: 1, pushedOnce: 1 });
    expect(figures(plan({ controlled: true }), hist('CONTROLLED', 0, [inj(0), ctl(0), ctl(0)]))).toMatchObject({ pushedTwice: 1 });
    expect(figures(plan({ newest: 1, controlled: true }), hist('CONTROLLED', 1, [inj(0), ctl(0), inj(1)]))).toMatchObject({ misordered: 1 });
  });
});

describe('soak scenario (planScenario)', () => {
  it("is the same for a seed, orders each ticket's generations, and invalidates every older generation", () => {
    const a = planScenario({ tickets: 500, seed: 7 });
    const shape = (p: typeof a) => ({ tickets: p.tickets, events: p.events.map((e) => [e.topic, e.at, e.record.ticketId]) });
    expect(shape(planScenario({ tickets: 500, seed: 7 }))).toEqual(shape(a));
    expect(shape(planScenario({ tickets: 500, seed: 8 }))).not.toEqual(shape(a));
    expect(a.tickets.some((t) => t.newest === 2) && a.tickets.some((t) => t.newest === 1)).toBe(true);
    expect(a.tickets.some((t) => t.cancelled) && a.tickets.some((t) => t.controlled)).toBe(true);
    for (const t of a.tickets) {
      const mine = a.events.filter((e) => e.record.ticketId === t.id);
      const gens = mine.filter((e) => e.topic === 'eligible').map((e) => (e.record as unknown as { reprintGeneration: number }).reprintGeneration);
      expect(gens).toEqual(Array.from({ length: t.newest + 1 }, (_, g) => g));
      const reasons = mine.filter((e) => e.topic === 'cancelled').map((e) => (e.record as unknown as { reason: string }).reason);
      expect(reasons.filter((r) => r.startsWith('REPRINT_G'))).toEqual(Array.from({ length: t.newest }, (_, g) => reprintReason(g)));
    }
    // Some cancellations and controls come before the eligible record of their generation.
    const early = a.tickets.filter((t) => {
      const mine = a.events.filter((e) => e.record.ticketId === t.id);
      const lastEligible = mine.filter((e) => e.topic === 'eligible').pop()!.at;
      return mine.some(
        (e) =>
          (e.topic === 'controlled' || (e.topic === 'cancelled' && (e.record as unknown as { reason: string }).reason === FINAL_CANCEL_REASON)) &&
          e.at < lastEligible,
      );
    });
    expect(early.length).toBeGreaterThan(0);
  });
});
