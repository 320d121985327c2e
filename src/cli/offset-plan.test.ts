import { planReplay, planReset, sum } from './offset-plan';

const ends = [
  { partition: 0, low: 0n, high: 100n },
  { partition: 1, low: 20n, high: 50n },
  { partition: 2, low: 0n, high: 0n },
];

describe('cli/offset-plan', () => {
  describe('planReset', () => {
    it('counts the records read again when the target is before the committed offset', () => {
      const rows = planReset(
        ends,
        new Map([
          [0, 100n],
          [1, 50n],
          [2, 0n],
        ]),
        new Map([
          [0, 60n],
          [1, 50n],
          [2, 0n],
        ]),
      );
      expect(rows.map((r) => [r.partition, r.current, r.target, r.reRead, r.skipped])).toEqual([
        [0, 100n, 60n, 40n, 0n],
        [1, 50n, 50n, 0n, 0n],
        [2, 0n, 0n, 0n, 0n],
      ]);
    });

    it('reports records jumped over when the target is after the committed offset', () => {
      const [row] = planReset([ends[0]!], new Map([[0, 10n]]), new Map([[0, 30n]]));
      expect(row).toMatchObject({ reRead: 0n, skipped: 20n });
    });

    it('treats a partition the group never committed on as starting at the log start', () => {
      const [row] = planReset([ends[1]!], new Map([[1, null]]), new Map([[1, 30n]]));
      expect(row).toMatchObject({ current: null, target: 30n, reRead: 0n, skipped: 10n });
    });

    it('clamps targets into the log: past the end is the end, before retention is the log start', () => {
      const rows = planReset(
        ends.slice(0, 2),
        new Map([
          [0, 100n],
          [1, 50n],
        ]),
        new Map([
          [0, 500n],
          [1, 3n],
        ]),
      );
      expect(rows.map((r) => r.target)).toEqual([100n, 20n]);
      expect(rows[1]!.reRead).toBe(30n);
    });

    it('uses the end of the log for a partition without a target', () => {
      const [row] = planReset([ends[0]!], new Map([[0, 40n]]), new Map());
      expect(row).toMatchObject({ target: 100n, skipped: 60n });
    });
  });

  describe('planReplay', () => {
    it('reads from the offsets at --from to the ends taken at start', () => {
      const r = planReplay(
        ends,
        new Map([
          [0, 70n],
          [1, 20n],
          [2, 0n],
        ]),
      );
      expect(r).toEqual([
        { partition: 0, from: 70n, to: 100n, count: 30n },
        { partition: 1, from: 20n, to: 50n, count: 30n },
        { partition: 2, from: 0n, to: 0n, count: 0n },
      ]);
      expect(sum(r.map((x) => x.count))).toBe(60n);
    });

    it('stops at the offsets at --to', () => {
      const r = planReplay(ends.slice(0, 1), new Map([[0, 70n]]), new Map([[0, 80n]]));
      expect(r[0]).toEqual({ partition: 0, from: 70n, to: 80n, count: 10n });
    });

    it('reads nothing when --to is not after --from in a partition', () => {
      const r = planReplay(ends.slice(0, 1), new Map([[0, 70n]]), new Map([[0, 60n]]));
      expect(r[0]!.count).toBe(0n);
    });
  });
});
