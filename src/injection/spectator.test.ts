import type { HolderPerson, HolderState } from '../store/holder-store';
import { aPrintedTicket } from '../tools/sample-events';
import { chooseSpectator, isMainApplicant, type AssigneeSettings, type SpectatorSource } from './spectator';
import type { Beneficiary, Contact, TicketPrintedEligible } from './ticket-event';

const buyer: Contact = {
  contactId: 'C1',
  title: 'F',
  firstName: 'Alex',
  lastName: 'Buyer',
  email: 'alex.buyer@example.test',
  phone: '+41790000001',
  languageCode: 'en',
};

const cultural: Contact = {
  contactId: 'C2',
  title: 'M',
  firstName: 'Chris',
  lastName: 'Culture',
  email: 'chris@example.test',
  phone: null,
  languageCode: 'de',
};

const owner: HolderPerson = { firstName: 'Wendy', lastName: 'Wallet', email: 'wendy@example.test', phone: '+41790000003', languageCode: 'fr' };

function beneficiary(over: Partial<Beneficiary> = {}): Beneficiary {
  return {
    firstName: 'Alex',
    lastName: 'Buyer',
    email: 'alex.buyer@example.test',
    birthDate: null,
    idNumber: null,
    countryCode: null,
    birthRegion: null,
    birthPlace: null,
    ...over,
  };
}

function holderState(walletOwner: HolderPerson | null): HolderState {
  const at = new Date(Date.UTC(2027, 0, 1));
  return { _id: '100000001', status: 'ACTIVE', version: 3, changedAt: at, walletOwner, ticketHolder: null, previousOwner: null, observedAt: at };
}

const ON: AssigneeSettings = { overlayLastOwner: true, resetInvalidationReasons: ['MOBILE_TAKE_BACK'] };

describe('spectator', () => {
  describe('isMainApplicant', () => {
    it('is true when first name, last name and e-mail all match the buyer', () => {
      expect(isMainApplicant(beneficiary(), buyer)).toBe(true);
    });

    it.each([
      ['case', { firstName: 'ALEX', lastName: 'buyer', email: 'Alex.Buyer@Example.TEST' }],
      ['surrounding spaces', { firstName: '  Alex', lastName: 'Buyer  ', email: ' alex.buyer@example.test ' }],
    ])('ignores %s', (_, over) => {
      expect(isMainApplicant(beneficiary(over), buyer)).toBe(true);
    });

    it.each([
      ['the first name', { firstName: 'Alexa' }],
      ['the last name', { lastName: 'Buyers' }],
      ['the e-mail', { email: 'other@example.test' }],
    ])('is false when only %s differs', (_, over) => {
      expect(isMainApplicant(beneficiary(over), buyer)).toBe(false);
    });

    it('is false without a beneficiary', () => {
      expect(isMainApplicant(null, buyer)).toBe(false);
    });

    it.each<[string, Partial<Beneficiary>, Partial<Contact>]>([
      ['both e-mails are null', { email: null }, { email: null }],
      ['both e-mails are empty', { email: '' }, { email: '' }],
      ['both e-mails are blank', { email: '  ' }, { email: ' ' }],
      ['both first names are null', { firstName: null }, { firstName: null }],
      ['both last names are blank', { lastName: ' \t' }, { lastName: '   ' }],
    ])('is false when %s (empty values never match)', (_, b, c) => {
      expect(isMainApplicant(beneficiary(b), { ...buyer, ...c })).toBe(false);
    });

    it("never uses the cultural contact's values", () => {
      // The beneficiary is the cultural contact, not the buyer: no main applicant.
      const t = aPrintedTicket({
        buyer,
        culturalContact: cultural,
        beneficiary: beneficiary({ firstName: 'Chris', lastName: 'Culture', email: 'chris@example.test' }),
      });
      expect(isMainApplicant(t.beneficiary, t.buyer)).toBe(false);
      // The beneficiary is the buyer, whoever the cultural contact is: main applicant.
      expect(isMainApplicant(beneficiary(), t.buyer)).toBe(true);
    });
  });

  describe('chooseSpectator', () => {
    it('chooses the cultural contact when there is one', () => {
      const s = chooseSpectator(aPrintedTicket({ buyer, culturalContact: cultural }), undefined, ON);
      expect(s).toEqual({
        source: 'CULTURAL_CONTACT',
        title: 'M',
        firstName: 'Chris',
        lastName: 'Culture',
        email: 'chris@example.test',
        phone: null,
        languageCode: 'de',
      });
    });

    it('falls back to the purchaser without a cultural contact', () => {
      const s = chooseSpectator(aPrintedTicket({ buyer, culturalContact: null }), undefined, ON);
      expect(s).toEqual({
        source: 'PURCHASER',
        title: 'F',
        firstName: 'Alex',
        lastName: 'Buyer',
        email: 'alex.buyer@example.test',
        phone: '+41790000001',
        languageCode: 'en',
      });
    });

    it('falls back to the purchaser when the cultural contact has neither e-mail nor last name', () => {
      const s = chooseSpectator(aPrintedTicket({ buyer, culturalContact: { ...cultural, email: ' ', lastName: null } }), undefined, ON);
      expect(s.source).toBe('PURCHASER');
    });

    it("gives a reprinted ticket to its last known holder's wallet owner", () => {
      const t = aPrintedTicket({ buyer, culturalContact: cultural, reprintGeneration: 1 });
      expect(chooseSpectator(t, holderState(owner), ON)).toEqual({
        source: 'LAST_KNOWN_HOLDER',
        title: null,
        firstName: 'Wendy',
        lastName: 'Wallet',
        email: 'wendy@example.test',
        phone: '+41790000003',
        languageCode: 'fr',
      });
    });

    it.each<[string, SpectatorSource, Partial<TicketPrintedEligible>, HolderState | undefined, AssigneeSettings]>([
      ['a reprint with a known owner', 'LAST_KNOWN_HOLDER', { reprintGeneration: 2 }, holderState(owner), ON],
      ['a first issue, even with a known owner', 'CULTURAL_CONTACT', { reprintGeneration: 0 }, holderState(owner), ON],
      ['a reprint with overlaying off', 'CULTURAL_CONTACT', { reprintGeneration: 1 }, holderState(owner), { ...ON, overlayLastOwner: false }],
      [
        'a reprint invalidated for a reset reason',
        'CULTURAL_CONTACT',
        { reprintGeneration: 1, invalidationReason: 'MOBILE_TAKE_BACK' },
        holderState(owner),
        ON,
      ],
      ['a reprint invalidated for another reason', 'LAST_KNOWN_HOLDER', { reprintGeneration: 1, invalidationReason: 'LOST_PHONE' }, holderState(owner), ON],
      ['a reprint without holder state', 'CULTURAL_CONTACT', { reprintGeneration: 1 }, undefined, ON],
      ['a reprint whose holder has no wallet owner', 'CULTURAL_CONTACT', { reprintGeneration: 1 }, holderState(null), ON],
      [
        'a reprint whose wallet owner has neither e-mail nor last name',
        'CULTURAL_CONTACT',
        { reprintGeneration: 1 },
        holderState({ firstName: 'Anon', email: '' }),
        ON,
      ],
      ['a reprint without holder and without cultural contact', 'PURCHASER', { reprintGeneration: 1, culturalContact: null }, undefined, ON],
    ])('for %s, chooses the %s', (_, expected, over, holder, settings) => {
      const t = aPrintedTicket({ buyer, culturalContact: cultural, ...over });
      expect(chooseSpectator(t, holder, settings).source).toBe(expected);
    });
  });
});
