import type * as avro from 'avsc';
import { aPrintedTicket } from '../tools/sample-events';
import { readSchema } from './avro-codec';
import { avroType } from './avro-types';

const roundTrip = (type: avro.Type, value: unknown): unknown => type.fromBuffer(type.toBuffer(value));

describe('avro-types', () => {
  describe('avroType', () => {
    describe('timestamp-millis', () => {
      const type = avroType({ type: 'long', logicalType: 'timestamp-millis' } as avro.Schema);

      it.each(['2027-06-12T18:00:00.000Z', '2027-06-12T18:00:00.123Z', '1970-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '2100-01-01T00:00:00.000Z'])(
        'round-trips %s as a Date',
        (iso) => {
          const back = roundTrip(type, new Date(iso));
          expect(back).toBeInstanceOf(Date);
          expect((back as Date).toISOString()).toBe(iso);
        },
      );

      it('encodes a Date as its epoch milliseconds', () => {
        const plain = avroType('long');
        expect(plain.fromBuffer(type.toBuffer(new Date(1_800_000_000_123)))).toBe(1_800_000_000_123);
      });

      it('accepts epoch milliseconds and decodes them as a Date', () => {
        expect(roundTrip(type, 1_800_000_000_000)).toEqual(new Date(1_800_000_000_000));
      });

      it.each([
        ['a string', '2027-06-12'],
        ['null', null],
      ])('refuses %s', (_, value) => {
        expect(type.isValid(value)).toBe(false);
        expect(() => type.toBuffer(value)).toThrow();
      });
    });

    describe('date', () => {
      const type = avroType({ type: 'int', logicalType: 'date' } as avro.Schema);

      it.each(['1990-05-17', '1970-01-01', '1969-12-31', '1900-01-01', '2000-02-29', '2099-12-31'])('round-trips %s as the same string', (day) => {
        expect(roundTrip(type, day)).toBe(day);
      });

      it('encodes a date as days since the epoch', () => {
        const plain = avroType('int');
        expect(plain.fromBuffer(type.toBuffer('1970-01-02'))).toBe(1);
        expect(plain.fromBuffer(type.toBuffer('1969-12-31'))).toBe(-1);
      });

      it('accepts a Date and decodes its UTC day', () => {
        expect(roundTrip(type, new Date('1990-05-17T23:30:00Z'))).toBe('1990-05-17');
      });

      it.each(['17.05.1990', '1990-5-17', '', 'yesterday', '1990-02-30', '1990-04-31', '1900-02-29', '1990-13-01'])('refuses %j', (value) => {
        expect(type.isValid(value)).toBe(false);
      });
    });

    describe('decimal(12,2)', () => {
      const type = avroType({ type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } as avro.Schema);

      it.each(['12.50', '-0.01', '0.00', '99999999.99', '-99999999.99', '0.01', '1.27', '1.28', '-1.28', '-1.29', '2.55', '2.56', '-327.68', '9999999999.99'])(
        'round-trips %s exactly',
        (amount) => {
          expect(roundTrip(type, amount)).toBe(amount);
        },
      );

      it.each([
        ['12.5', '12.50'],
        ['12', '12.00'],
        ['-0', '0.00'],
        [' 7.1 ', '7.10'],
      ])('pads %j to the scale: %j', (input, output) => {
        expect(roundTrip(type, input)).toBe(output);
      });

      it('takes a number at the scale', () => {
        expect(roundTrip(type, 12.5)).toBe('12.50');
      });

      it('encodes the unscaled value as big-endian two’s complement bytes', () => {
        const bytes = avroType('bytes');
        expect(bytes.fromBuffer(type.toBuffer('12.50'))).toEqual(Buffer.from([0x04, 0xe2]));
        expect(bytes.fromBuffer(type.toBuffer('-0.01'))).toEqual(Buffer.from([0xff]));
        expect(bytes.fromBuffer(type.toBuffer('1.28'))).toEqual(Buffer.from([0x00, 0x80]));
        expect(bytes.fromBuffer(type.toBuffer('-1.29'))).toEqual(Buffer.from([0xff, 0x7f]));
      });

      it.each(['1.234', 'abc', '1,50', '', '1e3'])('refuses %j', (value) => {
        expect(type.isValid(value)).toBe(false);
      });
    });

    describe('the ticket-printed-eligible contract', () => {
      const type = avroType(readSchema('ticket-printed-eligible'));

      it('round-trips a full sample ticket', () => {
        const t = aPrintedTicket(
          {
            price: '1234.05',
            culturalContact: {
              contactId: 'C2',
              title: 'M',
              firstName: 'Chris',
              lastName: 'Culture',
              email: 'chris@example.test',
              phone: '+41790000002',
              languageCode: 'de',
            },
            beneficiary: {
              firstName: 'Mia',
              lastName: 'Holder',
              email: null,
              birthDate: '1990-05-17',
              idNumber: 'X1',
              countryCode: 'CH',
              birthRegion: 'BE',
              birthPlace: 'Thun',
            },
            comfortVariables: { tixAct: '-1d', tixStart: null, tixExp: '22/10/27 21:15', tixRGrp: 'G1' },
            validFrom: new Date('2027-01-01T00:00:00.000Z'),
            invalidationReason: 'MOBILE_TAKE_BACK',
            reprintGeneration: 2,
          },
          7,
        );
        expect(type.isValid(t)).toBe(true);
        const back = roundTrip(type, t);
        expect(back).toEqual(t);
      });

      it('round-trips an undated ticket with every optional field empty', () => {
        const base = aPrintedTicket();
        const t = aPrintedTicket({
          seasonCode: null,
          seasonStart: null,
          seasonEnd: null,
          productFamilyCode: null,
          performanceCode: null,
          seatCategoryCode: null,
          price: '0.00',
          seat: null,
          event: { ...base.event, startTime: null, durationMinutes: null, groupName: null, addressLines: [], website: null },
          buyer: { contactId: 'C1', title: null, firstName: null, lastName: null, email: null, phone: null, languageCode: null },
          templateVariables: {},
        });
        expect(roundTrip(type, t)).toEqual(t);
      });

      it('decodes the dates of a ticket as Dates and the price as a string', () => {
        const back = roundTrip(type, aPrintedTicket()) as ReturnType<typeof aPrintedTicket>;
        expect(back.occurredAt).toBeInstanceOf(Date);
        expect(back.event.startTime).toBeInstanceOf(Date);
        expect(back.price).toBe('95.00');
      });
    });
  });
});
