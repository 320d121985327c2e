import { avroType } from '../kafka/avro-types';
import { readSchema } from '../kafka/avro-codec';
import { aRawFeedRecord } from './feed.fixtures';
import { FEED_RECORD_INVALID, parseFeedRecord, taxNumberOf, ticketIdOf, toHolderUpdated, toPerson } from './feed-record';

const holderUpdated = avroType(readSchema('holder-updated'));
const PERSONAL = ['Ada', 'Lovelace', 'ada@example.test', '1990-12-10', 'X1234567'];

describe('feed-record', () => {
  describe('parseFeedRecord', () => {
    it('maps a valid record: instant as a Date, every person with all eleven fields', () => {
      const parsed = parseFeedRecord(
        aRawFeedRecord({
          status: 'TRANSFERRED',
          version: 4,
          action: 'TRANSFER',
          walletOwner: { email: 'grace@example.test' },
          previousOwner: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.test', idNumber: 'X1234567' },
        }),
      );
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(parsed.record).toEqual({
        ticketId: 'T-1',
        status: 'TRANSFERRED',
        version: 4,
        changedAt: new Date('2030-06-01T10:00:00.000Z'),
        walletOwner: {
          id: null,
          title: null,
          firstName: null,
          lastName: null,
          email: 'grace@example.test',
          phone: null,
          birthDate: null,
          nationality: null,
          idNumber: null,
          countryOfResidence: null,
          languageCode: null,
        },
        ticketHolder: null,
        previousOwner: expect.objectContaining({ firstName: 'Ada', lastName: 'Lovelace', idNumber: 'X1234567', phone: null }),
        transferRecipient: null,
        action: 'TRANSFER',
        eventId: 'EV-1',
      });
    });

    it('accepts absent persons, action and event id', () => {
      const raw = { ticketId: 'T-9', status: 'INJECTED', version: 1, updatedAt: '2030-06-01T10:00:00Z' };
      const parsed = parseFeedRecord(raw);
      expect(parsed).toEqual({
        ok: true,
        record: expect.objectContaining({ walletOwner: null, ticketHolder: null, previousOwner: null, transferRecipient: null, action: null, eventId: null }),
      });
    });

    it('keeps an unknown status: new TIXnGO codes must not make records unusable', () => {
      const parsed = parseFeedRecord(aRawFeedRecord({ status: 'SOMETHING_NEW' }));
      expect(parsed.ok && parsed.record.status).toBe('SOMETHING_NEW');
    });

    it.each([
      ['a string', 'oops', 'record is a string'],
      ['null', null, 'record is null'],
      ['an array', [1, 2], 'record is an array'],
      ['no ticket id', aRawFeedRecord({ ticketId: undefined }), 'ticketId'],
      ['an empty ticket id', aRawFeedRecord({ ticketId: '' }), 'ticketId'],
      ['a ticket id TIXnGO cannot have', aRawFeedRecord({ ticketId: 'T#1' }), 'ticketId'],
      ['no status', aRawFeedRecord({ status: undefined }), 'status'],
      ['a version that is a string', aRawFeedRecord({ version: '3' }), 'version'],
      ['a negative version', aRawFeedRecord({ version: -1 }), 'version'],
      ['a fractional version', aRawFeedRecord({ version: 1.5 }), 'version'],
      ['an updatedAt without offset', aRawFeedRecord({ updatedAt: '2030-06-01T10:00:00' }), 'updatedAt'],
      ['an updatedAt that is not a date', aRawFeedRecord({ updatedAt: 'yesterday' }), 'updatedAt'],
      ['an updatedAt on 30 February', aRawFeedRecord({ updatedAt: '2030-02-30T10:00:00Z' }), 'updatedAt'],
      ['an updatedAt on 29 February of a common year', aRawFeedRecord({ updatedAt: '2031-02-29T10:00:00+01:00' }), 'updatedAt'],
      ['an updatedAt on 31 April', aRawFeedRecord({ updatedAt: '2030-04-31T10:00:00.000Z' }), 'updatedAt'],
      ['an updatedAt at 24:00', aRawFeedRecord({ updatedAt: '2030-06-01T24:00:00Z' }), 'updatedAt'],
      ['an updatedAt with an offset of 24 hours', aRawFeedRecord({ updatedAt: '2030-06-01T10:00:00+24:00' }), 'updatedAt'],
      ['a person that is a string', aRawFeedRecord({ walletOwner: 'Ada Lovelace' }), 'walletOwner'],
      ['a birth date in another format', aRawFeedRecord({ walletOwner: { firstName: 'Ada', birthDate: '10.12.1990' } }), 'walletOwner.birthDate'],
      ['a birth date that is no day', aRawFeedRecord({ walletOwner: { firstName: 'Ada', birthDate: '1990-02-31' } }), 'walletOwner.birthDate'],
      ['an e-mail that is a number', aRawFeedRecord({ ticketHolder: { email: 42 } }), 'ticketHolder.email'],
    ])('turns a record with %s into a poison value naming the problem', (_name, raw, mentions) => {
      const parsed = parseFeedRecord(raw);
      expect(parsed.ok).toBe(false);
      if (parsed.ok) return;
      expect(parsed.error.code).toBe(FEED_RECORD_INVALID);
      expect(parsed.error.kind).toBe('poison');
      expect(parsed.error.message).toContain(mentions);
    });

    it('never quotes holder data in the reason', () => {
      const raws = [
        aRawFeedRecord({
          version: 'Ada Lovelace',
          walletOwner: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.test', birthDate: '1990-12-10' },
        }),
        aRawFeedRecord({ walletOwner: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.test', birthDate: 'ada@example.test' } }),
        aRawFeedRecord({ ticketHolder: { firstName: 7, lastName: 'Lovelace', idNumber: 'X1234567' } }),
        aRawFeedRecord({ updatedAt: 'Lovelace' }),
      ];
      for (const raw of raws) {
        const parsed = parseFeedRecord(raw);
        expect(parsed.ok).toBe(false);
        if (parsed.ok) continue;
        for (const p of PERSONAL) expect(parsed.error.message).not.toContain(p);
      }
    });

    it('gives the ticket id of an unusable record when it has a plausible one', () => {
      expect(parseFeedRecord(aRawFeedRecord({ ticketId: 'T-7', version: 'x' }))).toMatchObject({ ok: false, ticketId: 'T-7' });
      expect(parseFeedRecord(aRawFeedRecord({ ticketId: 'T#7', version: 'x' }))).not.toHaveProperty('ticketId');
    });

    it.each([
      ['2030-06-01T12:00:00+02:00', '2030-06-01T10:00:00.000Z'],
      ['2030-06-01T11:00:00+01', '2030-06-01T10:00:00.000Z'],
      ['2032-02-29T10:00:00.5Z', '2032-02-29T10:00:00.500Z'],
    ])('reads updatedAt %s as the instant %s', (updatedAt, iso) => {
      const parsed = parseFeedRecord(aRawFeedRecord({ updatedAt }));
      expect(parsed.ok && parsed.record.changedAt.toISOString()).toBe(iso);
    });
  });

  describe('ticketIdOf / taxNumberOf', () => {
    it.each([
      [{ ticketId: 'T-1' }, 'T-1'],
      [{ ticketId: 'T#1' }, undefined],
      [{ ticketId: 12 }, undefined],
      ['T-1', undefined],
      [null, undefined],
    ])('ticketIdOf(%j) is %s', (raw, id) => expect(ticketIdOf(raw)).toBe(id));

    it.each([
      [{ taxNumber: '5000001' }, '5000001'],
      [{ taxNumber: ' 5000001 ' }, '5000001'],
      [{ taxNumber: 5000001 }, '5000001'],
      [{ taxNumber: '' }, undefined],
      [{ taxNumber: null }, undefined],
      [{}, undefined],
    ])('taxNumberOf(%j) is %s', (raw, tax) => expect(taxNumberOf(raw)).toBe(tax));
  });

  describe('toPerson', () => {
    it('is null for no person, and fills absent fields with null', () => {
      expect(toPerson(null)).toBeNull();
      expect(toPerson(undefined)).toBeNull();
      expect(Object.keys(toPerson({ email: 'a@example.test' })!)).toHaveLength(11);
    });
  });

  describe('toHolderUpdated', () => {
    it('builds a payload the holder-updated schema accepts and round-trips', () => {
      const parsed = parseFeedRecord(
        aRawFeedRecord({ ticketHolder: { firstName: 'Kim', birthDate: '2001-02-28', nationality: 'CH' }, previousOwner: { email: 'old@example.test' } }),
      );
      if (!parsed.ok) throw parsed.error;
      const observedAt = new Date('2030-06-01T10:00:05.000Z');
      const event = toHolderUpdated(parsed.record, observedAt, 'org-1');
      expect(holderUpdated.isValid(event)).toBe(true);
      const back = holderUpdated.fromBuffer(holderUpdated.toBuffer(event)) as Record<string, unknown>;
      expect(back).toMatchObject({
        ticketId: 'T-1',
        tixngoStatus: 'DOWNLOADED',
        version: 2,
        changedAt: new Date('2030-06-01T10:00:00.000Z'),
        observedAt,
        ticketHolder: expect.objectContaining({ firstName: 'Kim', birthDate: '2001-02-28' }),
        previousOwner: expect.objectContaining({ email: 'old@example.test' }),
        transferRecipient: null,
        action: 'DOWNLOAD',
        eventId: 'EV-1',
        organizerId: 'org-1',
      });
    });

    it('carries the transfer recipient of a pending transfer, the action and the event id', () => {
      const parsed = parseFeedRecord(
        aRawFeedRecord({ status: 'PENDING_TRANSFER', action: 'START_TRANSFER', transferRecipient: { email: 'next@example.test' } }),
      );
      if (!parsed.ok) throw parsed.error;
      const event = toHolderUpdated(parsed.record, new Date('2030-06-01T10:00:05.000Z'), 'org-1');
      expect(holderUpdated.isValid(event)).toBe(true);
      expect(holderUpdated.fromBuffer(holderUpdated.toBuffer(event))).toMatchObject({
        tixngoStatus: 'PENDING_TRANSFER',
        transferRecipient: expect.objectContaining({ email: 'next@example.test', firstName: null }),
        action: 'START_TRANSFER',
        eventId: 'EV-1',
      });
    });

    it('writes null for what TIXnGO did not send', () => {
      const parsed = parseFeedRecord({ ticketId: 'T-9', status: 'INJECTED', version: 1, updatedAt: '2030-06-01T10:00:00Z' });
      if (!parsed.ok) throw parsed.error;
      expect(toHolderUpdated(parsed.record, new Date(), 'org-1')).toMatchObject({ transferRecipient: null, action: null, eventId: null });
    });
  });
});
