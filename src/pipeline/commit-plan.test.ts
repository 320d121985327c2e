import { CommitPlanner } from './commit-plan';
import type { TopicPartition } from '../contracts/source';

const P0: TopicPartition = { topic: 'ticket-printed-eligible', partition: 0 };
const P1: TopicPartition = { topic: 'ticket-printed-eligible', partition: 1 };
const OTHER: TopicPartition = { topic: 'ticket-cancelled', partition: 0 };

/** A planner that was handed `offsets` of `tp` and handled `handled` of them. */
function planner(tp: TopicPartition, offsets: number[], handled: number[], p = new CommitPlanner()): CommitPlanner {
  for (const o of offsets) p.track(tp, BigInt(o));
  for (const o of handled) p.handled(tp, BigInt(o));
  return p;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Plans and acknowledges, as a successful commit does. */
function commit(p: CommitPlanner) {
  const plan = p.plan();
  p.confirm(plan);
  return plan;
}

describe('commit-plan', () => {
  describe('CommitPlanner', () => {
    it.each<[string, number[], number[], string | undefined]>([
      ['commits the last contiguous handled offset + 1', range(10, 14), range(10, 14), '15'],
      ['commits a prefix of the handed-over offsets', range(10, 14), [10, 11], '12'],
      ['handles offsets that come back out of order', range(10, 14), [13, 11, 10, 14, 12], '15'],
      ['holds the watermark at an unhandled record', range(10, 14), [10, 11, 13, 14], '12'],
      ['commits nothing while the first record is unhandled', range(10, 14), [11, 12, 13, 14], undefined],
      ['commits nothing before anything is handled', range(10, 14), [], undefined],
      ['handles a single message', [0], [0], '1'],
      ['passes offsets never handed over (transaction markers, aborted records)', [10, 11, 13, 16], [10, 11, 13, 16], '17'],
      ['stops at the first unhandled record after a gap', [10, 12, 14], [10, 12], '14'],
    ])('%s', (_, fetched, handled, offset) => {
      const plan = planner(P0, fetched, handled).plan();
      expect(plan).toEqual(offset === undefined ? [] : [{ ...P0, offset }]);
    });

    it('passes filtered records at the end of a fetch once the source says how far it covered', () => {
      // Records 10..11 in a committed transaction; 12 is its marker; 13..14 aborted; 15 the abort marker.
      const p = planner(P0, [10, 11], [10, 11]);
      p.covered(P0, 16n);
      expect(commit(p)).toEqual([{ ...P0, offset: '16' }]);
    });

    it('passes a fetch that held only filtered records, even as the first thing after a restart', () => {
      const p = new CommitPlanner();
      p.covered(P0, 13n); // the committed offset was a transaction marker
      expect(commit(p)).toEqual([{ ...P0, offset: '13' }]);
      p.track(P0, 14n);
      p.handled(P0, 14n);
      expect(commit(p)).toEqual([{ ...P0, offset: '15' }]);
    });

    it('never passes an unhandled record because the fetch covered further', () => {
      const p = planner(P0, [10, 11, 12], [10, 12]);
      p.covered(P0, 20n);
      expect(p.plan()).toEqual([{ ...P0, offset: '11' }]);
    });

    it('moves past a record once it is handled', () => {
      const p = planner(P0, range(10, 14), [10, 11, 13, 14]);
      expect(commit(p)).toEqual([{ ...P0, offset: '12' }]);
      p.handled(P0, 12n);
      expect(commit(p)).toEqual([{ ...P0, offset: '15' }]);
    });

    it('returns only the partitions that moved since the last acknowledged commit', () => {
      const p = new CommitPlanner();
      planner(P0, range(0, 9), range(0, 4), p);
      planner(P1, range(100, 109), range(100, 101), p);
      expect(commit(p)).toEqual([
        { ...P0, offset: '5' },
        { ...P1, offset: '102' },
      ]);
      expect(p.plan()).toEqual([]);
      p.handled(P1, 102n);
      expect(commit(p)).toEqual([{ ...P1, offset: '103' }]);
      p.handled(P0, 6n); // 5 is still in flight: P0 does not move
      expect(p.plan()).toEqual([]);
    });

    it('plans a commit that failed again, and a later batch never commits past the earlier one', () => {
      // The check: track 0..9, handle 0..2, plan (3); the commit fails; track and handle 10..19.
      const p = planner(P0, range(0, 9), range(0, 2));
      expect(p.plan()).toEqual([{ ...P0, offset: '3' }]); // not confirmed: the commit failed
      planner(P0, range(10, 19), range(10, 19), p);
      expect(p.plan()).toEqual([{ ...P0, offset: '3' }]); // the same watermark again, not 20
      for (const o of range(3, 9)) p.handled(P0, BigInt(o));
      expect(commit(p)).toEqual([{ ...P0, offset: '20' }]);
    });

    it('keeps several partitions and topics apart', () => {
      const p = new CommitPlanner();
      planner(P0, range(0, 2), [0, 1, 2], p);
      planner(P1, range(0, 2), [0], p);
      planner(OTHER, range(0, 2), [0, 1], p);
      expect(p.plan()).toEqual(
        expect.arrayContaining([
          { ...P0, offset: '3' },
          { ...P1, offset: '1' },
          { ...OTHER, offset: '2' },
        ]),
      );
    });

    it('handles offsets beyond the safe integer range', () => {
      const big = 2n ** 60n;
      const p = new CommitPlanner();
      p.track(P0, big);
      p.track(P0, big + 1n);
      p.handled(P0, big + 1n);
      p.handled(P0, big);
      expect(p.plan()).toEqual([{ ...P0, offset: (big + 2n).toString() }]);
    });

    it('ignores handled offsets of a partition it never tracked', () => {
      const p = new CommitPlanner();
      p.handled(P0, 3n);
      expect(p.plan()).toEqual([]);
    });

    it('keeps a partition the member keeps across a rebalance, records in flight included', () => {
      const p = planner(P0, range(0, 9), range(0, 4));
      planner(P1, range(0, 9), [0], p);
      commit(p);
      p.assigned([P0]); // P1 revoked (one record in flight), P0 kept
      for (const o of range(5, 9)) p.handled(P0, BigInt(o));
      p.handled(P1, 1n);
      expect(commit(p)).toEqual([{ ...P0, offset: '10' }]); // nothing for the revoked partition
    });

    it('drops a revoked partition once its records in flight are settled, and starts afresh when it comes back', () => {
      const p = planner(P1, range(0, 9), [0]);
      commit(p);
      p.assigned([]);
      expect(p.pendingCount(P1)).toBe(9);
      for (const o of range(1, 9)) p.handled(P1, BigInt(o));
      expect(p.pendingCount(P1)).toBe(0);
      p.assigned([P1]);
      // Another member moved it meanwhile; the new assignment re-reads from the committed offset.
      planner(P1, range(40, 44), [40, 41], p);
      expect(p.plan()).toEqual([{ ...P1, offset: '42' }]);
    });

    it('holds only the records in flight, however many passed', () => {
      const p = new CommitPlanner();
      for (let o = 0; o < 100_000; o++) {
        p.track(P0, BigInt(o));
        p.handled(P0, BigInt(o));
      }
      p.track(P0, 100_000n);
      expect(p.pendingCount(P0)).toBe(1);
      expect(p.plan()).toEqual([{ ...P0, offset: '100000' }]);
    });
  });
});
