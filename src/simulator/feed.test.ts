import { checkLimit, decodePaginationKey, encodePaginationKey, type FeedEntry, readPage } from './feed';

const entries = (seqs: number[]): FeedEntry[] => seqs.map((seq) => ({ seq, record: { n: seq } }));

describe('feed', () => {
  describe('encodePaginationKey / decodePaginationKey', () => {
    it.each([0, 1, 42, 1_000_000])('round-trips sequence %i', (seq) => {
      expect(decodePaginationKey(encodePaginationKey(seq))).toBe(seq);
    });

    it.each([
      ['not base64url', 'v1:3'],
      ['another prefix', Buffer.from('v2:3').toString('base64url')],
      ['a negative sequence', Buffer.from('v1:-3').toString('base64url')],
      ['a leading zero', Buffer.from('v1:03').toString('base64url')],
      ['a non-canonical encoding', `${encodePaginationKey(3).slice(0, -1)}h`],
      ['empty', ''],
    ])('refuses %s', (_name, key) => {
      expect(decodePaginationKey(key)).toBeUndefined();
    });
  });

  describe('readPage', () => {
    it('reads from the start, at most limit records, with a key after the last one', () => {
      const page = readPage(entries([1, 2, 3, 4, 5]), 0, 2);
      expect(page).toEqual({ records: [{ n: 1 }, { n: 2 }], nextPageKey: encodePaginationKey(2) });
    });

    it('reads records after the key, across gaps in the sequence (after a reset)', () => {
      expect(readPage(entries([3, 7, 9, 12]), 7, 10)).toEqual({ records: [{ n: 9 }, { n: 12 }], nextPageKey: encodePaginationKey(12) });
      expect(readPage(entries([3, 7, 9, 12]), 5, 1)).toEqual({ records: [{ n: 7 }], nextPageKey: encodePaginationKey(7) });
    });

    it.each([
      ['drained', [1, 2, 3], 3],
      ['empty', [], 0],
      ['behind a reset', [], 50],
    ])('gives back the same key when nothing is new (%s)', (_name, seqs, after) => {
      expect(readPage(entries(seqs), after, 10)).toEqual({ records: [], nextPageKey: encodePaginationKey(after) });
    });
  });

  describe('checkLimit', () => {
    it.each<[string | null, number | undefined]>([
      [null, 1000],
      ['', 1000],
      ['1', 1],
      ['500', 500],
      ['1000', 1000],
      ['5000', 1000],
      ['0', undefined],
      ['-1', undefined],
      ['2.5', undefined],
      ['ten', undefined],
    ])('limit %j → %s', (raw, limit) => {
      const r = checkLimit(raw, 1000);
      if (limit === undefined) expect(r.ok).toBe(false);
      else expect(r).toEqual({ ok: true, limit });
    });
  });
});
