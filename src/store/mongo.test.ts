import { duplicateKeyIndexes } from './mongo';

describe('store/mongo', () => {
  describe('duplicateKeyIndexes', () => {
    it.each<[string, unknown, number[] | undefined]>([
      [
        'an unordered insert that skipped duplicates',
        {
          code: 11000,
          writeErrors: [
            { code: 11000, index: 0 },
            { code: 11000, index: 3 },
          ],
        },
        [0, 3],
      ],
      ['a bulk error with a single write error object', { writeErrors: { code: 11000, index: 2 } }, [2]],
      ['a single-document insert of an existing id', { code: 11000 }, []],
      [
        'duplicates mixed with another write error',
        {
          code: 11000,
          writeErrors: [
            { code: 11000, index: 0 },
            { code: 121, index: 1 },
          ],
        },
        undefined,
      ],
      ['a write error without an index', { writeErrors: [{ code: 11000 }] }, undefined],
      ['any other error', { code: 13 }, undefined],
      ['not an error object', new Error('network'), undefined],
    ])('%s', (_, error, expected) => {
      expect(duplicateKeyIndexes(error)).toEqual(expected);
    });
  });
});
