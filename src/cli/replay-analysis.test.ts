import { ReplayTally } from './replay-analysis';

const send = { push: true } as const;
const skip = (reason: string) => ({ push: false, reason }) as const;

describe('cli/replay-analysis', () => {
  describe('ReplayTally', () => {
    it('splits tickets into would-send, already delivered (pushed only when forced) and other skips', () => {
      const t = new ReplayTally();
      t.addDecided('1', send, send);
      t.addDecided('2', skip('ALREADY_INJECTED'), send);
      t.addDecided('3', skip('CANCELLED_BEFORE_INJECTION'), skip('CANCELLED_BEFORE_INJECTION'));
      t.addFiltered('4', 'FILTER_TARIFF');
      t.addInvalid('AVRO_BAD_FRAME');
      expect(t.forecast()).toEqual({
        records: 5,
        tickets: 4,
        wouldSend: 1,
        alreadyDelivered: 1,
        deliveredTicketIds: ['2'],
        skipped: { CANCELLED_BEFORE_INJECTION: 1, FILTER_TARIFF: 1 },
        invalid: { AVRO_BAD_FRAME: 1 },
      });
    });

    it('counts a ticket once, by its last record', () => {
      const t = new ReplayTally();
      t.addDecided('1', skip('ALREADY_INJECTED'), send);
      t.addDecided('1', send, send);
      expect(t.forecast()).toMatchObject({ records: 2, tickets: 1, wouldSend: 1, alreadyDelivered: 0 });
    });
  });
});
