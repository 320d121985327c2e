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

  const payload: InjectTicket & Record<string, unknown> = {
    ticketId: t.ticketId,
    event: {
      id: t.event.id,
      name: t.event.name,
      startTime: toLocalRfc3339(start, tz),
      expirationDate: toLocalRfc3339(expiry, tz),
      timeZone: tz,
      address: {
        site: t.event.site,
        city: t.event.city,
        zip: t.event.zip,
        countryCode: t.event.countryCode,
        ...Object.fromEntries(t.event.addressLines.map((l, i) => [`line${i + 1}`, l])),
      },
      ...(t.event.website ? { website: t.event.website } : {}),
      ...(t.event.groupName ? { group: { name: t.event.groupName } } : {}),
    },
    activationParameters: {
      method: s.activationMethod,
      ...(activationTime ? { time: toLocalRfc3339(activationTime, tz) } : {}),
      ...(cv?.tixRGrp ? { groupId: cv.tixRGrp } : {}),
    },
    purchaseDetails: {
      purchaseDate: t.purchasedAt.toISOString(),
      fileNumber: t.fileNumber,
      taxNumber: t.taxNumber,
      purchasePrice: Number(t.price),
      purchaseCurrency: t.currency,
      ...(t.seatCategoryCode ? { category: t.seatCategoryCode } : {}),
    },
    seatingDetails: {
      ...(t.seatCategoryCode ? { seatCategoryId: t.seatCategoryCode } : {}),
      tariffId: t.tariffCode,
      seated: seat?.number ? 'Y' : 'N',
      numbered: seat?.number ? 'Y' : 'N',
      ...(seat?.entrance ? { externalEntrance: seat.entrance } : {}),
      ...(seat?.gate ? { gate: seat.gate } : {}),
      ...(seat?.level ? { level: seat.level } : {}),
      ...(seat?.area ? { area: seat.area } : {}),
      ...(seat?.block ? { block: seat.block } : {}),
      ...(seat?.row ? { row: seat.row } : {}),
      ...(seat?.number ? { seat: seat.number } : {}),
    },
    security: { barcode: `${s.barcodePrefix}${t.barcode}${s.barcodePostfix}` },
    spectatorDetails: {
      ...(spectator.title ? { gender: genderOf(spectator.title) } : {}),
      ...(spectator.firstName ? { firstName: spectator.firstName } : {}),
      ...(spectator.lastName ? { lastName: spectator.lastName } : {}),
      ...(spectator.email ? { email: spectator.email } : {}),
      ...(spectator.phone ? { phone: spectator.phone } : {}),
      ...(spectator.languageCode ? { appLanguage: spectator.languageCode } : {}),
      mainApplicant: isMainApplicant(b, t.buyer),
    },
    ...(b
      ? {
          holderDetails: Object.fromEntries(
            Object.entries({
              firstName: b.firstName,
              lastName: b.lastName,
              birthDate: b.birthDate,
              idNumber: b.idNumber,
              countryCode: b.countryCode,
              birthRegion: b.birthRegion,
              birthPlace: b.birthPlace,
            }).filter(([, v]) => v !== null && v !== ''),
          ),
        }
      : {}),
    ticketDetails: { main, extra: [], hidden: [{ key: 'S360_GENERATION', value: String(t.reprintGeneration) }] },
  };
  if (s.template) applyTemplate(payload, s.template, templateVariables(t, start));
  return { payload, spectatorSource: spectator.source };
}

function genderOf(title: string): string {
  const t = title.trim().toUpperCase();
  return ['M', 'F', 'U', 'X'].includes(t) ? t : ['MR', 'MR.'].includes(t) ? 'M' : ['MRS', 'MS', 'MRS.', 'MS.'].includes(t) ? 'F' : 'U';
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
