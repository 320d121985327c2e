import type { HolderField, InjectFilters } from '../config/load-config';
import { listNames, type TicketList } from '../shared/ticket-list';
import type { Beneficiary, TicketPrintedEligible } from './ticket-event';

export interface InjectSelection {
  readonly filters: InjectFilters;
  readonly force: TicketList;
  readonly skip: TicketList;
  readonly mandatoryHolderFields: readonly HolderField[];
}

const HOLDER_FIELD_OF: Record<HolderField, keyof Beneficiary> = {
  FIRSTNAME: 'firstName',
  LASTNAME: 'lastName',
  BIRTHDATE: 'birthDate',
  ID_NUMBER: 'idNumber',
  COUNTRY_CODE: 'countryCode',
  BIRTH_REGION: 'birthRegion',
  BIRTH_PLACE: 'birthPlace',
};

/**
 * S-360's injection selection, pure. Returns the skip reason, or `undefined` to inject.
 * - The skip list wins over everything, the force list over the filters.
 * - A file-number filter, when set, replaces all the other filters.
 * - Otherwise every configured filter must match (logical AND); an empty filter matches all.
 * - Tickets missing a mandatory holder field are skipped (not failed), forced or not: TIXnGO needs them.
 */
export function selectForInjection(t: TicketPrintedEligible, s: InjectSelection): string | undefined {
  if (listNames(s.skip, t)) return 'SKIP_LIST';
  if (!listNames(s.force, t)) {
    const f = s.filters;
    if (f.fileNumbers.length > 0) {
      if (!f.fileNumbers.includes(t.fileNumber)) return 'FILTER_FILE_NUMBER';
    } else {
      // In this order; checked one by one (no table built per ticket: this runs for every record).
      if (refuses(f.salesChannels, t.salesChannelOfOrigin)) return 'FILTER_SALES_CHANNEL';
      if (refuses(f.seasons, t.seasonCode)) return 'FILTER_SEASON';
      if (refuses(f.productFamilies, t.productFamilyCode)) return 'FILTER_PRODUCT_FAMILY';
      if (refuses(f.products, t.productCode)) return 'FILTER_PRODUCT';
      if (refuses(f.performances, t.performanceCode)) return 'FILTER_PERFORMANCE';
      if (refuses(f.tariffs, t.tariffCode)) return 'FILTER_TARIFF';
      if (refuses(f.seatCategories, t.seatCategoryCode)) return 'FILTER_SEAT_CATEGORY';
    }
  }
  const missing = missingHolderField(t.beneficiary, s.mandatoryHolderFields);
  return missing ? `MISSING_HOLDER_${missing}` : undefined;
}

/** A configured filter (not empty) that the value is not in; a missing value is in none. */
function refuses(allowed: readonly string[], value: string | null): boolean {
  return allowed.length > 0 && (value === null || !allowed.includes(value));
}

export function missingHolderField(b: Beneficiary | null, required: readonly HolderField[]): HolderField | undefined {
  for (const field of required) {
    const v = b?.[HOLDER_FIELD_OF[field]];
    if (v === null || v === undefined || String(v).trim() === '') return field;
  }
  return undefined;
}
