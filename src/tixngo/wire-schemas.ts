import { z } from 'zod';
import { isCalendarDate, parseRfc3339 } from '../shared/dates';

/**
 * The TIXnGO organizer API wire shapes we rely on, in one place. docs/tixngo-api.md explains each one
 * and marks what TIXnGO documents and what we assume; the simulator (src/simulator) speaks exactly
 * these shapes, and the client (axios-tixngo-api.ts) validates responses against them.
 *
 * Response schemas are deliberately lenient about extra fields (TIXnGO may add some) and strict about
 * the fields we act on.
 */

/** V3 "lifecycle" ticket statuses (domain.md §2.4). Records may carry others: treat `status` as a string. */
export const LIFECYCLE_STATUSES = [
  'INJECTED',
  'DOWNLOADED',
  'ASSIGNED',
  'PENDING_TRANSFER',
  'TRANSFERRED',
  'FAILURE_TRANSFER',
  'FAILURE',
  'ONLINE_ACTIVATED',
  'OFFLINE_ACTIVATED',
  'MANUAL_ACTIVATED',
  'BT_ACTIVATED',
  'ACTIVATED',
  'DEACTIVATED',
  'CONTROLLED',
  'DELETION_PENDING',
  'DELETED',
] as const;
export type LifecycleStatus = (typeof LIFECYCLE_STATUSES)[number];

export function isLifecycleStatus(s: unknown): s is LifecycleStatus {
  return typeof s === 'string' && (LIFECYCLE_STATUSES as readonly string[]).includes(s);
}

/**
 * TIXnGO's ticketId rule (domain.md §2.1): at most 256 characters of `a-z A-Z 0-9`, space and `*.-_+/()`.
 */
export const TICKET_ID_PATTERN = /^[A-Za-z0-9 *.\-_+/()]{1,256}$/;

/**
 * RFC 3339 date-time with an explicit offset (`Z` or `±hh:mm`, and the `±hhmm`, `±hh` of TIXnGO's
 * docs), fractional seconds allowed, naming a real moment (`2030-02-30T10:00:00Z` is refused, not read as 2 March).
 */
export function isRfc3339WithOffset(s: unknown): s is string {
  return typeof s === 'string' && parseRfc3339(s) !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Requests (what the client sends). Inject tickets are passed through as shaped by the mapping.
// ---------------------------------------------------------------------------------------------

export interface InjectRequestBody {
  readonly tickets: readonly { readonly ticketId: string; readonly [field: string]: unknown }[];
}
export interface DeleteRequestBody {
  readonly tickets: readonly { readonly ticketId: string; readonly reason: string; readonly showDeletedTicket: boolean }[];
}
export interface ControlRequestBody {
  readonly tickets: readonly { readonly ticketId: string; readonly controlledAt: string }[];
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

/** Per-ticket result inside a 200 answer to inject / delete / control. */
export const ticketResultSchema = z.object({
  /** Echo of the request entry's ticketId; null when the entry had no string ticketId. */
  ticketId: z.string().nullable(),
  /** Position of the entry in the request's `tickets` array (simulator; optional on the wire). */
  index: z.number().int().nonnegative().optional(),
  status: z.enum(['OK', 'REJECTED']),
  errorCode: z.string().optional(),
  message: z.string().optional(),
});
export type TicketResult = z.infer<typeof ticketResultSchema>;

export const pushResponseSchema = z.object({ results: z.array(ticketResultSchema) });
export type PushResponse = z.infer<typeof pushResponseSchema>;

/**
 * `pushResponseSchema`, checked in place: `{ results: [...] }`, each result an object with a string or
 * null ticketId, an optional non-negative integer index, status OK or REJECTED, and optional string
 * errorCode and message. Other fields are left as they are (only these are read: `toOutcomes`).
 */
export function isPushResponse(json: unknown): json is PushResponse {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const results = (json as { results?: unknown }).results;
  if (!Array.isArray(results)) return false;
  for (const r of results) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return false;
    const { ticketId, index, status, errorCode, message } = r as Record<string, unknown>;
    if (!(ticketId === null || typeof ticketId === 'string')) return false;
    if (!(index === undefined || (typeof index === 'number' && Number.isSafeInteger(index) && index >= 0))) return false;
    if (status !== 'OK' && status !== 'REJECTED') return false;
    if (!(errorCode === undefined || typeof errorCode === 'string')) return false;
    if (!(message === undefined || typeof message === 'string')) return false;
  }
  return true;
}

/** Body of a non-2xx answer (best effort: clients must not depend on it). */
export const errorResponseSchema = z.object({
  errorCode: z.string().optional(),
  message: z.string().optional(),
});
export type ErrorResponse = z.infer<typeof errorResponseSchema>;

/** One page of the change feed. Records are validated one by one by the consumer, not here. */
export const changesResponseSchema = z.object({
  result: z.array(z.unknown()),
  pagination: z.object({ nextPageKey: z.string().nullable().optional() }).optional(),
});
export type ChangesResponse = z.infer<typeof changesResponseSchema>;

/** A person in a feed record (personal data: never log it). Every field is optional and nullable. */
/** The fields of a TIXnGO person, in the order of `personSchema`. */
export const PERSON_FIELDS = [
  'id',
  'title',
  'firstName',
  'lastName',
  'email',
  'phone',
  'birthDate',
  'nationality',
  'idNumber',
  'countryOfResidence',
  'languageCode',
] as const;

export const personSchema = z.object({
  id: z.string().nullish(),
  title: z.string().nullish(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  /** `YYYY-MM-DD`. */
  birthDate: z.string().refine(isCalendarDate, 'expected a real day as YYYY-MM-DD').nullish(),
  nationality: z.string().nullish(),
  idNumber: z.string().nullish(),
  countryOfResidence: z.string().nullish(),
  languageCode: z.string().nullish(),
});
export type Person = z.infer<typeof personSchema>;

/**
 * One change-feed record: the ticket's full state after one change. A consumer should parse each
 * record with this schema and handle a failure per record (the rest of the page stays usable).
 */
export const feedRecordSchema = z.object({
  ticketId: z.string().min(1),
  /** A lifecycle status; a string so that new TIXnGO codes do not make records unparseable. */
  status: z.string().min(1),
  /** Per-ticket, strictly increasing with each change of that ticket. */
  version: z.number().int().nonnegative(),
  /** RFC 3339 instant of the change. */
  updatedAt: z.string().refine((s) => isRfc3339WithOffset(s), 'expected an RFC 3339 date-time with offset, on a real day and time'),
  walletOwner: personSchema.nullish(),
  ticketHolder: personSchema.nullish(),
  previousOwner: personSchema.nullish(),
  /** While PENDING_TRANSFER: the recipient (often only `email`). Assumed, not documented. */
  transferRecipient: personSchema.nullish(),
  /** What caused the change (e.g. `INJECT`, `DOWNLOAD`, `TRANSFER`). Informational. */
  action: z.string().optional(),
  eventId: z.string().nullish(),
});
export type FeedRecord = z.infer<typeof feedRecordSchema>;
