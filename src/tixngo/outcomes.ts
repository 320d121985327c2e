import type { TicketOutcome } from './tixngo-api';
import type { TicketResult } from './wire-schemas';

/** Outcome code for a ticket a 2xx answer said nothing about: never assumed delivered. */
export const NO_RESULT_CODE = 'TIXNGO_NO_RESULT';
/** Outcome code for a rejection whose TIXnGO code is missing or not a plain code. */
export const GENERIC_REJECTION_CODE = 'TIXNGO_TICKET_REJECTED';

const MAX_REASON_LENGTH = 200;
const EMAIL = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g;

/**
 * Turns the per-ticket results of a 2xx answer into exactly one outcome per ticket sent, in the order
 * sent (pure).
 *
 * - A ticket is `ok` only if TIXnGO returned a result for it and none of its results is `REJECTED`.
 * - A ticket missing from the results is NOT assumed delivered: it gets `ok: false`, code
 *   `TIXNGO_NO_RESULT`, so the pipeline dead-letters it visibly instead of marking it done.
 * - Results for ticket ids that were not sent are ignored.
 * - Reasons are sanitised (see `sanitizeReason`) because operators see them in DLQ headers and mails.
 */
export function toOutcomes(sent: readonly { readonly ticketId: string }[], results: readonly TicketResult[]): TicketOutcome[] {
  const byId = new Map<string, TicketResult[]>();
  for (const r of results) {
    if (r.ticketId === null) continue;
    const list = byId.get(r.ticketId);
    if (list) list.push(r);
    else byId.set(r.ticketId, [r]);
  }
  return sent.map((ticket): TicketOutcome => {
    const mine = byId.get(ticket.ticketId);
    if (!mine || mine.length === 0) {
      return { ticketId: ticket.ticketId, ok: false, code: NO_RESULT_CODE, reason: 'no result for this ticket in a successful response' };
    }
    const rejected = mine.find((r) => r.status === 'REJECTED');
    if (!rejected) return { ticketId: ticket.ticketId, ok: true };
    const code = rejected.errorCode !== undefined && /^[A-Za-z0-9_.-]{1,64}$/.test(rejected.errorCode) ? rejected.errorCode : GENERIC_REJECTION_CODE;
    const reason = rejected.message === undefined ? undefined : sanitizeReason(rejected.message, ticket);
    return { ticketId: ticket.ticketId, ok: false, code, ...(reason ? { reason } : {}) };
  });
}

/**
 * Makes a TIXnGO rejection message safe to show operators: every string value of the ticket as sent
 * (except its ticketId) and anything shaped like an e-mail address is replaced by `[redacted]`, the
 * text is put on one line and cut to 200 characters. TIXnGO may quote the offending value, and the
 * offending value may be a holder's name.
 */
export function sanitizeReason(message: string, sentTicket: unknown): string {
  let text = message.replace(/\s+/g, ' ').trim();
  const values = collectStrings(sentTicket)
    .filter((v) => v.length >= 3)
    .sort((a, b) => b.length - a.length);
  for (const v of values) text = text.split(v).join('[redacted]');
  text = text.replace(EMAIL, '[redacted]');
  return text.length > MAX_REASON_LENGTH ? `${text.slice(0, MAX_REASON_LENGTH - 1)}…` : text;
}

function collectStrings(value: unknown, key = '', out: string[] = [], depth = 0): string[] {
  if (depth > 8) return out;
  if (typeof value === 'string') {
    if (!(depth === 1 && key === 'ticketId')) out.push(value);
  } else if (Array.isArray(value)) {
    for (const v of value) collectStrings(v, key, out, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) collectStrings(v, k, out, depth + 1);
  }
  return out;
}

/** What one ticket's outcome means for the bridge. */
export type OutcomeClass =
  | { readonly kind: 'applied' }
  /** Not applied, and rightly so: the wallet already shows what the push asked for. */
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'rejected'; readonly code: string; readonly reason: string };

/**
 * The one place that reads TIXnGO's per-ticket codes (pure). A control refused with `TICKET_DELETED`
 * lost a race with the ticket's deletion: the wallet is right (a deleted ticket cannot be scanned), so
 * it is a counted skip, not a rejection that dead-letters the control and mails people.
 */
const APPLIED: OutcomeClass = Object.freeze({ kind: 'applied' });

export function classifyOutcome(endpoint: 'inject' | 'delete' | 'control', o: TicketOutcome): OutcomeClass {
  if (o.ok) return APPLIED;
  if (endpoint === 'control' && o.code === 'TICKET_DELETED') return { kind: 'skipped', reason: 'TICKET_DELETED' };
  const code = o.code ? `TIXNGO_${o.code}`.replace(/^TIXNGO_TIXNGO_/, 'TIXNGO_') : 'TIXNGO_NO_OUTCOME';
  return { kind: 'rejected', code, reason: o.reason ?? 'TIXnGO returned no outcome for this ticket' };
}
