import { PoisonMessageError } from '../shared/errors';
import { aPrintedTicket } from '../tools/sample-events';
import { TICKET_ID } from '../shared/event-fields';
import { parseEligible, type Beneficiary, type TicketPrintedEligible } from './ticket-event';

const PLANTED = 'Zebulon-Quartermaine';

const beneficiary = (over: Partial<Beneficiary>): Beneficiary => ({
  firstName: 'Mia',
  lastName: 'Holder',
  email: 'mia@example.test',
  birthDate: '1990-05-17',
  idNumber: 'X1234567',
  countryCode: 'CH',
  birthRegion: null,
  birthPlace: null,
  ...over,
});

function withEvent(e: Partial<TicketPrintedEligible['event']>): Partial<TicketPrintedEligible> {
  return { event: { ...aPrintedTicket().event, ...e } };
}

function refusal(input: unknown): PoisonMessageError {
  try {
    parseEligible(input);
  } catch (e) {
    if (e instanceof PoisonMessageError) return e;
    throw e;
  }
  throw new Error('expected parseEligible to refuse the record');
}

describe('ticket-event', () => {
  describe('parseEligible', () => {
    it('accepts a valid sample and returns its data', () => {
      const t = aPrintedTicket({ beneficiary: beneficiary({}), culturalContact: aPrintedTicket().buyer });
      expect(parseEligible(t)).toEqual(t);
    });

    it.each(['1', 'a'.repeat(256), 'ABC-123_x.y+z/(1) *'])('accepts the ticket id %j', (ticketId) => {
      expect(parseEligible(aPrintedTicket({ ticketId })).ticketId).toBe(ticketId);
    });

    it.each<[string, string, Partial<TicketPrintedEligible>, unknown]>([
      ['a ticket id with a forbidden character', 'ticketId', { ticketId: '123<script>' }, '123<script>'],
      ['a ticket id with a planted name and a quote', 'ticketId', { ticketId: `${PLANTED}'` }, PLANTED],
      ['a ticket id longer than 256 characters', 'ticketId', { ticketId: `T${'9'.repeat(256)}` }, `T${'9'.repeat(256)}`],
      ['an empty ticket id', 'ticketId', { ticketId: '' }, undefined],
      ['a negative price', 'price', { price: '-5.00' }, '-5.00'],
      ['an absurd price', 'price', { price: '12345678901.00' }, '12345678901'],
      ['a price with three decimals', 'price', { price: '9.999' }, '9.999'],
      ['currency "francs"', 'currency', { currency: 'francs' }, 'francs'],
      ['a lower-case currency', 'currency', { currency: 'chf' }, 'chf'],
      ['a date in 1970', 'occurredAt', { occurredAt: new Date(Date.UTC(1970, 0, 2)) }, '1970'],
      ['a date in 2200', 'purchasedAt', { purchasedAt: new Date(Date.UTC(2200, 0, 1)) }, '2200'],
      ['a season in 1970', 'seasonStart', { seasonStart: new Date(0) }, '1970'],
      ['a validity end in 2200', 'validUntil', { validUntil: new Date(Date.UTC(2200, 5, 1)) }, '2200'],
      ['an event start in 1970', 'event.startTime', withEvent({ startTime: new Date(Date.UTC(1970, 5, 1)) }), '1970'],
      ['an unknown time zone', 'event.timeZone', withEvent({ timeZone: 'Mars/Olympus_Mons' }), 'Mars/Olympus_Mons'],
      ['a country name instead of a code', 'event.countryCode', withEvent({ countryCode: 'Switzerland' }), 'Switzerland'],
      ['a negative reprint generation', 'reprintGeneration', { reprintGeneration: -1 }, '-1'],
      ['a fractional duration', 'event.durationMinutes', withEvent({ durationMinutes: 1.5 }), '1.5'],
      ['a too long beneficiary first name', 'beneficiary.firstName', { beneficiary: beneficiary({ firstName: PLANTED.repeat(3) }) }, PLANTED],
      ['a too long beneficiary last name', 'beneficiary.lastName', { beneficiary: beneficiary({ lastName: PLANTED.repeat(6) }) }, PLANTED],
      ['a too long beneficiary id number', 'beneficiary.idNumber', { beneficiary: beneficiary({ idNumber: `${PLANTED}${'-0123456789'.repeat(5)}` }) }, PLANTED],
      ['a beneficiary birth date in 1850', 'beneficiary.birthDate', { beneficiary: beneficiary({ birthDate: '1850-01-01' }) }, '1850'],
      ['a beneficiary birth date on 30 February', 'beneficiary.birthDate', { beneficiary: beneficiary({ birthDate: '1990-02-30' }) }, '1990-02-30'],
      ['a too long buyer e-mail', 'buyer.email', { buyer: { ...aPrintedTicket().buyer, email: `${PLANTED.repeat(13)}@example.test` } }, PLANTED],
      ['a too long template variable', 'templateVariables.Contact_firstName', { templateVariables: { Contact_firstName: PLANTED.repeat(205) } }, PLANTED],
    ])('refuses %s with EVENT_INVALID_FIELD naming %s, never the value', (_, path, over, value) => {
      const e = refusal(aPrintedTicket(over));
      expect(e).toMatchObject({ kind: 'poison', code: 'EVENT_INVALID_FIELD' });
      expect(e.message).toContain(`first: ${path}:`);
      if (value !== undefined) expect(e.message).not.toContain(String(value));
      expect(e.message).not.toContain(PLANTED);
    });

    it('counts every invalid field and names the first', () => {
      const e = refusal(aPrintedTicket({ ticketId: '<1>', currency: 'francs', price: '-1' }));
      expect(e.message).toMatch(/^3 invalid field\(s\), first: ticketId:/);
    });

    it.each([
      ['null', null],
      ['a string', 'ticket'],
      ['an array', []],
    ])('refuses %s as a whole record', (_, input) => {
      const e = refusal(input);
      expect(e.code).toBe('EVENT_INVALID_FIELD');
      expect(e.message).toContain('(record)');
    });

    it('refuses a record without a required field, naming it', () => {
      const { barcode: _barcode, ...rest } = aPrintedTicket();
      expect(refusal(rest).message).toContain('first: barcode:');
    });
  });

  describe('TICKET_ID', () => {
    it.each([
      ['1', true],
      ['a'.repeat(256), true],
      ['a'.repeat(257), false],
      ['', false],
      ['é', false],
      ['a,b', false],
      ['a\nb', false],
    ])('matches %j: %s', (id, ok) => {
      expect(TICKET_ID.test(id)).toBe(ok);
    });
  });
});
