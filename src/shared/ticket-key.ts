/**
 * How the bridge's store names a ticket: `<organizationCode>:<ticketId>`. S-360 ticket ids come from
 * one sequence per platform, so two organizations should never share one; the store does not rely on
 * it: every ledger fact, outbox intent and trace entry is scoped by the organization that owns the
 * ticket, so two organizations with the same ticket id could never read or block each other's. (TIXnGO
 * itself only knows the ticket id, per organizer account.) Ticket ids cannot contain `:` (TIXnGO's
 * charset), organization codes neither, so the first `:` splits a key.
 */
export function ticketKey(organizationCode: string, ticketId: string): string {
  return `${organizationCode}:${ticketId}`;
}

export function splitTicketKey(key: string): { organizationCode: string; ticketId: string } {
  const at = key.indexOf(':');
  return { organizationCode: key.slice(0, at), ticketId: key.slice(at + 1) };
}
