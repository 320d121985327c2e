import { parseTicketList, type TicketList } from '../shared/ticket-list';
import { taxNumberOf, ticketIdOf } from './feed-record';

/**
 * S-360's "Skip Ticket Tax Numbers" for the feedback function (domain.md §1.4): records of these
 * tickets are ignored when TIXnGO returns them. `HOLDER_SYNC_SKIP` entries are tax numbers, or ticket
 * ids written `id:<ticketId>` (the same notation as `INJECT_SKIP`).
 *
 * The check runs on the raw record, before it is validated, so that an operator can also skip a
 * ticket whose records TIXnGO keeps sending malformed.
 */
export type SkipList = TicketList;

export function parseSkipList(entries: readonly string[]): SkipList {
  return parseTicketList(entries);
}

export function isSkipped(raw: unknown, list: SkipList): boolean {
  if (list.ticketIds.size === 0 && list.taxNumbers.size === 0) return false;
  const ticketId = ticketIdOf(raw);
  if (ticketId !== undefined && list.ticketIds.has(ticketId)) return true;
  const taxNumber = taxNumberOf(raw);
  return taxNumber !== undefined && list.taxNumbers.has(taxNumber);
}
