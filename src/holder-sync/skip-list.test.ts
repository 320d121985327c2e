import { aRawFeedRecord } from './feed.fixtures';
import { isSkipped, parseSkipList } from './skip-list';

describe('skip-list', () => {
  describe('isSkipped', () => {
    const list = parseSkipList(['id:T-7', ' 5000042 ', 'ID: T-8']);

    it.each([
      ['a listed ticket id', aRawFeedRecord({ ticketId: 'T-7' }), true],
      ['a ticket id listed with another case of prefix and spaces', aRawFeedRecord({ ticketId: 'T-8' }), true],
      ['a listed tax number', aRawFeedRecord({ ticketId: 'T-1', taxNumber: '5000042' }), true],
      ['a listed tax number sent as a number', aRawFeedRecord({ ticketId: 'T-1', taxNumber: 5000042 }), true],
      ['a malformed record of a listed ticket', { ticketId: 'T-7', version: 'broken' }, true],
      ['an unlisted ticket', aRawFeedRecord({ ticketId: 'T-1' }), false],
      ['a tax number written like a listed ticket id', aRawFeedRecord({ ticketId: 'T-1', taxNumber: 'T-7' }), false],
      ['a ticket id written like a listed tax number', aRawFeedRecord({ ticketId: '5000042' }), false],
      ['a record that is not an object', 'T-7', false],
    ])('%s → %s', (_name, raw, expected) => {
      expect(isSkipped(raw, list)).toBe(expected);
    });

    it('skips nothing with an empty list', () => {
      expect(isSkipped(aRawFeedRecord({ ticketId: 'T-7' }), parseSkipList([]))).toBe(false);
    });
  });
});
