import { formatCounts, formatMs, formatProgress, renderTable } from './format';

describe('cli/format', () => {
  describe('renderTable', () => {
    it('pads text left and numbers right', () => {
      expect(
        renderTable(
          ['NAME', 'N'],
          [
            ['a', 1],
            ['bbb', 1000n],
          ],
        ),
      ).toBe(['NAME      N', 'a         1', 'bbb   1,000'].join('\n'));
    });
  });

  describe('formatProgress', () => {
    it('shows counts, share, rate and time left', () => {
      expect(formatProgress({ done: 500, total: 2000, elapsedMs: 1000 })).toBe('500 / 2,000 records (25.0%), 500 records/s, ETA 3 s');
    });

    it('has no estimate before anything is done', () => {
      expect(formatProgress({ done: 0, total: 10, elapsedMs: 0 })).toMatch(/ETA -$/);
    });
  });

  describe('formatMs', () => {
    it.each([
      [250, '250 ms'],
      [12_000, '12 s'],
      [184_000, '3 min 4 s'],
      [7_500_000, '2 h 5 min'],
    ])('%d ms is %s', (ms, text) => expect(formatMs(ms)).toBe(text));
  });

  describe('formatCounts', () => {
    it('lists the largest first, or a dash', () => {
      expect(formatCounts({ B: 1, A: 3 })).toBe('A 3, B 1');
      expect(formatCounts({})).toBe('-');
    });
  });
});
