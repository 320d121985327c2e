import type { LeaseDocument } from '../store/lease-store';
import { describePollerState } from './poller-state';

const base: LeaseDocument = {
  _id: 'holder-sync:default',
  organizerId: 'default',
  owner: 'pod-7:ab12',
  expiresAt: new Date('2026-01-01T00:00:30Z'),
  acquiredAt: new Date('2026-01-01T00:00:00Z'),
  renewedAt: new Date('2026-01-01T00:00:10Z'),
  paginationKey: 'key-42',
  keyUpdatedAt: new Date('2026-01-01T00:00:05Z'),
  lastPageAt: new Date('2026-01-01T00:00:10Z'),
};
const now = Date.parse('2026-01-01T00:00:20Z');

describe('cli/poller-state', () => {
  describe('describePollerState', () => {
    it('shows the key, its age, the last page and who holds the lease', () => {
      expect(describePollerState([base], now).lines).toEqual([
        'organizer default: pagination key key-42',
        '  key moved 2026-01-01T00:00:05.000Z (15 s ago), last page 2026-01-01T00:00:10.000Z',
        '  lease held by pod-7:ab12 until 2026-01-01T00:00:30.000Z',
      ]);
    });

    it('says when no replica holds the lease, and when the key never moved', () => {
      const lines = describePollerState([{ ...base, owner: null, paginationKey: null, keyUpdatedAt: null }], now).lines;
      expect(lines[0]).toBe('organizer default: pagination key none yet (starts at the beginning of the feed)');
      expect(lines[1]).toMatch(/^ {2}key moved never, last page/);
      expect(lines[2]).toMatch(/lease free .*no replica is polling/);
    });

    it("shows each organizer's newest term only", () => {
      const older = { ...base, _id: 'holder-sync:default#4', term: 4, owner: 'pod-1:0000', paginationKey: 'key-40' };
      const newer = { ...base, _id: 'holder-sync:default#5', term: 5 };
      const other = { ...base, _id: 'holder-sync:b#1', organizerId: 'b', term: 1, paginationKey: 'key-b' };
      expect(describePollerState([newer, other, older], now).lines).toEqual([
        'organizer b: pagination key key-b',
        '  key moved 2026-01-01T00:00:05.000Z (15 s ago), last page 2026-01-01T00:00:10.000Z',
        '  lease held by pod-7:ab12 until 2026-01-01T00:00:30.000Z (term 1)',
        'organizer default: pagination key key-42',
        '  key moved 2026-01-01T00:00:05.000Z (15 s ago), last page 2026-01-01T00:00:10.000Z',
        '  lease held by pod-7:ab12 until 2026-01-01T00:00:30.000Z (term 5)',
      ]);
    });

    it('says when the poller never ran', () => {
      expect(describePollerState([], now)).toEqual({ found: false, lines: ['no poller state stored: holder-sync never ran against this database'] });
    });
  });
});
