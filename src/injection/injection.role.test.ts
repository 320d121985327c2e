import { aFact } from '../store/facts.fixtures';
import { EMPTY_FACTS, factId, TicketFacts, type Fact, type FactKind } from '../store/ticket-ledger';
import { aPrintedTicket } from '../tools/sample-events';
import { decideInjection, waitingBehindInjection } from './injection.role';

const AT = new Date(Date.UTC(2027, 0, 1));
const TICKET = '100000001';

const fact = (kind: FactKind, generation: number, detail?: string): Fact => ({
  _id: factId(TICKET, kind, generation, detail),
  ticketId: TICKET,
  kind,
  generation,
  at: AT,
  ...(detail !== undefined ? { detail } : {}),
});

/** What the ledger knows: the generations injected, simulated and cancelled. */
function facts(f: { injected?: number[]; simulated?: number[]; cancelled?: number[] }): TicketFacts {
  return new TicketFacts([
    ...(f.injected ?? []).map((g) => fact('inject', g)),
    ...(f.simulated ?? []).map((g) => fact('inject-simulated', g)),
    ...(f.cancelled ?? []).map((g) => fact('cancel-seen', g, 'REFUND')),
  ]);
}

const PUSH = { push: true };
const skip = (reason: string) => ({ push: false, reason });

describe('injection.role', () => {
  describe('decideInjection', () => {
    it.each<[string, number, TicketFacts, boolean, object]>([
      ['a ticket the ledger does not know', 0, EMPTY_FACTS, false, PUSH],
      ['a ticket only simulated so far', 0, facts({ simulated: [0] }), false, PUSH],
      ['a ticket cancelled before injection', 0, facts({ cancelled: [0] }), false, skip('CANCELLED_BEFORE_INJECTION')],
      ['a forced ticket cancelled before injection', 0, facts({ cancelled: [0] }), true, skip('CANCELLED_BEFORE_INJECTION')],
      ['an older generation than the cancelled one', 1, facts({ cancelled: [2] }), true, skip('CANCELLED_BEFORE_INJECTION')],
      ['a reprint issued after the cancellation of its previous generation', 1, facts({ cancelled: [0] }), false, PUSH],
      ['an injected then cancelled ticket (cancellation first)', 0, facts({ injected: [0], cancelled: [0] }), true, skip('CANCELLED_BEFORE_INJECTION')],
      ['the same generation already injected', 0, facts({ injected: [0] }), false, skip('ALREADY_INJECTED')],
      ['an older generation than the injected one', 1, facts({ injected: [3] }), false, skip('ALREADY_INJECTED')],
      ['a generation below the highest of several injected', 2, facts({ injected: [0, 3, 1] }), false, skip('ALREADY_INJECTED')],
      ['the same generation already injected, forced', 0, facts({ injected: [0] }), true, PUSH],
      ['an older generation than the injected one, forced', 1, facts({ injected: [3] }), true, PUSH],
      ['a reprint of a higher generation than the injected one', 2, facts({ injected: [0, 1] }), false, PUSH],
      ['a reprint after an injected generation was cancelled', 2, facts({ injected: [1], cancelled: [1] }), false, PUSH],
    ])('decides for %s (generation %i)', (_, generation, known, forced, expected) => {
      expect(decideInjection(aPrintedTicket({ ticketId: TICKET, reprintGeneration: generation }), known, forced)).toEqual(expected);
    });
  });
});

describe('injection/injection.role waitingBehindInjection', () => {
  const f = aFact;

  const ids = (facts: Fact[]) => waitingBehindInjection(new TicketFacts(facts)).map((x) => x._id);

  it.each([
    ['nothing when the ticket is not injected', [f('cancel-seen', 0, 'R', {})], []],
    ['a cancellation seen for the injected generation and not pushed', [f('inject', 0), f('cancel-seen', 0, 'R', {})], ['T1|cancel-seen|0|R']],
    ['not when that reason was already pushed', [f('inject', 0), f('cancel-seen', 0, 'R', {}), f('cancel-pushed', 0, 'R')], []],
    ['a new reason after a pushed one', [f('inject', 0), f('cancel-seen', 0, 'R', {}), f('cancel-seen', 0, 'S', {}), f('cancel-pushed', 0, 'R')], ['T1|cancel-seen|0|S']],
    ['not for another generation', [f('inject', 1), f('cancel-seen', 0, 'R', {})], []],
    ['a control seen and not pushed', [f('inject', 0), f('control-seen', 0, undefined, {})], ['T1|control-seen|0']],
    ['not a control already pushed', [f('inject', 0), f('control-seen', 0, undefined, {}), f('control-pushed', 0)], []],
    ['not a control of a deleted ticket', [f('inject', 0), f('control-seen', 0, undefined, {}), f('cancel-pushed', 0, 'R')], []],
  ])('%s', (_name, facts, expected) => {
    expect(ids(facts)).toEqual(expected);
  });
});
