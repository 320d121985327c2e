import { compareTicketIds } from './ticket-order';

const sign = (n: number) => Math.sign(n);

describe('ticket-order', () => {
  describe('compareTicketIds', () => {
    it.each<[string, string, -1 | 0 | 1]>([
      ['9', '10', -1],
      ['10', '9', 1],
      ['100000009', '100000010', -1],
      ['123', '123', 0],
      ['99999999999999999999', '100000000000000000000', -1],
      ['09', '10', -1],
      ['0010', '9', 1],
      ['0', '00', -1],
      ['08', '7', 1],
      ['0008', '0007', 1],
      ['7', '1A', -1],
      ['10', '9A', -1],
      ['A10', 'A9', -1],
      ['A9', 'B1', -1],
      ['abc', 'abc', 0],
      ['T-2', 'T-10', 1],
    ])('orders %j against %j as %i', (a, b, expected) => {
      expect(sign(compareTicketIds(a, b))).toBe(expected);
      expect(sign(compareTicketIds(b, a))).toBe(-expected || 0);
    });

    it('compares ids that differ only by leading zeros consistently', () => {
      expect(sign(compareTicketIds('007', '7'))).toBe(-sign(compareTicketIds('7', '007')));
      expect(compareTicketIds('007', '7')).not.toBe(0);
    });

    it('sorts a shuffled list of numeric ids numerically', () => {
      const sorted = ['1', '2', '9', '10', '11', '99', '100', '101', '1000', '100000001', '100000002', '100000010'];
      const shuffled = ['100', '9', '100000010', '1', '11', '1000', '2', '100000001', '101', '10', '99', '100000002'];
      expect([...shuffled].sort(compareTicketIds)).toEqual(sorted);
    });

    it('sorts a shuffled list of alphanumeric ids by their characters', () => {
      const sorted = ['A1', 'A10', 'A9', 'B-2', 'b-1'];
      expect(['b-1', 'A9', 'B-2', 'A10', 'A1'].sort(compareTicketIds)).toEqual(sorted);
    });

    it('puts numeric ids before alphanumeric ones', () => {
      expect(['B', '1A', '10', '9', 'A0'].sort(compareTicketIds)).toEqual(['9', '10', '1A', 'A0', 'B']);
    });

    it('sorts a mixed list the same way whatever order it arrives in', () => {
      const ids = ['9', '10', '1A', '100', 'A', '2', '20B', '0'];
      const first = [...ids].sort(compareTicketIds);
      for (let seed = 1; seed <= 50; seed++) {
        const shuffled = [...ids].sort((a, b) => ((a.charCodeAt(0) * seed + a.length * 31) % 7) - ((b.charCodeAt(0) * seed + b.length * 31) % 7));
        expect(shuffled.sort(compareTicketIds)).toEqual(first);
      }
      // Numeric ids keep their numeric order inside a mixed list.
      const numeric = first.filter((id) => /^\d+$/.test(id));
      expect(numeric).toEqual(['0', '2', '9', '10', '100']);
    });

    it('is a consistent order (transitive) over mixed ids', () => {
      const ids = ['1A', '9', '10', '010', 'A', '2', '20B', '0', 'Z9', '99'];
      for (const a of ids)
        for (const b of ids)
          for (const c of ids) {
            if (compareTicketIds(a, b) < 0 && compareTicketIds(b, c) < 0) expect(compareTicketIds(a, c)).toBeLessThan(0);
          }
    });
  });
});
