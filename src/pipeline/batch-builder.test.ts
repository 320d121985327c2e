import { BatchBuilder, chunk, type BatchLimits } from './batch-builder';

const LIMITS: BatchLimits = { maxItems: 3, maxBytes: 100, lingerMs: 1000 };
const T0 = 1_000_000;

function filled(items: [string, number, number][], limits: BatchLimits = LIMITS): BatchBuilder<string> {
  const b = new BatchBuilder<string>(limits);
  for (const [item, bytes, at] of items) b.add(item, bytes, at);
  return b;
}

describe('batch-builder', () => {
  describe('BatchBuilder', () => {
    it('starts empty and never closes while empty', () => {
      const b = new BatchBuilder<string>(LIMITS);
      expect(b.isEmpty).toBe(true);
      expect(b.size).toBe(0);
      expect(b.closeReason(T0 + 1e9)).toBeUndefined();
      expect(b.msUntilLinger(T0)).toBeUndefined();
    });

    it.each<[string, [string, number, number][], number, string | undefined]>([
      [
        'below every limit',
        [
          ['a', 10, T0],
          ['b', 10, T0 + 10],
        ],
        T0 + 999,
        undefined,
      ],
      [
        'on item count',
        [
          ['a', 1, T0],
          ['b', 1, T0],
          ['c', 1, T0],
        ],
        T0,
        'size',
      ],
      [
        'on bytes, exactly at the limit',
        [
          ['a', 60, T0],
          ['b', 40, T0],
        ],
        T0,
        'bytes',
      ],
      ['on bytes, over the limit with one item', [['a', 500, T0]], T0, 'bytes'],
      [
        'on linger, counted from the first item',
        [
          ['a', 1, T0],
          ['b', 1, T0 + 900],
        ],
        T0 + 1000,
        'linger',
      ],
      ['on linger, long after the deadline', [['a', 1, T0]], T0 + 60_000, 'linger'],
      [
        'on size before bytes and linger',
        [
          ['a', 50, T0],
          ['b', 50, T0],
          ['c', 50, T0],
        ],
        T0 + 5000,
        'size',
      ],
      ['on bytes before linger', [['a', 100, T0]], T0 + 5000, 'bytes'],
    ])('closes %s', (_, items, now, reason) => {
      expect(filled(items).closeReason(now)).toBe(reason);
    });

    it('closes at once when the source is idle, unless a limit was reached first', () => {
      expect(filled([['a', 1, T0]]).closeReason(T0, true)).toBe('idle');
      expect(filled([['a', 1, T0]]).closeReason(T0, false)).toBeUndefined();
      expect(
        filled([
          ['a', 1, T0],
          ['b', 1, T0],
          ['c', 1, T0],
        ]).closeReason(T0, true),
      ).toBe('size');
      expect(filled([['a', 1, T0]]).closeReason(T0 + 1000, true)).toBe('linger');
      expect(new BatchBuilder<string>(LIMITS).closeReason(T0, true)).toBeUndefined();
    });

    it('closes on linger with injected time only, whatever the wall clock says', () => {
      const b = filled([['a', 1, 0]]);
      expect(b.closeReason(999)).toBeUndefined();
      expect(b.closeReason(1000)).toBe('linger');
    });

    it('closes at once with a zero linger', () => {
      expect(filled([['a', 1, T0]], { ...LIMITS, lingerMs: 0 }).closeReason(T0)).toBe('linger');
    });

    it.each([
      [T0, 1000],
      [T0 + 250, 750],
      [T0 + 1000, 0],
      [T0 + 5000, 0],
    ])('at %i, has %i ms left until the linger deadline', (now, left) => {
      const b = filled([
        ['a', 1, T0],
        ['b', 1, T0 + 200],
      ]);
      expect(b.msUntilLinger(now)).toBe(left);
    });

    it.each<[string, [string, number, number][], number, boolean]>([
      ['an empty batch, even for a huge item', [], 10_000, false],
      ['a batch with room left', [['a', 40, T0]], 60, false],
      ['a batch the item would push over', [['a', 40, T0]], 61, true],
      ['a full batch', [['a', 100, T0]], 1, true],
    ])('tells whether an item would overflow %s', (_, items, bytes, expected) => {
      expect(filled(items).wouldOverflow(bytes)).toBe(expected);
    });

    it('drains the items in order and resets count, bytes and linger', () => {
      const b = filled([
        ['a', 60, T0],
        ['b', 39, T0 + 1],
      ]);
      expect(b.drain()).toEqual(['a', 'b']);
      expect(b.isEmpty).toBe(true);
      expect(b.size).toBe(0);
      expect(b.msUntilLinger(T0 + 5000)).toBeUndefined();
      expect(b.closeReason(T0 + 5000)).toBeUndefined();
      // Bytes start again from zero...
      expect(b.wouldOverflow(100)).toBe(false);
      b.add('c', 60, T0 + 5000);
      expect(b.wouldOverflow(40)).toBe(false);
      expect(b.closeReason(T0 + 5000)).toBeUndefined();
      // ...and the linger from the first item of the new batch.
      expect(b.msUntilLinger(T0 + 5000)).toBe(1000);
      expect(b.closeReason(T0 + 5999)).toBeUndefined();
      expect(b.closeReason(T0 + 6000)).toBe('linger');
    });

    it('hands out a new array, so the drained one is not mutated by later adds', () => {
      const b = filled([['a', 1, T0]]);
      const first = b.drain();
      b.add('b', 1, T0);
      expect(first).toEqual(['a']);
      expect(b.drain()).toEqual(['b']);
    });

    it('refuses a limit of less than one item', () => {
      expect(() => new BatchBuilder({ ...LIMITS, maxItems: 0 })).toThrow(RangeError);
    });
  });

  describe('chunk', () => {
    it.each<[number[], number, number[][]]>([
      [[], 3, []],
      [[1, 2, 3], 3, [[1, 2, 3]]],
      [[1, 2, 3, 4, 5, 6, 7], 3, [[1, 2, 3], [4, 5, 6], [7]]],
      [[1, 2], 5, [[1, 2]]],
      [[1, 2, 3], 1, [[1], [2], [3]]],
    ])('splits %j into chunks of %i', (items, size, expected) => {
      expect(chunk(items, size)).toEqual(expected);
    });

    it('keeps every item, in order', () => {
      const items = Array.from({ length: 2501 }, (_, i) => i);
      const chunks = chunk(items, 1000);
      expect(chunks.map((c) => c.length)).toEqual([1000, 1000, 501]);
      expect(chunks.flat()).toEqual(items);
    });

    it.each([0, -1])('refuses the chunk size %i', (size) => {
      expect(() => chunk([1], size)).toThrow(RangeError);
    });
  });
});
