import { PoisonMessageError } from '../shared/errors';
import type { HolderState } from '../store/holder-store';
import type { InjectTicket } from '../tixngo/tixngo-api';
import { resolveComfortTime, toLocalRfc3339 } from './event-time';
import { chooseSpectator, isMainApplicant, type AssigneeSettings, type SpectatorSource } from './spectator';
import { applyTemplate, type TicketTemplate } from './template';
import type { TicketPrintedEligible } from './ticket-event';

export interface PayloadSettings extends AssigneeSettings {
  readonly barcodePrefix: string;
  readonly barcodePostfix: string;
  readonly activationMethod: 'online' | 'offline';
  readonly template: TicketTemplate | undefined;
}

export interface MappedTicket {
  readonly payload: InjectTicket;
  readonly spectatorSource: SpectatorSource;
}

const DAY_MS = 86_400_000;

/**
 * Maps an eligible ticket to TIXnGO's injection payload (docs/tixngo-api.md), pure. Event times are
 * venue-local RFC 3339; undated products take their times from the comfort variables or validity
 * dates. Throws `PoisonMessageError` when the ticket lacks what TIXnGO requires (start, expiry).
 */
export function toInjectPayload(t: TicketPrintedEligible, holder: HolderState | undefined, s: PayloadSettings): MappedTicket {
  const tz = t.event.timeZone;
  const cv = t.comfortVariables;
  const comfort = (name: string, value: string | null | undefined, reference: Date | null) =>
    value ? resolveComfortTime(name, value, { timeZone: tz, reference, seasonStart: t.seasonStart, seasonEnd: t.seasonEnd }) : undefined;

  const start = comfort('TIXStart', cv?.tixStart, t.event.startTime ?? t.validFrom) ?? t.event.startTime ?? t.validFrom;
  if (!start) {
    throw new PoisonMessageError('EVENT_MISSING_START', 'an undated ticket needs TIXStart or validFrom (TIXnGO requires event.startTime)');
  }
  const defaultExpiry = t.event.startTime
    ? new Date(t.event.startTime.getTime() + (t.event.durationMinutes !== null ? t.event.durationMinutes * 60_000 : DAY_MS))
    : t.validUntil;
  const expiry = comfort('TIXExp', cv?.tixExp, start) ?? defaultExpiry;
  if (!expiry) {
    throw new PoisonMessageError('EVENT_MISSING_EXPIRY', 'an undated ticket needs TIXExp or validUntil (TIXnGO requires event.expirationDate)');
  }
  if (expiry.getTime() < start.getTime()) {
    throw new PoisonMessageError('EVENT_EXPIRY_BEFORE_START', 'the expiration date is before the start time');
  }
  const activationTime = comfort('TIXAct', cv?.tixAct, start);

  const spectator = chooseSpectator(t, holder, s);
  const b = t.beneficiary;
  const seat = t.seat;
  const main: { key: string; value: string }[] = [];
  const addDetail = (key: string, value: string | null | undefined) => {
    if (value) main.push({ key, value });
  };
  addDetail('Entrance', seat?.entrance);
  addDetail('Gate', seat?.gate);
  addDetail('Block', seat?.block);
  addDetail('Row', seat?.row);
  addDetail('Seat', seat?.number);

  // Optional fields are added only when they have a value (TIXnGO wants them absent, not empty);
  // assigned one by one rather than spread, which costs an object per field on a hot path.
  const address: Record<string, string> = { site: t.event.site, city: t.event.city, zip: t.event.zip, countryCode: t.event.countryCode };
  t.event.addressLines.forEach((line, i) => (address[`line${i + 1}`] = line));
  const event: Record<string, unknown> = {
    id: t.event.id,
    name: t.event.name,
    startTime: toLocalRfc3339(start, tz),
    expirationDate: toLocalRfc3339(expiry, tz),
    timeZone: tz,
    address,
  };
  put(event, 'website', t.event.website);
  if (t.event.groupName) event.group = { name: t.event.groupName };

  const activationParameters: Record<string, string> = { method: s.activationMethod };
  if (activationTime) activationParameters.time = toLocalRfc3339(activationTime, tz);
  put(activationParameters, 'groupId', cv?.tixRGrp);

  const purchaseDetails: Record<string, unknown> = {
    purchaseDate: t.purchasedAt.toISOString(),
    fileNumber: t.fileNumber,
    taxNumber: t.taxNumber,
    purchasePrice: Number(t.price),
    purchaseCurrency: t.currency,
  };
  put(purchaseDetails, 'category', t.seatCategoryCode);

  const seatingDetails: Record<string, string> = {};
  put(seatingDetails, 'seatCategoryId', t.seatCategoryCode);
  seatingDetails.tariffId = t.tariffCode;
  seatingDetails.seated = seatingDetails.numbered = seat?.number ? 'Y' : 'N';
  put(seatingDetails, 'externalEntrance', seat?.entrance);
  put(seatingDetails, 'gate', seat?.gate);
  put(seatingDetails, 'level', seat?.level);
  put(seatingDetails, 'area', seat?.area);
  put(seatingDetails, 'block', seat?.block);
  put(seatingDetails, 'row', seat?.row);
  put(seatingDetails, 'seat', seat?.number);

  const spectatorDetails: Record<string, unknown> = {};
  if (spectator.title) spectatorDetails.gender = genderOf(spectator.title);
  put(spectatorDetails, 'firstName', spectator.firstName);
  put(spectatorDetails, 'lastName', spectator.lastName);
  put(spectatorDetails, 'email', spectator.email);
  put(spectatorDetails, 'phone', spectator.phone);
  put(spectatorDetails, 'appLanguage', spectator.languageCode);
  spectatorDetails.mainApplicant = isMainApplicant(b, t.buyer);

  const payload = {
    ticketId: t.ticketId,
    event,
    activationParameters,
    purchaseDetails,
    seatingDetails,
    security: { barcode: `${s.barcodePrefix}${t.barcode}${s.barcodePostfix}` },
    spectatorDetails,
  } as unknown as InjectTicket & Record<string, unknown>;
  if (b) {
    const holderDetails: Record<string, string> = {};
    put(holderDetails, 'firstName', b.firstName);
    put(holderDetails, 'lastName', b.lastName);
    put(holderDetails, 'birthDate', b.birthDate);
    put(holderDetails, 'idNumber', b.idNumber);
    put(holderDetails, 'countryCode', b.countryCode);
    put(holderDetails, 'birthRegion', b.birthRegion);
    put(holderDetails, 'birthPlace', b.birthPlace);
    payload.holderDetails = holderDetails;
  }
  payload.ticketDetails = { main, extra: [], hidden: [{ key: 'S360_GENERATION', value: String(t.reprintGeneration) }] };
  if (s.template) applyTemplate(payload, s.template, templateVariables(t, start), { timeZone: tz });
  return { payload, spectatorSource: spectator.source };
}

function put(target: Record<string, unknown>, key: string, value: string | null | undefined): void {
  if (value) target[key] = value;
}

const GENDERS = new Set(['M', 'F', 'U', 'X']);
const MALE_TITLES = new Set(['MR', 'MR.']);
const FEMALE_TITLES = new Set(['MRS', 'MS', 'MRS.', 'MS.']);

function genderOf(title: string): string {
  const t = title.trim().toUpperCase();
  return GENDERS.has(t) ? t : MALE_TITLES.has(t) ? 'M' : FEMALE_TITLES.has(t) ? 'F' : 'U';
}

/** Variables a template may use: the core's own (`templateVariables`), then these derived ones. */
export function templateVariables(t: TicketPrintedEligible, start: Date): Record<string, string> {
  return {
    Ticket_id: t.ticketId,
    Ticket_taxNumber: t.taxNumber,
    Ticket_fileNumber: t.fileNumber,
    Event_id: t.event.id,
    Event_name: t.event.name,
    Performance_code: t.performanceCode ?? '',
    Performance_startDate: toLocalRfc3339(start, t.event.timeZone),
    Product_code: t.productCode,
    Product_externalName: t.event.groupName ?? '',
    Tariff_code: t.tariffCode,
    SeatCategory_code: t.seatCategoryCode ?? '',
    Space_externalName: t.event.site,
    Site_externalName: t.event.city,
    Site_street1: t.event.addressLines[0] ?? '',
    Site_street2: t.event.addressLines[1] ?? '',
    Site_street3: t.event.addressLines[2] ?? '',
    Amount_unitAmount: t.price,
    Amount_currency: t.currency,
    Seat_gate: t.seat?.gate ?? '',
    Seat_block: t.seat?.block ?? '',
    Seat_row: t.seat?.row ?? '',
    Seat_number: t.seat?.number ?? '',
    ...t.templateVariables,
  };
}
