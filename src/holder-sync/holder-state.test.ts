import type { HolderDocument } from '../store/holder-store';
import { aHolderRecord, aStoredState } from './feed.fixtures';
import { comparePrecedence, mergeTicket, planPage, type Precedence } from './holder-state';

const at = (minute: number) => new Date(Date.UTC(2030, 5, 1, 10, minute));
const observedAt = at(59);

describe('holder-state', () => {
  describe('comparePrecedence', () => {
    const yearsAhead = new Date(Date.UTC(2099, 0, 1));
    it.each<[string, { version: number; changedAt: Date }, { version: number; changedAt: Date } | undefined, Precedence]>([
      ['no state yet', { version: 1, changedAt: at(1) }, undefined, 'newer'],
      ['a higher version, later', { version: 3, changedAt: at(3) }, { version: 2, changedAt: at(2) }, 'newer'],
      ['a higher version, same instant', { version: 3, changedAt: at(2) }, { version: 2, changedAt: at(2) }, 'newer'],
      ['a higher version with an earlier instant', { version: 3, changedAt: at(1) }, { version: 2, changedAt: at(2) }, 'newer'],
      ['a higher version after a state stamped years ahead', { version: 3, changedAt: at(3) }, { version: 2, changedAt: yearsAhead }, 'newer'],
      ['the same version (a page read again)', { version: 2, changedAt: at(2) }, { version: 2, changedAt: at(2) }, 'same'],
      ['the same version, another instant', { version: 2, changedAt: at(5) }, { version: 2, changedAt: at(2) }, 'same'],
      ['a lower version', { version: 1, changedAt: at(1) }, { version: 2, changedAt: at(2) }, 'older'],
      ['a lower version, even if later', { version: 1, changedAt: at(9) }, { version: 2, changedAt: at(2) }, 'older'],
      ['a lower version stamped years ahead', { version: 1, changedAt: yearsAhead }, { version: 2, changedAt: at(2) }, 'older'],
    ])('%s → %s', (_name, record, state, expected) => {
      expect(comparePrecedence(record, state)).toBe(expected);
    });
  });

  describe('mergeTicket', () => {
    it('creates the state of a new ticket from its newest record, with one history entry per change', () => {
      const records = [
        aHolderRecord({ version: 1, status: 'INJECTED', action: 'INJECT' }),
        aHolderRecord({ version: 2, status: 'DOWNLOADED', action: 'DOWNLOAD', walletOwner: { email: 'ada@example.test' } }),
      ];
      const { next, outcomes } = mergeTicket('org-1', undefined, records, observedAt, 50);
      expect(outcomes).toEqual(['applied', 'applied']);
      expect(next).toEqual({
        _id: 'org-1:T-1',
        organizerId: 'org-1',
        ticketId: 'T-1',
        status: 'DOWNLOADED',
        version: 2,
        changedAt: at(2),
        walletOwner: { email: 'ada@example.test' },
        ticketHolder: null,
        previousOwner: null,
        transferRecipient: null,
        action: 'DOWNLOAD',
        eventId: null,
        observedAt,
        history: [
          { status: 'INJECTED', version: 1, changedAt: at(1), action: 'INJECT' },
          { status: 'DOWNLOADED', version: 2, changedAt: at(2), action: 'DOWNLOAD' },
        ],
      });
    });

    it('never lets an older record overwrite the stored state', () => {
      const stored = aStoredState(5);
      const { next, outcomes } = mergeTicket(
        'org-1',
        stored,
        [aHolderRecord({ version: 3, status: 'ASSIGNED' }), aHolderRecord({ version: 4 })],
        observedAt,
        50,
      );
      expect(next).toBeUndefined();
      expect(outcomes).toEqual(['stale', 'stale']);
    });

    it('changes nothing for a record it already has (a page read again after a crash)', () => {
      const { next, outcomes } = mergeTicket('org-1', aStoredState(2), [aHolderRecord({ version: 2, status: 'DOWNLOADED' })], observedAt, 50);
      expect(next).toBeUndefined();
      expect(outcomes).toEqual(['duplicate']);
    });

    it('compares each record with the state after the records before it', () => {
      const records = [
        aHolderRecord({ version: 4, status: 'ASSIGNED' }),
        aHolderRecord({ version: 3, status: 'DOWNLOADED' }),
        aHolderRecord({ version: 4, status: 'ASSIGNED' }),
        aHolderRecord({ version: 5, status: 'PENDING_TRANSFER' }),
      ];
      const { next, outcomes } = mergeTicket('org-1', aStoredState(2), records, observedAt, 50);
      expect(outcomes).toEqual(['applied', 'stale', 'duplicate', 'applied']);
      expect(next?.status).toBe('PENDING_TRANSFER');
      expect(next?.history?.map((h) => h.version)).toEqual([1, 2, 4, 5]);
    });

    it('lets the changes after one stamped years ahead (a wrong TIXnGO clock) through, in version order', () => {
      const records = [
        aHolderRecord({ version: 3, status: 'ASSIGNED', changedAt: new Date(Date.UTC(2099, 0, 1)) }),
        aHolderRecord({ version: 4, status: 'PENDING_TRANSFER' }),
        aHolderRecord({ version: 5, status: 'TRANSFERRED' }),
      ];
      const { next, outcomes } = mergeTicket('org-1', aStoredState(2), records, observedAt, 50);
      expect(outcomes).toEqual(['applied', 'applied', 'applied']);
      expect(next).toMatchObject({ status: 'TRANSFERRED', version: 5, changedAt: at(5) });
    });

    it('replaces every holder field with the newer record, clearing what it no longer has', () => {
      const stored = aStoredState(3, { status: 'ASSIGNED', ticketHolder: { firstName: 'Kim' } });
      const transfer = aHolderRecord({
        version: 4,
        status: 'TRANSFERRED',
        walletOwner: { email: 'grace@example.test' },
        previousOwner: { email: 'ada@example.test' },
        ticketHolder: null,
      });
      const { next } = mergeTicket('org-1', stored, [transfer], observedAt, 50);
      expect(next).toMatchObject({ walletOwner: { email: 'grace@example.test' }, previousOwner: { email: 'ada@example.test' }, ticketHolder: null });
    });

    it.each([
      [1, [12]],
      [3, [10, 11, 12]],
      [50, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]],
    ])('keeps the last %i history entries', (limit, versions) => {
      const stored = aStoredState(8);
      const records = [9, 10, 11, 12].map((v) => aHolderRecord({ version: v }));
      const { next } = mergeTicket('org-1', stored, records, observedAt, limit);
      expect(next?.history?.map((h) => h.version)).toEqual(versions);
    });

    it('stores a person without its null fields, and no person as null', () => {
      const full = { id: null, title: null, firstName: 'Ada', lastName: null, email: 'ada@example.test', phone: null, birthDate: null };
      const { next } = mergeTicket('org-1', undefined, [aHolderRecord({ version: 1, walletOwner: full, ticketHolder: null })], observedAt, 50);
      expect(next?.walletOwner).toEqual({ firstName: 'Ada', email: 'ada@example.test' });
      expect(next?.ticketHolder).toBeNull();
    });

    it('starts a history for a stored state that has none', () => {
      const { history: _ignored, ...bare } = aStoredState(2);
      const { next } = mergeTicket('org-1', bare as HolderDocument, [aHolderRecord({ version: 3 })], observedAt, 50);
      expect(next?.history?.map((h) => h.version)).toEqual([3]);
    });
  });

  describe('planPage', () => {
    it('plans one write per changed ticket (insert or replacement) and one event per change, in feed order', () => {
      const a = (v: number) => aHolderRecord({ ticketId: 'A', version: v });
      const b = (v: number) => aHolderRecord({ ticketId: 'B', version: v });
      const c = (v: number) => aHolderRecord({ ticketId: 'C', version: v });
      const stored = new Map<string, HolderDocument>([
        ['B', aStoredState(2, { ticketId: 'B', _id: 'org-1:B' })],
        ['C', aStoredState(7, { ticketId: 'C', _id: 'org-1:C' })],
      ]);
      const page = [a(1), b(2), b(3), c(6), a(2), b(4)];
      const plan = planPage('org-1', page, stored, observedAt, 50);
      expect(plan.outcomes).toEqual(['applied', 'duplicate', 'applied', 'stale', 'applied', 'applied']);
      expect(plan.events.map((r) => `${r.ticketId}${r.version}`)).toEqual(['A1', 'B3', 'A2', 'B4']);
      expect(plan.writes.map((w) => [w.next._id, w.next.ticketId, w.next.version, w.replaces])).toEqual([
        ['org-1:A', 'A', 2, false],
        ['org-1:B', 'B', 4, true],
      ]);
    });

    it('keys states by organizer: the same ticket id of another organizer is another state', () => {
      const plan = planPage('org-2', [aHolderRecord({ version: 3 })], new Map(), observedAt, 50);
      expect(plan.writes.map((w) => [w.next._id, w.next.organizerId, w.replaces])).toEqual([['org-2:T-1', 'org-2', false]]);
    });

    it('plans nothing for an empty page', () => {
      expect(planPage('org-1', [], new Map(), observedAt, 50)).toEqual({ events: [], writes: [], outcomes: [] });
    });
  });
});
