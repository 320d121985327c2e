import type { HolderField, InjectFilters } from '../config/load-config';
import { aPrintedTicket } from '../tools/sample-events';
import { listNames, parseTicketList } from '../shared/ticket-list';
import { missingHolderField, selectForInjection, type InjectSelection } from './select';
import type { Beneficiary, TicketPrintedEligible } from './ticket-event';

const NO_FILTERS: InjectFilters = {
  salesChannels: [],
  seasons: [],
  productFamilies: [],
  products: [],
  performances: [],
  tariffs: [],
  seatCategories: [],
  fileNumbers: [],
};

function selection(over: { filters?: Partial<InjectFilters>; force?: string[]; skip?: string[]; mandatory?: HolderField[] } = {}): InjectSelection {
  return {
    filters: { ...NO_FILTERS, ...over.filters },
    force: parseTicketList(over.force ?? []),
    skip: parseTicketList(over.skip ?? []),
    mandatoryHolderFields: over.mandatory ?? [],
  };
}

function aBeneficiary(over: Partial<Beneficiary> = {}): Beneficiary {
  return {
    firstName: 'Mia',
    lastName: 'Holder',
    email: 'mia@example.test',
    birthDate: '1990-05-17',
    idNumber: 'X1234567',
    countryCode: 'CH',
    birthRegion: 'Bern',
    birthPlace: 'Thun',
    ...over,
  };
}

/** A ticket whose every filterable field has a known value. */
const ticket = (over: Partial<TicketPrintedEligible> = {}) =>
  aPrintedTicket({
    ticketId: '100000001',
    taxNumber: '5000001',
    fileNumber: 'F20000',
    salesChannelOfOrigin: 'WEB',
    seasonCode: 'S2027',
    productFamilyCode: 'FOOTBALL',
    productCode: 'P-CUP',
    performanceCode: 'PERF-FINAL',
    tariffCode: 'ADULT',
    seatCategoryCode: 'CAT1',
    ...over,
  });

/** [filter, skip reason, ticket field, the sample ticket's value]. */
type FilterCase = [keyof InjectFilters, string, keyof TicketPrintedEligible, string];
const FILTERS: FilterCase[] = [
  ['salesChannels', 'FILTER_SALES_CHANNEL', 'salesChannelOfOrigin', 'WEB'],
  ['seasons', 'FILTER_SEASON', 'seasonCode', 'S2027'],
  ['productFamilies', 'FILTER_PRODUCT_FAMILY', 'productFamilyCode', 'FOOTBALL'],
  ['products', 'FILTER_PRODUCT', 'productCode', 'P-CUP'],
  ['performances', 'FILTER_PERFORMANCE', 'performanceCode', 'PERF-FINAL'],
  ['tariffs', 'FILTER_TARIFF', 'tariffCode', 'ADULT'],
  ['seatCategories', 'FILTER_SEAT_CATEGORY', 'seatCategoryCode', 'CAT1'],
];
const NULLABLE = FILTERS.filter(([, , field]) => ['seasonCode', 'productFamilyCode', 'performanceCode', 'seatCategoryCode'].includes(field));

describe('select', () => {
  describe('parseTicketList', () => {
    it.each<[string[], string[], string[]]>([
      [[], [], []],
      [['id:123456789'], ['123456789'], []],
      [['12300123'], [], ['12300123']],
      [['id:123456789', ' 12300123'], ['123456789'], ['12300123']],
      [['  id: 42 ', ' ID:43', '  7  '], ['42', '43'], ['7']],
      [['', '   '], [], []],
    ])('reads %j as ticket ids %j and tax numbers %j', (entries, ids, taxes) => {
      const list = parseTicketList(entries);
      expect([...list.ticketIds]).toEqual(ids);
      expect([...list.taxNumbers]).toEqual(taxes);
    });
  });

  describe('listNames', () => {
    const list = parseTicketList(['id:111', '999']);
    it.each([
      ['its ticket id is listed with id:', { ticketId: '111', taxNumber: '0' }, true],
      ['its tax number is listed bare', { ticketId: '0', taxNumber: '999' }, true],
      ['neither is listed', { ticketId: '999', taxNumber: '111' }, false],
    ])('names a ticket when %s', (_, t, expected) => {
      expect(listNames(list, t)).toBe(expected);
    });

    it('does not take a bare entry for a ticket id nor an id: entry for a tax number', () => {
      expect(listNames(parseTicketList(['111']), { ticketId: '111', taxNumber: 'x' })).toBe(false);
      expect(listNames(parseTicketList(['id:999']), { ticketId: 'x', taxNumber: '999' })).toBe(false);
    });
  });

  describe('selectForInjection', () => {
    it('injects every ticket when no filter is set (empty filter matches all)', () => {
      expect(selectForInjection(ticket(), selection())).toBeUndefined();
      expect(selectForInjection(ticket({ seasonCode: null, performanceCode: null }), selection())).toBeUndefined();
    });

    it.each(FILTERS)('keeps a ticket whose value is in the %s filter', (filter, _reason, field, value) => {
      expect(selectForInjection(ticket({ [field]: value }), selection({ filters: { [filter]: ['OTHER', value] } }))).toBeUndefined();
    });

    it.each(FILTERS)('skips a ticket whose value is not in the %s filter, with %s', (filter, reason, field, value) => {
      expect(selectForInjection(ticket({ [field]: value }), selection({ filters: { [filter]: ['OTHER'] } }))).toBe(reason);
    });

    it.each(NULLABLE)('skips a ticket without a value (null) when the %s filter is set, with %s', (filter, reason, field) => {
      expect(selectForInjection(ticket({ [field]: null }), selection({ filters: { [filter]: ['OTHER'] } }))).toBe(reason);
    });

    it.each(NULLABLE)('keeps a ticket without a value when the %s filter is empty', (_filter, _reason, field) => {
      expect(selectForInjection(ticket({ [field]: null }), selection())).toBeUndefined();
    });

    const ALL_SET: Partial<InjectFilters> = Object.fromEntries(FILTERS.map(([filter, , , value]) => [filter, [value]]));

    it('keeps a ticket that matches every filter at once (AND)', () => {
      expect(selectForInjection(ticket(), selection({ filters: ALL_SET }))).toBeUndefined();
    });

    it.each(FILTERS)('skips a ticket that matches all filters but %s, with %s (AND)', (_filter, reason, field) => {
      expect(selectForInjection(ticket({ [field]: 'ELSEWHERE' }), selection({ filters: ALL_SET }))).toBe(reason);
    });

    describe('file-number filter', () => {
      it('keeps a ticket of a listed file even though it fails every other filter', () => {
        const other = Object.fromEntries(FILTERS.map(([filter]) => [filter, ['NOPE']]));
        expect(selectForInjection(ticket(), selection({ filters: { ...other, fileNumbers: ['F1', 'F20000'] } }))).toBeUndefined();
      });

      it('skips with FILTER_FILE_NUMBER a ticket that matches every other filter but not the file number', () => {
        expect(selectForInjection(ticket(), selection({ filters: { ...ALL_SET, fileNumbers: ['F1'] } }))).toBe('FILTER_FILE_NUMBER');
      });
    });

    describe('force and skip lists', () => {
      const failing = selection({ filters: { tariffs: ['CHILD'], fileNumbers: [] } });

      it.each([
        ['its ticket id', ['id:100000001']],
        ['its tax number', ['5000001']],
        ['either form in a mixed list with spaces', ['id:9', ' 5000001 ', 'id: 100000001']],
      ])('forces a ticket past the filters by %s', (_, force) => {
        expect(selectForInjection(ticket(), failing)).toBe('FILTER_TARIFF');
        expect(selectForInjection(ticket(), { ...failing, force: parseTicketList(force) })).toBeUndefined();
      });

      it('forces a ticket past the file-number filter too', () => {
        const s = selection({ filters: { fileNumbers: ['F1'] }, force: ['id:100000001'] });
        expect(selectForInjection(ticket(), s)).toBeUndefined();
      });

      it('does not force a ticket past the mandatory holder fields', () => {
        const s = selection({ filters: { tariffs: ['CHILD'] }, force: ['id:100000001'], mandatory: ['LASTNAME'] });
        expect(selectForInjection(ticket({ beneficiary: aBeneficiary({ lastName: null }) }), s)).toBe('MISSING_HOLDER_LASTNAME');
      });

      it.each([
        ['its ticket id', ['id:100000001']],
        ['its tax number', ['5000001']],
      ])('skips with SKIP_LIST a ticket named by %s, even when it matches every filter', (_, skip) => {
        expect(selectForInjection(ticket(), selection({ filters: ALL_SET, skip }))).toBe('SKIP_LIST');
      });

      it('lets the skip list win over the force list', () => {
        expect(selectForInjection(ticket(), selection({ force: ['id:100000001'], skip: ['5000001'] }))).toBe('SKIP_LIST');
      });

      it('leaves tickets the lists do not name to the filters', () => {
        expect(selectForInjection(ticket(), { ...failing, force: parseTicketList(['id:1', '2']), skip: parseTicketList(['id:3']) })).toBe('FILTER_TARIFF');
      });
    });

    describe('mandatory holder fields', () => {
      const ALL: HolderField[] = ['FIRSTNAME', 'LASTNAME', 'BIRTHDATE', 'ID_NUMBER', 'COUNTRY_CODE', 'BIRTH_REGION', 'BIRTH_PLACE'];
      const FIELD: [HolderField, keyof Beneficiary][] = [
        ['FIRSTNAME', 'firstName'],
        ['LASTNAME', 'lastName'],
        ['BIRTHDATE', 'birthDate'],
        ['ID_NUMBER', 'idNumber'],
        ['COUNTRY_CODE', 'countryCode'],
        ['BIRTH_REGION', 'birthRegion'],
        ['BIRTH_PLACE', 'birthPlace'],
      ];

      it('keeps a ticket whose holder has every mandatory field', () => {
        expect(selectForInjection(ticket({ beneficiary: aBeneficiary() }), selection({ mandatory: ALL }))).toBeUndefined();
      });

      it.each(FIELD)('skips with MISSING_HOLDER_%s a holder without %s', (field, prop) => {
        const t = ticket({ beneficiary: aBeneficiary({ [prop]: null }) });
        expect(selectForInjection(t, selection({ mandatory: ALL }))).toBe(`MISSING_HOLDER_${field}`);
      });

      it.each(FIELD)('counts a blank %s (%s) as missing', (field, prop) => {
        const t = ticket({ beneficiary: aBeneficiary({ [prop]: '   ' }) });
        expect(selectForInjection(t, selection({ mandatory: [field] }))).toBe(`MISSING_HOLDER_${field}`);
      });

      it('ignores a missing field that is not mandatory', () => {
        const t = ticket({ beneficiary: aBeneficiary({ idNumber: null, birthPlace: '' }) });
        expect(selectForInjection(t, selection({ mandatory: ['FIRSTNAME', 'LASTNAME'] }))).toBeUndefined();
      });

      it('skips a ticket without any beneficiary, naming the first mandatory field', () => {
        expect(selectForInjection(ticket({ beneficiary: null }), selection({ mandatory: ['BIRTHDATE', 'LASTNAME'] }))).toBe('MISSING_HOLDER_BIRTHDATE');
      });

      it('keeps a ticket without any beneficiary when no field is mandatory', () => {
        expect(selectForInjection(ticket({ beneficiary: null }), selection())).toBeUndefined();
      });

      it('reports a filter miss before a missing holder field', () => {
        expect(selectForInjection(ticket({ beneficiary: null }), selection({ filters: { tariffs: ['CHILD'] }, mandatory: ['LASTNAME'] }))).toBe(
          'FILTER_TARIFF',
        );
      });
    });
  });

  describe('missingHolderField', () => {
    it.each<[string, Beneficiary | null, HolderField[], HolderField | undefined]>([
      ['nothing is required', null, [], undefined],
      ['all required fields are filled', aBeneficiary(), ['FIRSTNAME', 'BIRTH_PLACE'], undefined],
      ['there is no beneficiary', null, ['COUNTRY_CODE'], 'COUNTRY_CODE'],
      ['a field is null', aBeneficiary({ countryCode: null }), ['FIRSTNAME', 'COUNTRY_CODE'], 'COUNTRY_CODE'],
      ['a field is an empty string', aBeneficiary({ firstName: '' }), ['FIRSTNAME'], 'FIRSTNAME'],
      ['a field is only spaces and tabs', aBeneficiary({ birthRegion: ' \t ' }), ['BIRTH_REGION'], 'BIRTH_REGION'],
      ['several are missing (the first required one)', aBeneficiary({ lastName: null, idNumber: null }), ['ID_NUMBER', 'LASTNAME'], 'ID_NUMBER'],
    ])('answers the first missing required field when %s', (_, b, required, expected) => {
      expect(missingHolderField(b, required)).toBe(expected);
    });
  });
});
