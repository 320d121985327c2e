import { PoisonMessageError } from '../shared/errors';
import { aPrintedTicket } from '../tools/sample-events';
import { TICKET_ID } from '../shared/event-fields';
import { readSchema } from '../kafka/avro-codec';
import { avroType } from '../kafka/avro-types';
import { EligibleSchema, isEligible, parseEligible, type Beneficiary, type TicketPrintedEligible } from './ticket-event';

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

/**
 * `parseEligible` checks the rules in place (`isEligible`) before it asks zod; the two must agree: the
 * check may never accept what the schema refuses, and must accept the records the role sees (Avro
 * records, which hold exactly the schema's fields), returning them as zod's copy would hold them.
 */
describe('isEligible, against the schema', () => {
  const full = (): TicketPrintedEligible =>
    aPrintedTicket({
      beneficiary: beneficiary({ birthRegion: 'Bern', birthPlace: 'Thun' }),
      culturalContact: { ...aPrintedTicket().buyer, contactId: 'C-CULT', phone: '+41 00 000 00 00' },
      comfortVariables: { tixAct: 'start_of_season', tixStart: null, tixExp: 'end_of_season', tixRGrp: 'G1' },
      validFrom: new Date(Date.UTC(2027, 0, 1)),
      validUntil: new Date(Date.UTC(2027, 11, 31)),
      invalidationReason: 'REPRINT',
      event: { ...aPrintedTicket().event, website: 'https://example.test', addressLines: ['a', 'b', 'c'] },
    });
  const type = avroType(readSchema('ticket-printed-eligible'));
  const viaAvro = (t: TicketPrintedEligible): unknown => type.fromBuffer(type.toBuffer(t));
  const zodAccepts = (v: unknown) => EligibleSchema.safeParse(v).success;

  it.each<[string, TicketPrintedEligible]>([
    ['a sample', aPrintedTicket()],
    ['every optional field set', full()],
    [
      'an unseated, undated ticket without contacts',
      aPrintedTicket({ seat: null, event: { ...aPrintedTicket().event, startTime: null, durationMinutes: null, groupName: null }, templateVariables: {} }),
    ],
  ])('accepts %s as Avro decodes it, returning the record itself, equal to what zod returns', (_, t) => {
    const decoded = viaAvro(t);
    expect(isEligible(decoded)).toBe(true);
    const parsed = parseEligible(decoded);
    expect(parsed).toBe(decoded);
    const byZod = EligibleSchema.parse(decoded);
    expect({ ...parsed }).toEqual(byZod);
    expect(JSON.stringify(parsed)).toBe(JSON.stringify(byZod));
  });

  /** Every field of a record (paths into nested objects), with its value. */
  function leaves(v: unknown, path: string[] = []): [string[], unknown][] {
    if (v !== null && typeof v === 'object' && !(v instanceof Date) && !Array.isArray(v)) {
      return Object.entries(v).flatMap(([k, x]) => [[[...path, k], x] as [string[], unknown], ...leaves(x, [...path, k])]);
    }
    if (Array.isArray(v)) return v.map((x, i) => [[...path, String(i)], x] as [string[], unknown]);
    return [];
  }
  const withValue = (t: TicketPrintedEligible, path: readonly string[], value: unknown, remove = false): unknown => {
    const copy = structuredClone(t) as unknown as Record<string, unknown>;
    let o = copy;
    for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
    if (remove) delete o[path.at(-1)!];
    else o[path.at(-1)!] = value;
    return copy;
  };

  const LIMITS = [1, 2, 3, 4, 16, 32, 50, 64, 100, 128, 200, 256, 512, 4096];
  const strings = [
    '',
    'A',
    'AB',
    'ABC',
    'CHF',
    'CH',
    '12.50',
    '0',
    '1234567890.12',
    '12345678901',
    'Europe/Zurich',
    'Nowhere/Else',
    '1990-05-17',
    '1899-12-31',
    '2100-01-01',
    '1990-02-30',
    'a<b',
    ...LIMITS.flatMap((n) => ['a'.repeat(n), 'a'.repeat(n + 1)]),
  ];
  const numbers = [-1, 0, 1, 1.5, 10_000, 10_001, 525_600, 525_601, Number.NaN, Number.POSITIVE_INFINITY];
  const dates = [
    new Date(Number.NaN),
    new Date(Date.UTC(1999, 11, 31, 23, 59, 59)),
    new Date(Date.UTC(2000, 0, 1)),
    new Date(Date.UTC(2100, 11, 31)),
    new Date(Date.UTC(2101, 0, 1)),
  ];
  const others = [null, undefined, {}, [], 'x', 7, new Date(Date.UTC(2027, 0, 1)), ['a'], { a: 'b' }];

  it('agrees with the schema on every field of the record, for values around every rule', () => {
    const t = full();
    let checked = 0;
    for (const [path] of leaves(t)) {
      const candidates = [...strings, ...numbers, ...dates, ...others].map((v) => withValue(t, path, v));
      candidates.push(withValue(t, path, undefined, true));
      for (const c of candidates) {
        const ok = zodAccepts(c);
        // Never more lenient; and as lenient, for these (a difference would send valid records to zod: slower, still right).
        expect([path.join('.'), isEligible(c)]).toEqual([path.join('.'), ok]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(3000);
  });

  it('agrees with the schema on every refusal case above', () => {
    for (const over of [
      { ticketId: '123<script>' },
      { price: '-5.00' },
      { price: '9.999' },
      { currency: 'chf' },
      { occurredAt: new Date(Date.UTC(1970, 0, 2)) },
      withEvent({ timeZone: 'Mars/Olympus_Mons' }),
      withEvent({ durationMinutes: 1.5 }),
      withEvent({ addressLines: ['a', 'b', 'c', 'd'] }),
      { beneficiary: beneficiary({ birthDate: '1990-02-30' }) },
      { templateVariables: { Contact_firstName: 'x'.repeat(4097) } },
    ] as Partial<TicketPrintedEligible>[]) {
      expect(isEligible(aPrintedTicket(over))).toBe(false);
    }
    for (const v of [null, 'ticket', [], 7, new Date()]) expect(isEligible(v)).toBe(false);
  });

  it('leaves a record with a field the schema does not know to zod, which drops it', () => {
    const t = aPrintedTicket();
    for (const extra of [
      { ...t, extra: 'x' },
      { ...t, event: { ...t.event, extra: 'x' } },
      { ...t, buyer: { ...t.buyer, extra: 'x' } },
      { ...t, seat: { ...t.seat!, extra: 'x' } },
    ]) {
      expect(isEligible(extra)).toBe(false);
      expect(parseEligible(extra)).toEqual(t);
    }
    const symbolKeyed = { ...t, templateVariables: { ...t.templateVariables, [Symbol('s')]: 'x' } };
    expect(isEligible(symbolKeyed)).toBe(false);
    const hidden = { ...t, templateVariables: Object.defineProperty({ ...t.templateVariables }, 'hidden', { value: 'x', enumerable: false }) };
    expect(isEligible(hidden)).toBe(false);
    expect(parseEligible(hidden)).toEqual(t);
  });
});
