import { GENERIC_REJECTION_CODE, NO_RESULT_CODE, sanitizeReason, toOutcomes } from './outcomes';
import type { TicketResult } from './wire-schemas';

const sent = [{ ticketId: 'A' }, { ticketId: 'B' }, { ticketId: 'C' }];
const ok = (ticketId: string): TicketResult => ({ ticketId, status: 'OK' });
const rejected = (ticketId: string, errorCode?: string, message?: string): TicketResult => ({
  ticketId,
  status: 'REJECTED',
  ...(errorCode !== undefined ? { errorCode } : {}),
  ...(message !== undefined ? { message } : {}),
});

describe('outcomes', () => {
  describe('toOutcomes', () => {
    it('returns one outcome per ticket sent, in the order sent', () => {
      expect(toOutcomes(sent, [ok('C'), ok('A'), ok('B')])).toEqual([
        { ticketId: 'A', ok: true },
        { ticketId: 'B', ok: true },
        { ticketId: 'C', ok: true },
      ]);
    });

    it('keeps the rejected tickets with their TIXnGO code and reason, the others ok', () => {
      expect(toOutcomes(sent, [ok('A'), rejected('B', 'MISSING_FIELD', 'event.id is required'), ok('C')])).toEqual([
        { ticketId: 'A', ok: true },
        { ticketId: 'B', ok: false, code: 'MISSING_FIELD', reason: 'event.id is required' },
        { ticketId: 'C', ok: true },
      ]);
    });

    it('never assumes a ticket missing from the results was delivered', () => {
      expect(toOutcomes(sent, [ok('A')]).slice(1)).toEqual([
        { ticketId: 'B', ok: false, code: NO_RESULT_CODE, reason: expect.any(String) },
        { ticketId: 'C', ok: false, code: NO_RESULT_CODE, reason: expect.any(String) },
      ]);
    });

    it.each<[string, TicketResult[], boolean]>([
      ['a rejection among duplicates wins', [ok('A'), rejected('A', 'X')], false],
      ['duplicates that all say OK stay ok', [ok('A'), ok('A')], true],
    ])('%s', (_name, results, expected) => {
      expect(toOutcomes([{ ticketId: 'A' }], results)[0]!.ok).toBe(expected);
    });

    it('ignores results for tickets that were not sent and results without a ticket id', () => {
      expect(toOutcomes([{ ticketId: 'A' }], [ok('Z'), { ticketId: null, status: 'REJECTED' }, ok('A')])).toEqual([{ ticketId: 'A', ok: true }]);
    });

    it.each([
      [undefined, GENERIC_REJECTION_CODE],
      ['has spaces in it', GENERIC_REJECTION_CODE],
      ['INVALID_FIELD', 'INVALID_FIELD'],
    ])('uses code %j as %s', (errorCode, expected) => {
      expect(toOutcomes([{ ticketId: 'A' }], [rejected('A', errorCode)])[0]!.code).toBe(expected);
    });
  });

  describe('sanitizeReason', () => {
    const ticket = {
      ticketId: 'T-9',
      spectatorDetails: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org', birthDate: '1815-12-10' },
      event: { id: 'EV-1' },
    };

    it.each([
      ['removes values sent with the ticket', 'lastName Lovelace is too long', 'lastName [redacted] is too long'],
      ['keeps the ticket id', 'ticket T-9 exists', 'ticket T-9 exists'],
      ['removes e-mail addresses it was not sent', 'owner bob@example.com unknown', 'owner [redacted] unknown'],
      ['puts the text on one line', 'first\nsecond\t third', 'first second third'],
    ])('%s', (_name, message, expected) => {
      expect(sanitizeReason(message, ticket)).toBe(expected);
    });

    it('cuts long messages to 200 characters', () => {
      const out = sanitizeReason('x'.repeat(500), ticket);
      expect(out).toHaveLength(200);
      expect(out.endsWith('…')).toBe(true);
    });
  });
});
