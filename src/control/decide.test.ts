import { aFact } from '../store/facts.fixtures';
import { TicketFacts, type Fact, type FactKind } from '../store/ticket-ledger';
import type { TicketControlled } from './control-event';
import { controlToPush, decideControl } from './decide';

const fact = (kind: FactKind, generation: number, detail?: string): Fact => aFact(kind, generation, detail);
const control = (o: Partial<TicketControlled> = {}): TicketControlled => ({
  ticketId: 'T1',
  reprintGeneration: 0,
  controlledAt: new Date(0),
  controlSource: 'ACCESS_CONTROL',
  organizationCode: 'O',
  shipmentMode: 'MOBILE',
  taxNumber: '1',
  printedPosCode: null,
  printedAt: null,
  ...o,
});

describe('control/decide', () => {
  describe('decideControl', () => {
    it.each([
      ['not injected yet: waits in the ledger', [], control(), false, { push: false, reason: 'WAITING_FOR_INJECTION' }],
      ['unknown to the ledger, but forced: pushed', [], control(), true, { push: true }],
      ['forced past a deletion: refused', [fact('cancel-pushed', 0, 'R')], control(), true, { push: false, reason: 'TICKET_DELETED' }],
      ['injected: control', [fact('inject', 0)], control(), false, { push: true }],
      ['already controlled: never twice', [fact('inject', 0), fact('control-pushed', 0)], control(), false, { push: false, reason: 'ALREADY_CONTROLLED' }],
      ['already controlled, but forced', [fact('inject', 0), fact('control-pushed', 0)], control(), true, { push: true }],
      ['deleted: TIXnGO would refuse it', [fact('inject', 0), fact('cancel-pushed', 0, 'RESALE')], control(), true, { push: false, reason: 'TICKET_DELETED' }],
      ['a reprint was injected since', [fact('inject', 0), fact('inject', 1)], control(), false, { push: false, reason: 'SUPERSEDED_BY_REPRINT' }],
      [
        'controlled generation not injected yet',
        [fact('inject', 0)],
        control({ reprintGeneration: 1 }),
        false,
        { push: false, reason: 'WAITING_FOR_INJECTION' },
      ],
    ])('%s', (_name, facts, event, forced, expected) => {
      expect(decideControl(event, new TicketFacts(facts), forced, false)).toEqual(expected);
    });

    it('waits for an injection that may be on its way, forced or not', () => {
      for (const forced of [false, true]) {
        expect(decideControl(control(), new TicketFacts([fact('inject', 0)]), forced, true)).toEqual({ push: false, reason: 'WAITING_FOR_INJECTION' });
      }
    });
  });

  describe('controlToPush', () => {
    const seen = aFact('control-seen', 0, undefined, {});
    it.each<[string, Fact[], boolean]>([
      ['nothing seen', [fact('inject', 0)], false],
      ['a control seen and not pushed', [fact('inject', 0), seen], true],
      ['not when pushed', [fact('inject', 0), seen, fact('control-pushed', 0)], false],
      ['not for a deleted ticket', [fact('inject', 0), seen, fact('cancel-pushed', 0, 'R')], false],
      ['not another generation', [fact('inject', 1), aFact('control-seen', 1, undefined, {}), fact('control-pushed', 1), seen], false],
    ])('%s', (_name, facts, expected) => {
      // `another generation`: the generation-0 control is due only for generation 0.
      const g = facts.some((f) => f.kind === 'inject' && f.generation === 1) ? 1 : 0;
      expect(controlToPush(new TicketFacts(facts), g) !== undefined).toBe(expected);
    });
  });
});
