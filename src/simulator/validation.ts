import { isRfc3339WithOffset, TICKET_ID_PATTERN } from '../tixngo/wire-schemas';

/**
 * Request validation of the simulated organizer API (pure). Two levels, as documented in
 * docs/tixngo-api.md §3:
 * - the whole request (not JSON, no `tickets` array, an entry that is not an object, too many
 *   tickets) → HTTP 400 and nothing is applied;
 * - one entry (bad ticketId, missing or invalid field) → that ticket is REJECTED with a code, the
 *   others are applied.
 */

export type BodyCheck =
  | { readonly ok: true; readonly tickets: readonly Record<string, unknown>[] }
  | { readonly ok: false; readonly errorCode: 'INVALID_JSON' | 'INVALID_BODY' | 'TOO_MANY_TICKETS'; readonly message: string };

/** A body that did not parse as JSON. */
export const NOT_JSON: unique symbol = Symbol('not JSON');

/** Parses a request body once (a body of 1,000 tickets is about a megabyte), or `NOT_JSON`. */
export function parseJsonBody(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return NOT_JSON;
  }
}

export function checkTicketsBody(body: unknown, maxTickets: number): BodyCheck {
  if (body === NOT_JSON) return { ok: false, errorCode: 'INVALID_JSON', message: 'body is not JSON' };
  if (body === null || typeof body !== 'object' || !Array.isArray((body as { tickets?: unknown }).tickets)) {
    return { ok: false, errorCode: 'INVALID_BODY', message: 'body must be an object with a "tickets" array' };
  }
  const tickets = (body as { tickets: unknown[] }).tickets;
  if (tickets.length > maxTickets) {
    return { ok: false, errorCode: 'TOO_MANY_TICKETS', message: `${tickets.length} tickets, at most ${maxTickets} per request` };
  }
  const bad = tickets.findIndex((t) => t === null || typeof t !== 'object' || Array.isArray(t));
  if (bad >= 0) return { ok: false, errorCode: 'INVALID_BODY', message: `tickets[${bad}] is not an object` };
  return { ok: true, tickets: tickets as Record<string, unknown>[] };
}

/** The ids of a request for the request log, best effort (any body, any shape). */
export function ticketIdsOf(body: unknown): string[] {
  const tickets = body !== null && typeof body === 'object' ? (body as { tickets?: unknown }).tickets : undefined;
  if (!Array.isArray(tickets)) return [];
  return tickets.flatMap((t: unknown) =>
    t !== null && typeof t === 'object' && typeof (t as { ticketId?: unknown }).ticketId === 'string' ? [(t as { ticketId: string }).ticketId] : [],
  );
}

export interface EntryProblem {
  readonly errorCode: 'INVALID_TICKET_ID' | 'MISSING_FIELD' | 'INVALID_FIELD';
  readonly message: string;
}

export function checkTicketId(ticketId: unknown): EntryProblem | undefined {
  if (ticketId === undefined || ticketId === null) return { errorCode: 'INVALID_TICKET_ID', message: 'ticketId is required' };
  if (typeof ticketId !== 'string') return { errorCode: 'INVALID_TICKET_ID', message: 'ticketId must be a string' };
  if (!TICKET_ID_PATTERN.test(ticketId)) {
    return {
      errorCode: 'INVALID_TICKET_ID',
      message: 'ticketId must be 1 to 256 characters of a-z A-Z 0-9, space and *.-_+/()',
    };
  }
  return undefined;
}

const INJECT_REQUIRED_OBJECTS = ['event', 'purchaseDetails', 'security', 'spectatorDetails'] as const;

/** Inject entry: ticketId; `event`, `purchaseDetails`, `security`, `spectatorDetails` objects; event id and dates. */
export function checkInjectEntry(t: Record<string, unknown>): EntryProblem | undefined {
  const idProblem = checkTicketId(t.ticketId);
  if (idProblem) return idProblem;
  for (const field of INJECT_REQUIRED_OBJECTS) {
    const v = t[field];
    if (v === undefined || v === null) return missing(field);
    if (typeof v !== 'object' || Array.isArray(v)) return invalid(field, 'must be an object');
  }
  const event = t.event as Record<string, unknown>;
  if (event.id === undefined || event.id === null || event.id === '') return missing('event.id');
  if (typeof event.id !== 'string') return invalid('event.id', 'must be a string');
  for (const f of ['startTime', 'expirationDate'] as const) {
    if (event[f] === undefined || event[f] === null) return missing(`event.${f}`);
    if (!isRfc3339WithOffset(event[f])) return invalid(`event.${f}`, 'must be an RFC 3339 date-time with an offset');
  }
  return undefined;
}

/** Delete entry: ticketId, `reason` (non-empty string), `showDeletedTicket` (boolean). */
export function checkDeleteEntry(t: Record<string, unknown>): EntryProblem | undefined {
  const idProblem = checkTicketId(t.ticketId);
  if (idProblem) return idProblem;
  if (t.reason === undefined || t.reason === null || t.reason === '') return missing('reason');
  if (typeof t.reason !== 'string') return invalid('reason', 'must be a string');
  if (t.showDeletedTicket === undefined || t.showDeletedTicket === null) return missing('showDeletedTicket');
  if (typeof t.showDeletedTicket !== 'boolean') return invalid('showDeletedTicket', 'must be a boolean');
  return undefined;
}

/** Control entry: ticketId, `controlledAt` (RFC 3339 with offset). */
export function checkControlEntry(t: Record<string, unknown>): EntryProblem | undefined {
  const idProblem = checkTicketId(t.ticketId);
  if (idProblem) return idProblem;
  if (t.controlledAt === undefined || t.controlledAt === null) return missing('controlledAt');
  if (!isRfc3339WithOffset(t.controlledAt)) return invalid('controlledAt', 'must be an RFC 3339 date-time with an offset');
  return undefined;
}

function missing(field: string): EntryProblem {
  return { errorCode: 'MISSING_FIELD', message: `${field} is required` };
}

function invalid(field: string, why: string): EntryProblem {
  return { errorCode: 'INVALID_FIELD', message: `${field} ${why}` };
}
