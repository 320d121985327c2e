import { aFact } from '../store/facts.fixtures';
import { TicketFacts, type Fact, type FactKind } from '../store/ticket-ledger';
import type { TicketCancelled } from './cancel-event';
import { decideCancel, showDeletedTicket } from './decide';

const fact = (kind: FactKind, generation: number, detail?: string): Fact => aFact(kind, generation, detail);
const cancel = (o: Partial<TicketCancelled> = {}): TicketCancelled => ({
  ticketId: 'T1',
  reprintGeneration: 0,
  status: 'INVALIDATED',
  reason: 'RESALE',
  occurredAt: new Date(0),
  organizationCode: 'O',
  shipmentMode: 'MOBILE',
  taxNumber: '1',
  fileNumber: null,
  ...o,
});

describe('cancellation/decide', () => {
  describe('showDeletedTicket', () => {
    it.each([
      ['a reason in the override list wins over everything', 'RESALE', { overrideReasons: ['RESALE'], notifySpectator: false, defaultValue: false }, true],
      ['"notify spectator" comes second', 'CANCELLED', { overrideReasons: ['RESALE'], notifySpectator: true, defaultValue: false }, true],
      ['else the default, false', 'CANCELLED', { overrideReasons: ['RESALE'], notifySpectator: false, defaultValue: false }, false],
      ['else the default, when configured true', 'CANCELLED', { overrideReasons: [], notifySpectator: false, defaultValue: true }, true],
      ['override list matches exactly, not by prefix', 'RESALE_2', { overrideReasons: ['RESALE'], notifySpectator: false, defaultValue: false }, false],
    ])('%s', (_name, reason, settings, expected) => {
      expect(showDeletedTicket(reason, settings)).toBe(expected);
    });
  });

  describe('decideCancel', () => {
    it.each([
      ['not injected: nothing to delete', [], cancel(), false, { push: false, reason: 'NOT_INJECTED' }],
      ['not injected, even when forced', [], cancel(), true, { push: false, reason: 'NOT_INJECTED' }],
      ['injected: delete', [fact('inject', 0)], cancel(), false, { push: true, reasonChanged: false }],
      ['a reprint was injected since: the old generation is superseded', [fact('inject', 0), fact('inject', 1)], cancel(), false, { push: false, reason: 'SUPERSEDED_BY_REPRINT' }],
      ['the voided generation was never injected', [fact('inject', 0)], cancel({ reprintGeneration: 1 }), false, { push: false, reason: 'NOT_INJECTED' }],
      ['already deleted with this reason', [fact('inject', 0), fact('cancel-pushed', 0, 'RESALE')], cancel(), false, { push: false, reason: 'ALREADY_DELETED' }],
      ['already deleted, but forced', [fact('inject', 0), fact('cancel-pushed', 0, 'RESALE')], cancel(), true, { push: true, reasonChanged: false }],
      ['the reason changed: delete again, once', [fact('inject', 0), fact('cancel-pushed', 0, 'RESALE')], cancel({ reason: 'MOBILE_TAKE_BACK' }), false, { push: true, reasonChanged: true }],
      ['the changed reason was already pushed too', [fact('inject', 0), fact('cancel-pushed', 0, 'RESALE'), fact('cancel-pushed', 0, 'MOBILE_TAKE_BACK')], cancel({ reason: 'MOBILE_TAKE_BACK' }), false, { push: false, reason: 'ALREADY_DELETED' }],
      ['a deletion of another generation does not count', [fact('inject', 1), fact('cancel-pushed', 0, 'RESALE')], cancel({ reprintGeneration: 1 }), false, { push: true, reasonChanged: false }],
    ])('%s', (_name, facts, event, forced, expected) => {
      expect(decideCancel(event, new TicketFacts(facts), forced)).toEqual(expected);
    });
  });
});
