import { CommitPlanner, type TopicPartition } from './commit-plan';

const P0: TopicPartition = { topic: 'ticket-printed-eligible', partition: 0 };
const P1: TopicPartition = { topic: 'ticket-printed-eligible', partition: 1 };
const OTHER: TopicPartition = { topic: 'ticket-cancelled', partition: 0 };

/** A planner that fetched `offsets` of `tp` and handled `handled` of them. */
function planner(tp: TopicPartition, offsets: number[], handled: number[], p = new CommitPlanner()): CommitPlanner {
  for (const o of offsets) p.track(tp, BigInt(o));
  for (const o of handled) p.handled(tp, BigInt(o));
  return p;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('commit-plan', () => {
  describe('CommitPlanner', () => {
    it.each<[string, number[], number[], string | undefined]>([
      ['commits the last contiguous handled offset + 1', range(10, 14), range(10, 14), '15'],
      ['commits a prefix of the fetched offsets', range(10, 14), [10, 11], '12'],
      ['handles offsets that come back out of order', range(10, 14), [13, 11, 10, 14, 12], '15'],
      ['holds the watermark at a gap', range(10, 14), [10, 11, 13, 14], '12'],
      ['commits nothing while the first offset is unhandled', range(10, 14), [11, 12, 13, 14], undefined],
      ['commits nothing before anything is handled', range(10, 14), [], undefined],
      ['handles a single message', [0], [0], '1'],
    ])('%s', (_, fetched, handled, offset) => {
      const plan = planner(P0, fetched, handled).plan();
      expect(plan).toEqual(offset === undefined ? [] : [{ ...P0, offset }]);
    });

    it('moves past a gap once it is handled', () => {
      const p = planner(P0, range(10, 14), [10, 11, 13, 14]);
      expect(p.plan()).toEqual([{ ...P0, offset: '12' }]);
      p.handled(P0, 12n);
      expect(p.plan()).toEqual([{ ...P0, offset: '15' }]);
    });

    it('starts from the lowest tracked offset, whatever order tracking came in', () => {
      const p = planner(P0, [12, 10, 11], [10, 11, 12]);
      expect(p.plan()).toEqual([{ ...P0, offset: '13' }]);
    });

    it('returns only the partitions that moved since the last plan', () => {
      const p = new CommitPlanner();
      planner(P0, range(0, 9), range(0, 4), p);
      planner(P1, range(100, 109), range(100, 101), p);
      expect(p.plan()).toEqual([
        { ...P0, offset: '5' },
        { ...P1, offset: '102' },
      ]);
      expect(p.plan()).toEqual([]);
      p.handled(P1, 102n);
      expect(p.plan()).toEqual([{ ...P1, offset: '103' }]);
      p.handled(P0, 6n); // a gap at 5: P0 does not move
      expect(p.plan()).toEqual([]);
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

    it('keeps the same partition number of two topics apart', () => {
      const p = new CommitPlanner();
      planner(P0, [5], [5], p);
      planner(OTHER, [5], [], p);
      expect(p.plan()).toEqual([{ ...P0, offset: '6' }]);
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

    it('forgets revoked partitions and starts afresh when they come back', () => {
      const p = planner(P0, range(0, 9), range(0, 4));
      planner(P1, range(0, 9), [0], p);
      expect(p.plan()).toHaveLength(2);
      p.handled(P0, 5n);
      p.forget([P0]);
      p.handled(P1, 1n);
      expect(p.plan()).toEqual([{ ...P1, offset: '2' }]);
      // The new assignment re-reads from the committed offset.
      planner(P0, range(5, 9), [5, 6], p);
      expect(p.plan()).toEqual([{ ...P0, offset: '7' }]);
    });
  });
});
