/**
 * A force or skip list as S-360 writes it: `id:<ticketId>` entries name tickets, bare entries name
 * tax numbers; both forms may be mixed (`id:123456789, 12300123`).
 */
export interface TicketList {
  readonly ticketIds: ReadonlySet<string>;
  readonly taxNumbers: ReadonlySet<string>;
}

export function parseTicketList(entries: readonly string[]): TicketList {
  const ticketIds = new Set<string>();
  const taxNumbers = new Set<string>();
  for (const raw of entries) {
    const e = raw.trim();
    if (e.toLowerCase().startsWith('id:')) ticketIds.add(e.slice(3).trim());
    else if (e) taxNumbers.add(e);
  }
  return { ticketIds, taxNumbers };
}

export function listNames(list: TicketList, ticket: { ticketId: string; taxNumber: string }): boolean {
  return list.ticketIds.has(ticket.ticketId) || list.taxNumbers.has(ticket.taxNumber);
}

/** Force/skip lists plus the shipment-mode filter of the Push Cancelled and Push Controlled functions. */
export interface ShipmentSelection {
  readonly shipmentModes: readonly string[];
  readonly force: TicketList;
  readonly skip: TicketList;
}

/**
 * Pure: the skip list wins; a forced ticket bypasses the shipment-mode filter; otherwise only the
 * configured shipment modes go through.
 */
export function selectByShipmentMode(t: { ticketId: string; taxNumber: string; shipmentMode: string }, s: ShipmentSelection): string | undefined {
  if (listNames(s.skip, t)) return 'SKIP_LIST';
  if (listNames(s.force, t)) return undefined;
  if (!s.shipmentModes.includes(t.shipmentMode)) return 'FILTER_SHIPMENT_MODE';
  return undefined;
}
