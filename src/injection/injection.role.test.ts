import { aFact } from '../store/facts.fixtures';
import { EMPTY_FACTS, factId, TicketFacts, type Fact, type FactKind } from '../store/ticket-ledger';
import { aPrintedTicket } from '../tools/sample-events';
import { decideInjection, waitingBehindInjection } from './injection.role';

const AT = new Date(Date.UTC(2027, 0, 1));
const TICKET = '100000001';

const fact = (kind: FactKind, generation: number, detail?: string): Fact => ({
  _id: factId(`ORG1:${TICKET}`, kind, generation, detail),
  ticketId: TICKET,
  organization: 'ORG1',
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
      ['an older generation than the injected one', 1, facts({ injected: [3] }), false, skip('SUPERSEDED_BY_REPRINT')],
      ['a generation below the highest of several injected', 2, facts({ injected: [0, 3, 1] }), false, skip('SUPERSEDED_BY_REPRINT')],
      ['the same generation already injected, forced', 0, facts({ injected: [0] }), true, PUSH],
      ['an older generation than the injected one, forced: TIXnGO keeps the newest', 1, facts({ injected: [3] }), true, skip('SUPERSEDED_BY_REPRINT')],
      ['a reprint of a higher generation than the injected one', 2, facts({ injected: [0, 1] }), false, PUSH],
      ['a reprint after an injected generation was cancelled', 2, facts({ injected: [1], cancelled: [1] }), false, PUSH],
    ])('decides for %s (generation %i)', (_, generation, known, forced, expected) => {
      expect(decideInjection(aPrintedTicket({ ticketId: TICKET, reprintGeneration: generation }), known, forced)).toEqual(expected);
    });
  });
});

describe('injection/injection.role waitingBehindInjection', () => {
  const f = aFact;
  const seen = (reason: string, ms: number, g = 0) => ({
    ...f('cancel-seen', g, reason, {}),
    _id: factId('ORG1:T1', 'cancel-seen', g, reason, new Date(ms)),
    occurredAt: new Date(ms),
  });
  const pushed = (reason: string, ms: number, g = 0) => ({
    ...seen(reason, ms, g),
    _id: factId('ORG1:T1', 'cancel-pushed', g, reason, new Date(ms)),
    kind: 'cancel-pushed' as const,
  });

  const ids = (facts: Fact[]) => waitingBehindInjection(new TicketFacts(facts)).map((x) => x._id);

  it.each([
    ['nothing when the ticket is not injected', [seen('R', 1)], []],
    ['a cancellation seen for the injected generation and not pushed', [f('inject', 0), seen('R', 1)], ['ORG1:T1|cancel-seen|0|1|R']],
    ['only the newest of two waiting reasons', [f('inject', 0), seen('R', 1), seen('S', 2)], ['ORG1:T1|cancel-seen|0|2|S']],
    ['not when that reason was already pushed', [f('inject', 0), seen('R', 1), pushed('R', 1)], []],
    ['a new reason after a pushed one', [f('inject', 0), seen('R', 1), seen('S', 2), pushed('R', 1)], ['ORG1:T1|cancel-seen|0|2|S']],
    ['not for another generation', [f('inject', 1), seen('R', 1)], []],
    ['a control seen and not pushed', [f('inject', 0), f('control-seen', 0, undefined, {})], ['ORG1:T1|control-seen|0']],
    ['not a control already pushed', [f('inject', 0), f('control-seen', 0, undefined, {}), f('control-pushed', 0)], []],
    ['not a control of a deleted ticket', [f('inject', 0), f('control-seen', 0, undefined, {}), pushed('R', 1)], []],
  ])('%s', (_name, facts, expected) => {
    expect(ids(facts as Fact[])).toEqual(expected);
  });
});
