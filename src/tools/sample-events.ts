import type { TicketCancelled } from '../cancellation/cancel-event';
import type { TicketControlled } from '../control/control-event';
import type { TicketPrintedEligible } from '../injection/ticket-event';

/**
 * Realistic sample events for the demo producer, tests and benchmarks. The names are made up; the
 * shape is the Avro contract in schemas/.
 */
export function aPrintedTicket(overrides: Partial<TicketPrintedEligible> = {}, n = 1): TicketPrintedEligible {
  const now = new Date();
  const start = new Date(Date.UTC(2027, 5, 12, 18, 0));
  return {
    ticketId: String(100_000_000 + n),
    reprintGeneration: 0,
    occurredAt: now,
    organizationCode: 'ORG1',
    salesChannelOfOrigin: 'WEB',
    seasonCode: 'S2027',
    seasonStart: new Date(Date.UTC(2026, 7, 1)),
    seasonEnd: new Date(Date.UTC(2027, 6, 31)),
    productFamilyCode: 'FOOTBALL',
    productCode: 'P-CUP',
    performanceCode: 'PERF-FINAL',
    tariffCode: 'ADULT',
    seatCategoryCode: 'CAT1',
    shipmentMode: 'MOBILE',
    fileNumber: `F${20_000 + Math.floor(n / 4)}`,
    taxNumber: String(5_000_000 + n),
    barcode: `BC${(n * 7919).toString().padStart(10, '0')}`,
    price: '95.00',
    currency: 'CHF',
    purchasedAt: new Date(now.getTime() - 86_400_000),
    validFrom: null,
    validUntil: null,
    event: {
      id: 'EVT-PERF-FINAL',
      name: 'Cup Final',
      groupName: 'National Cup',
      startTime: start,
      durationMinutes: 120,
      timeZone: 'Europe/Zurich',
      site: 'Stadium North',
      city: 'Bern',
      zip: '3000',
      countryCode: 'CH',
      addressLines: ['Papiermühlestrasse 71'],
      website: null,
    },
    seat: { entrance: 'E1', gate: 'G4', level: null, area: 'North', block: 'B12', row: '7', number: String((n % 30) + 1) },
    buyer: { contactId: `C${n}`, title: 'F', firstName: 'Alex', lastName: `Buyer${n}`, email: `buyer${n}@example.test`, phone: null, languageCode: 'en' },
    culturalContact: null,
    beneficiary: null,
    invalidationReason: null,
    comfortVariables: null,
    templateVariables: { Performance_hostTeam: 'Host FC', Performance_opposingTeam: 'Guest FC' },
    ...overrides,
  };
}

/** A sample `ticket-cancelled` event (no personal data in this contract). */
export function aCancellation(ticketId: string, overrides: Partial<TicketCancelled> = {}): TicketCancelled {
  return {
    ticketId,
    reprintGeneration: 0,
    status: 'CANCELLED',
    reason: 'ORDER_CANCELLED',
    occurredAt: new Date(),
    organizationCode: 'ORG1',
    shipmentMode: 'MOBILE',
    taxNumber: `TAX-${ticketId}`,
    fileNumber: null,
    printedPosCode: null,
    printedAt: null,
    ...overrides,
  };
}

/** A sample `ticket-controlled` event. */
export function aControl(ticketId: string, overrides: Partial<TicketControlled> = {}): TicketControlled {
  return {
    ticketId,
    reprintGeneration: 0,
    controlledAt: new Date(),
    controlSource: 'ACCESS_CONTROL',
    organizationCode: 'ORG1',
    shipmentMode: 'MOBILE',
    taxNumber: `TAX-${ticketId}`,
    printedPosCode: null,
    printedAt: null,
    ...overrides,
  };
}
