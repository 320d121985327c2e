import { aFact } from '../store/facts.fixtures';
import { factId, TicketFacts, type Fact, type FactKind } from '../store/ticket-ledger';
import type { TicketCancelled } from './cancel-event';
import { cancelSeenFact } from './cancellation.role';
import { cancellationToPush, decideCancel, showDeletedTicket } from './decide';

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
  printedPosCode: null,
  printedAt: null,
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
    const at = (ms: number) => new Date(ms);
    /** A cancellation's facts, as the role writes them (`seen` at `ms`) and, if pushed, records them. */
    const seen = (reason: string, ms: number, g = 0): Fact => cancelSeenFact(cancel({ reason, occurredAt: at(ms), reprintGeneration: g }), at(ms));
    const pushed = (reason: string, ms: number, g = 0): Fact => ({
      ...seen(reason, ms, g),
      _id: factId('T1', 'cancel-pushed', g, reason, at(ms)),
      kind: 'cancel-pushed',
    });
    /** The role writes the record's own `cancel-seen` before it reads: the table adds it. */
    const decide = (facts: Fact[], event: TicketCancelled, forced = false, injecting = false) =>
      decideCancel(event, new TicketFacts([...facts, cancelSeenFact(event, event.occurredAt)]), forced, injecting);

    it.each<[string, Fact[], TicketCancelled, boolean, boolean, object]>([
      ['not injected: nothing to delete', [], cancel(), false, false, { push: false, reason: 'NOT_INJECTED' }],
      ["not injected as far as the ledger knows, but forced: pushed (the operator's recovery tool)", [], cancel(), true, false, { push: true }],
      ['forced, but a newer generation is in TIXnGO', [fact('inject', 1)], cancel(), true, false, { push: false, reason: 'SUPERSEDED_BY_REPRINT' }],
      ['injected: delete', [fact('inject', 0)], cancel(), false, false, { push: true }],
      ['an injection may be on its way: wait for its hand-back', [fact('inject', 0)], cancel(), false, true, { push: false, reason: 'WAITING_FOR_INJECTION' }],
      ['an injection on its way wins over force too', [fact('inject', 0)], cancel(), true, true, { push: false, reason: 'WAITING_FOR_INJECTION' }],
      [
        'a reprint was injected since: the old generation is superseded',
        [fact('inject', 0), fact('inject', 1)],
        cancel(),
        false,
        false,
        { push: false, reason: 'SUPERSEDED_BY_REPRINT' },
      ],
      [
        'the voided generation was never injected',
        [fact('inject', 0)],
        cancel({ reprintGeneration: 1 }),
        false,
        false,
        { push: false, reason: 'NOT_INJECTED' },
      ],
      [
        'already deleted with this reason (the same cancellation again)',
        [fact('inject', 0), pushed('RESALE', 0)],
        cancel(),
        false,
        false,
        { push: false, reason: 'ALREADY_DELETED' },
      ],
      ['already deleted, but forced', [fact('inject', 0), pushed('RESALE', 0)], cancel(), true, false, { push: true }],
      [
        'the same reason again, later: TIXnGO shows it already',
        [fact('inject', 0), pushed('RESALE', 0)],
        cancel({ occurredAt: at(5) }),
        false,
        false,
        { push: false, reason: 'ALREADY_DELETED' },
      ],
      [
        'the reason changed: delete again',
        [fact('inject', 0), pushed('RESALE', 0)],
        cancel({ reason: 'MOBILE_TAKE_BACK', occurredAt: at(5) }),
        false,
        false,
        { push: true },
      ],
      ['A → B → A: A again', [fact('inject', 0), pushed('A', 1), pushed('B', 2)], cancel({ reason: 'A', occurredAt: at(3) }), false, false, { push: true }],
      [
        'an older reason arriving after a newer one',
        [fact('inject', 0), pushed('B', 2)],
        cancel({ reason: 'A', occurredAt: at(1) }),
        false,
        false,
        { push: false, reason: 'SUPERSEDED_BY_NEWER_REASON' },
      ],
      [
        'an older reason waiting beside a newer one (not pushed either)',
        [fact('inject', 0), seen('B', 2)],
        cancel({ reason: 'A', occurredAt: at(1) }),
        false,
        false,
        { push: false, reason: 'SUPERSEDED_BY_NEWER_REASON' },
      ],
      ['the newer of two waiting reasons', [fact('inject', 0), seen('A', 1)], cancel({ reason: 'B', occurredAt: at(2) }), false, false, { push: true }],
      [
        'a deletion of another generation does not count',
        [fact('inject', 1), pushed('RESALE', 0)],
        cancel({ reprintGeneration: 1 }),
        false,
        false,
        { push: true },
      ],
    ])('%s', (_name, facts, event, forced, injecting, expected) => {
      expect(decide(facts, event, forced, injecting)).toEqual(expected);
    });
  });

  describe('cancellationToPush', () => {
    const seen = (reason: string, ms: number, g = 0): Fact => cancelSeenFact(cancel({ reason, occurredAt: new Date(ms), reprintGeneration: g }), new Date(ms));
    const pushed = (reason: string, ms: number, g = 0): Fact => ({
      ...seen(reason, ms, g),
      _id: factId('T1', 'cancel-pushed', g, reason, new Date(ms)),
      kind: 'cancel-pushed',
    });
    const due = (facts: Fact[], g = 0) => cancellationToPush(new TicketFacts(facts), g)?.detail;

    it.each<[string, Fact[], string | undefined]>([
      ['nothing seen', [], undefined],
      ['one waiting reason', [seen('A', 1)], 'A'],
      ['of two waiting reasons, only the newer', [seen('B', 2), seen('A', 1)], 'B'],
      ['not when it was pushed', [seen('A', 1), pushed('A', 1)], undefined],
      ['a newer reason after a pushed one', [seen('A', 1), pushed('A', 1), seen('B', 2)], 'B'],
      ['the same reason again after a pushed one: nothing', [seen('A', 1), pushed('A', 1), seen('A', 2)], undefined],
      ['A → B → A', [seen('A', 1), pushed('A', 1), seen('B', 2), pushed('B', 2), seen('A', 3)], 'A'],
      ['another generation does not count', [seen('A', 1, 1)], undefined],
    ])('%s', (_name, facts, expected) => {
      expect(due(facts)).toBe(expected);
    });
  });
});
