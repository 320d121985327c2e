import { checkControlEntry, checkDeleteEntry, checkInjectEntry, checkTicketsBody, parseJsonBody, ticketIdsOf } from './validation';

function anInjectTicket(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ticketId: 'T-1',
    event: { id: 'EV-1', startTime: '2030-06-01T20:00:00+02:00', expirationDate: '2030-06-02T02:00:00+02' },
    purchaseDetails: { purchaseDate: '2030-01-01T10:00:00Z' },
    security: { barcode: 'B1' },
    spectatorDetails: { firstName: 'Ada' },
    ...over,
  };
}

describe('validation', () => {
  describe('checkTicketsBody', () => {
    it.each([
      ['not JSON', '{tickets:', 'INVALID_JSON'],
      ['no tickets array', '{"items":[]}', 'INVALID_BODY'],
      ['tickets not an array', '{"tickets":{}}', 'INVALID_BODY'],
      ['a JSON array', '[]', 'INVALID_BODY'],
      ['null', 'null', 'INVALID_BODY'],
      ['an entry that is not an object', '{"tickets":[{"ticketId":"A"},"B"]}', 'INVALID_BODY'],
      ['too many tickets', JSON.stringify({ tickets: [{}, {}, {}] }), 'TOO_MANY_TICKETS'],
    ])('refuses %s as a whole with %s', (_name, raw, errorCode) => {
      expect(checkTicketsBody(parseJsonBody(raw), 2)).toMatchObject({ ok: false, errorCode });
    });

    it('accepts objects up to the maximum, even an empty list', () => {
      expect(checkTicketsBody(parseJsonBody('{"tickets":[{},{}]}'), 2)).toEqual({ ok: true, tickets: [{}, {}] });
      expect(checkTicketsBody(parseJsonBody('{"tickets":[]}'), 2)).toEqual({ ok: true, tickets: [] });
    });
  });

  describe('ticketIdsOf', () => {
    it.each([
      ['{"tickets":[{"ticketId":"A"},{"x":1},{"ticketId":2},{"ticketId":"B"}]}', ['A', 'B']],
      ['not json', []],
      ['{"tickets":3}', []],
    ])('reads %s as %j', (raw, ids) => {
      expect(ticketIdsOf(parseJsonBody(raw))).toEqual(ids);
    });
  });

  describe('checkInjectEntry', () => {
    it('accepts a complete ticket', () => {
      expect(checkInjectEntry(anInjectTicket())).toBeUndefined();
    });

    it.each([
      ['no ticketId', { ticketId: undefined }, 'INVALID_TICKET_ID'],
      ['a numeric ticketId', { ticketId: 42 }, 'INVALID_TICKET_ID'],
      ['a ticketId with #', { ticketId: 'T#1' }, 'INVALID_TICKET_ID'],
      ['a ticketId of 257 characters', { ticketId: 'x'.repeat(257) }, 'INVALID_TICKET_ID'],
      ['no event', { event: undefined }, 'MISSING_FIELD'],
      ['no purchaseDetails', { purchaseDetails: null }, 'MISSING_FIELD'],
      ['no security', { security: undefined }, 'MISSING_FIELD'],
      ['no spectatorDetails', { spectatorDetails: undefined }, 'MISSING_FIELD'],
      ['security as a string', { security: 'B1' }, 'INVALID_FIELD'],
      ['no event.id', { event: { startTime: '2030-06-01T20:00:00Z', expirationDate: '2030-06-02T00:00:00Z' } }, 'MISSING_FIELD'],
      ['a numeric event.id', { event: { id: 7, startTime: '2030-06-01T20:00:00Z', expirationDate: '2030-06-02T00:00:00Z' } }, 'INVALID_FIELD'],
      ['no event.startTime', { event: { id: 'E', expirationDate: '2030-06-02T00:00:00Z' } }, 'MISSING_FIELD'],
      ['event.startTime without offset', { event: { id: 'E', startTime: '2030-06-01T20:00:00', expirationDate: '2030-06-02T00:00:00Z' } }, 'INVALID_FIELD'],
      ['no event.expirationDate', { event: { id: 'E', startTime: '2030-06-01T20:00:00Z' } }, 'MISSING_FIELD'],
      ['event.expirationDate as a date only', { event: { id: 'E', startTime: '2030-06-01T20:00:00Z', expirationDate: '2030-06-02' } }, 'INVALID_FIELD'],
    ])('rejects a ticket with %s (%s)', (_name, over, errorCode) => {
      expect(checkInjectEntry(anInjectTicket(over))).toMatchObject({ errorCode });
    });
  });

  describe('checkDeleteEntry', () => {
    it.each([
      [{ ticketId: 'T-1', reason: 'CANCELLED', showDeletedTicket: false }, undefined],
      [{ ticketId: 'T-1', showDeletedTicket: false }, 'MISSING_FIELD'],
      [{ ticketId: 'T-1', reason: 3, showDeletedTicket: false }, 'INVALID_FIELD'],
      [{ ticketId: 'T-1', reason: 'CANCELLED' }, 'MISSING_FIELD'],
      [{ ticketId: 'T-1', reason: 'CANCELLED', showDeletedTicket: 'yes' }, 'INVALID_FIELD'],
      [{ reason: 'CANCELLED', showDeletedTicket: true }, 'INVALID_TICKET_ID'],
    ])('%j → %s', (entry, errorCode) => {
      expect(checkDeleteEntry(entry)?.errorCode).toBe(errorCode);
    });
  });

  describe('checkControlEntry', () => {
    it.each([
      [{ ticketId: 'T-1', controlledAt: '2030-06-01T19:30:00+02:00' }, undefined],
      [{ ticketId: 'T-1' }, 'MISSING_FIELD'],
      [{ ticketId: 'T-1', controlledAt: 'now' }, 'INVALID_FIELD'],
      [{ ticketId: 'T/1 (a)', controlledAt: '2030-06-01T17:30:00Z' }, undefined],
    ])('%j → %s', (entry, errorCode) => {
      expect(checkControlEntry(entry)?.errorCode).toBe(errorCode);
    });
  });
});
