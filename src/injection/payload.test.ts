import { ConfigError, PoisonMessageError } from '../shared/errors';
import type { HolderState } from '../store/holder-store';
import { aPrintedTicket } from '../tools/sample-events';
import { toInjectPayload, type PayloadSettings } from './payload';
import { parseTemplate } from './template';
import type { Beneficiary, TicketPrintedEligible } from './ticket-event';

const SETTINGS: PayloadSettings = {
  barcodePrefix: '',
  barcodePostfix: '',
  activationMethod: 'online',
  template: undefined,
  overlayLastOwner: true,
  resetInvalidationReasons: [],
};

const utc = (iso: string) => new Date(iso);

function map(over: Partial<TicketPrintedEligible> = {}, settings: Partial<PayloadSettings> = {}, holder?: HolderState) {
  return toInjectPayload(aPrintedTicket(over), holder, { ...SETTINGS, ...settings });
}
const payload = (over: Partial<TicketPrintedEligible> = {}, settings: Partial<PayloadSettings> = {}) => map(over, settings).payload;

/** A ticket without a performance date (a service, an open pass). */
function undated(over: Partial<TicketPrintedEligible> = {}): Partial<TicketPrintedEligible> {
  const base = aPrintedTicket();
  return { performanceCode: null, ...over, event: { ...base.event, startTime: null, durationMinutes: null, ...over.event } };
}

const comfort = (c: Partial<NonNullable<TicketPrintedEligible['comfortVariables']>>) => ({
  comfortVariables: { tixAct: null, tixStart: null, tixExp: null, tixRGrp: null, ...c },
});

const event = (e: Partial<TicketPrintedEligible['event']>) => ({ event: { ...aPrintedTicket().event, ...e } });

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

const holderLike: Beneficiary = {
  firstName: 'Alex',
  lastName: 'Buyer1',
  email: 'buyer1@example.test',
  birthDate: '1990-05-17',
  idNumber: 'X1234567',
  countryCode: 'CH',
  birthRegion: null,
  birthPlace: '',
};

describe('payload', () => {
  describe('toInjectPayload', () => {
    it('fills every block TIXnGO requires', () => {
      const p = payload({ ticketId: '100000042' });
      for (const block of ['event', 'activationParameters', 'purchaseDetails', 'security', 'spectatorDetails', 'ticketId']) {
        expect(p).toHaveProperty(block);
      }
      expect(p.ticketId).toBe('100000042');
      expect(p).toMatchObject({
        event: {
          id: 'EVT-PERF-FINAL',
          name: 'Cup Final',
          timeZone: 'Europe/Zurich',
          address: { site: 'Stadium North', city: 'Bern', zip: '3000', countryCode: 'CH', line1: 'Papiermühlestrasse 71' },
          group: { name: 'National Cup' },
        },
        activationParameters: { method: 'online' },
        purchaseDetails: { fileNumber: 'F20000', taxNumber: '5000001', purchaseCurrency: 'CHF', category: 'CAT1' },
        security: { barcode: 'BC0000007919' },
        ticketDetails: { hidden: [{ key: 'S360_GENERATION', value: '0' }] },
      });
    });

    describe('event times', () => {
      it.each([
        [
          'in summer, with its duration',
          { startTime: utc('2027-06-12T18:00:00Z'), durationMinutes: 120 },
          '2027-06-12T20:00:00+02:00',
          '2027-06-12T22:00:00+02:00',
        ],
        [
          'in winter, with its duration',
          { startTime: utc('2027-01-15T18:00:00Z'), durationMinutes: 90 },
          '2027-01-15T19:00:00+01:00',
          '2027-01-15T20:30:00+01:00',
        ],
        [
          'without duration (+24 h)',
          { startTime: utc('2027-06-12T18:00:00Z'), durationMinutes: null },
          '2027-06-12T20:00:00+02:00',
          '2027-06-13T20:00:00+02:00',
        ],
        ['with a zero duration', { startTime: utc('2027-06-12T18:00:00Z'), durationMinutes: 0 }, '2027-06-12T20:00:00+02:00', '2027-06-12T20:00:00+02:00'],
        [
          'across the autumn DST change (+24 h elapsed)',
          { startTime: utc('2027-10-30T18:00:00Z'), durationMinutes: null },
          '2027-10-30T20:00:00+02:00',
          '2027-10-31T19:00:00+01:00',
        ],
        [
          'in New York',
          { startTime: utc('2027-06-12T23:30:00Z'), durationMinutes: 150, timeZone: 'America/New_York' },
          '2027-06-12T19:30:00-04:00',
          '2027-06-12T22:00:00-04:00',
        ],
        ['in UTC', { startTime: utc('2027-06-12T18:00:00Z'), durationMinutes: 60, timeZone: 'UTC' }, '2027-06-12T18:00:00+00:00', '2027-06-12T19:00:00+00:00'],
      ])('are venue-local with their offset %s', (_, e, start, expiry) => {
        expect(payload(event(e)).event).toMatchObject({ startTime: start, expirationDate: expiry });
      });

      it('take an undated ticket from its validity dates', () => {
        const p = payload(undated({ validFrom: utc('2027-01-01T08:00:00Z'), validUntil: utc('2027-12-31T22:00:00Z') }));
        expect(p.event).toMatchObject({ startTime: '2027-01-01T09:00:00+01:00', expirationDate: '2027-12-31T23:00:00+01:00' });
      });

      it('take an undated ticket from TIXStart and TIXExp before its validity dates', () => {
        const p = payload(
          undated({
            validFrom: utc('2027-01-01T08:00:00Z'),
            validUntil: utc('2027-12-31T22:00:00Z'),
            ...comfort({ tixStart: '01/07/27 10:00', tixExp: '+2w' }),
          }),
        );
        expect(p.event).toMatchObject({ startTime: '2027-07-01T10:00:00+02:00', expirationDate: '2027-07-15T10:00:00+02:00' });
      });

      it('take an undated ticket without validity dates from TIXStart and TIXExp', () => {
        const p = payload(undated(comfort({ tixStart: 'start_of_season', tixExp: 'end_of_season' })));
        expect(p.event).toMatchObject({ startTime: '2026-08-01T02:00:00+02:00', expirationDate: '2027-07-31T02:00:00+02:00' });
      });

      it('let TIXStart move a dated ticket, relative to the performance start', () => {
        const p = payload(comfort({ tixStart: '-3h' }));
        expect(p.event).toMatchObject({ startTime: '2027-06-12T17:00:00+02:00', expirationDate: '2027-06-12T22:00:00+02:00' });
      });

      it.each<[string, Partial<TicketPrintedEligible>, string]>([
        ['no start at all', undated({ validUntil: utc('2027-12-31T00:00:00Z') }), 'EVENT_MISSING_START'],
        ['a start but no expiry', undated({ validFrom: utc('2027-01-01T00:00:00Z') }), 'EVENT_MISSING_EXPIRY'],
        ['TIXStart but no expiry', undated(comfort({ tixStart: '01/07/27 10:00' })), 'EVENT_MISSING_EXPIRY'],
        [
          'an expiry before the start',
          undated({ validFrom: utc('2027-06-01T00:00:00Z'), validUntil: utc('2027-05-01T00:00:00Z') }),
          'EVENT_EXPIRY_BEFORE_START',
        ],
        ['an unusable comfort variable', comfort({ tixExp: 'next tuesday' }), 'COMFORT_VARIABLE_INVALID'],
      ])('refuse an undated ticket with %s as a poison message (%s)', (_, over, code) => {
        const e = thrown(() => payload(over));
        expect(e).toBeInstanceOf(PoisonMessageError);
        expect(e).toMatchObject({ kind: 'poison', code });
      });
    });

    describe('activation parameters', () => {
      it('leave out the time and group without TIXAct and TIXRGrp', () => {
        expect(payload().activationParameters).toEqual({ method: 'online' });
      });

      it.each([
        ['a relative TIXAct from the start', '-1d', '2027-06-11T20:00:00+02:00'],
        ['an absolute TIXAct', '10/06/27 09:00', '2027-06-10T09:00:00+02:00'],
        ['TIXAct at the season start', 'start_of_season', '2026-08-01T02:00:00+02:00'],
      ])('set time from %s, venue-local', (_, tixAct, time) => {
        expect(payload(comfort({ tixAct })).activationParameters).toEqual({ method: 'online', time });
      });

      it('set groupId from TIXRGrp', () => {
        expect(payload(comfort({ tixRGrp: 'GROUP-7' })).activationParameters).toEqual({ method: 'online', groupId: 'GROUP-7' });
      });

      it('take the method from the settings', () => {
        expect(payload({}, { activationMethod: 'offline' }).activationParameters).toEqual({ method: 'offline' });
      });
    });

    it.each([
      ['', '', 'BC0000007919'],
      ['PRE-', '', 'PRE-BC0000007919'],
      ['', '-POST', 'BC0000007919-POST'],
      ['<', '>', '<BC0000007919>'],
    ])('wraps the barcode in the prefix %j and postfix %j', (barcodePrefix, barcodePostfix, barcode) => {
      expect(payload({}, { barcodePrefix, barcodePostfix }).security).toEqual({ barcode });
    });

    it.each([
      ['95.00', 95],
      ['0.50', 0.5],
      ['0', 0],
      ['1234567890.99', 1234567890.99],
    ])('sends the price %s as the number %d', (price, purchasePrice) => {
      const p = payload({ price });
      expect(p).toHaveProperty('purchaseDetails.purchasePrice', purchasePrice);
      expect(typeof (p.purchaseDetails as { purchasePrice: unknown }).purchasePrice).toBe('number');
    });

    describe('spectator', () => {
      it.each<[string, Beneficiary | null, boolean]>([
        ['the beneficiary is the buyer', holderLike, true],
        ['the beneficiary is the buyer, written differently', { ...holderLike, firstName: ' ALEX ', email: 'BUYER1@example.test' }, true],
        ['the beneficiary has another e-mail', { ...holderLike, email: 'other@example.test' }, false],
        ['there is no beneficiary', null, false],
      ])('flags mainApplicant when %s: %s', (_, beneficiary, main) => {
        expect(payload({ beneficiary })).toHaveProperty('spectatorDetails.mainApplicant', main);
      });

      it('goes to the cultural contact, else the purchaser', () => {
        const culturalContact = {
          contactId: 'C9',
          title: 'Mr',
          firstName: 'Chris',
          lastName: 'Culture',
          email: 'chris@example.test',
          phone: null,
          languageCode: 'de',
        };
        const withContact = map({ culturalContact });
        expect(withContact.spectatorSource).toBe('CULTURAL_CONTACT');
        expect(withContact.payload.spectatorDetails).toEqual({
          gender: 'M',
          firstName: 'Chris',
          lastName: 'Culture',
          email: 'chris@example.test',
          appLanguage: 'de',
          mainApplicant: false,
        });
        const withoutContact = map();
        expect(withoutContact.spectatorSource).toBe('PURCHASER');
        expect(withoutContact.payload.spectatorDetails).toEqual({
          gender: 'F',
          firstName: 'Alex',
          lastName: 'Buyer1',
          email: 'buyer1@example.test',
          appLanguage: 'en',
          mainApplicant: false,
        });
      });

      it('goes to the last known holder for a reprint', () => {
        const at = utc('2027-01-01T00:00:00Z');
        const holder: HolderState = {
          _id: '100000001',
          status: 'ACTIVE',
          version: 2,
          changedAt: at,
          observedAt: at,
          walletOwner: { firstName: 'Wendy', lastName: 'Wallet', email: 'wendy@example.test' },
          ticketHolder: null,
          previousOwner: null,
        };
        const m = map({ reprintGeneration: 1 }, {}, holder);
        expect(m.spectatorSource).toBe('LAST_KNOWN_HOLDER');
        expect(m.payload).toHaveProperty('spectatorDetails.email', 'wendy@example.test');
        expect(m.payload).toHaveProperty('ticketDetails.hidden', [{ key: 'S360_GENERATION', value: '1' }]);
      });
    });

    it('sends the filled holder fields only', () => {
      expect(payload({ beneficiary: holderLike }).holderDetails).toEqual({
        firstName: 'Alex',
        lastName: 'Buyer1',
        birthDate: '1990-05-17',
        idNumber: 'X1234567',
        countryCode: 'CH',
      });
      expect(payload({ beneficiary: null })).not.toHaveProperty('holderDetails');
    });

    it('describes the seat, and an unseated ticket as not seated', () => {
      expect(payload().seatingDetails).toMatchObject({ seated: 'Y', numbered: 'Y', gate: 'G4', block: 'B12', row: '7', seat: '2', area: 'North' });
      expect(payload().ticketDetails).toMatchObject({
        main: [
          { key: 'Entrance', value: 'E1' },
          { key: 'Gate', value: 'G4' },
          { key: 'Block', value: 'B12' },
          { key: 'Row', value: '7' },
          { key: 'Seat', value: '2' },
        ],
      });
      expect(payload({ seat: null }).seatingDetails).toEqual({ seatCategoryId: 'CAT1', tariffId: 'ADULT', seated: 'N', numbered: 'N' });
    });

    describe('with a ticket template', () => {
      const template = parseTemplate(
        JSON.stringify({
          'event.name': '${Performance_hostTeam} - ${Performance_opposingTeam}',
          'ticketDetails.main.0.key': 'Price',
          'ticketDetails.main.0.value': '${Amount_unitAmount} ${Amount_currency}',
          'event.address.line2': '${Missing_variable}',
        }),
      );

      it('overwrites the mapped values it names and keeps event.id and the dates', () => {
        const p = payload({}, { template });
        expect(p.event).toMatchObject({
          id: 'EVT-PERF-FINAL',
          name: 'Host FC - Guest FC',
          startTime: '2027-06-12T20:00:00+02:00',
          expirationDate: '2027-06-12T22:00:00+02:00',
          address: { line1: 'Papiermühlestrasse 71', line2: '' },
        });
        expect(p).toHaveProperty('ticketDetails.main.0', { key: 'Price', value: '95.00 CHF' });
        expect(p).toHaveProperty('ticketDetails.main.1', { key: 'Gate', value: 'G4' });
      });

      it("formats the start date in the venue's zone and language, and the amount, as S-360's editor writes them", () => {
        const formatted = parseTemplate(
          JSON.stringify({
            'ticketDetails.main.0.key': 'Anpfiff',
            'ticketDetails.main.0.value': '${Performance_startDate;format=EEEE d. MMMM yyyy, HH:mm;language=de}',
            'ticketDetails.main.1.key': 'Preis',
            'ticketDetails.main.1.value': '${Amount_unitAmount;format=#,##0.00;language=de} ${Amount_currency}',
          }),
        );
        const main = (p: ReturnType<typeof payload>) => (p.ticketDetails as { main: unknown[] }).main.slice(0, 2);
        expect(main(payload({}, { template: formatted }))).toEqual([
          { key: 'Anpfiff', value: 'Samstag 12. Juni 2027, 20:00' },
          { key: 'Preis', value: '95,00 CHF' },
        ]);
        // The same instant at a venue in New York: its local day and time.
        expect(main(payload(event({ timeZone: 'America/New_York' }), { template: formatted }))).toEqual([
          { key: 'Anpfiff', value: 'Samstag 12. Juni 2027, 14:00' },
          { key: 'Preis', value: '95,00 CHF' },
        ]);
      });

      it('dead-letters a ticket whose template variable cannot be formatted, naming the placeholder', () => {
        const formatted = parseTemplate(JSON.stringify({ 'ticketDetails.main.0.value': '${Match_day;format=dd.MM.yyyy}' }));
        const e = thrown(() => payload({ templateVariables: { Match_day: 'soon' } }, { template: formatted }));
        expect(e).toBeInstanceOf(PoisonMessageError);
        expect(e).toMatchObject({ code: 'TEMPLATE_VALUE_INVALID', message: expect.stringContaining('${Match_day;format=dd.MM.yyyy}') });
      });

      it('cannot touch event.id: such a template is refused before any ticket is mapped', () => {
        expect(() => parseTemplate(JSON.stringify({ 'event.id': '${Performance_code}' }))).toThrow(ConfigError);
      });
    });
  });
});
