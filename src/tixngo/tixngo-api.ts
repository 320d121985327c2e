/**
 * The port to the TIXnGO organizer API. Only the adapter in this folder speaks HTTP; roles and the
 * pipeline depend on this interface. The real API is only partly documented (see docs/tixngo-api.md):
 * paths and the API-key header are configuration, and the wire shapes we assume live in one place.
 *
 * Failure contract of every method:
 * - resolves with one outcome per ticket sent, in any order, when TIXnGO answered the request (2xx),
 *   including per-ticket rejections inside a successful response;
 * - throws `TransientError` (retry) for network errors, timeouts, 408, 429, 5xx, and 401/403 (a wrong
 *   or revoked key is an operator problem: retrying keeps every ticket until the key is fixed);
 * - throws `RejectedError` naming every ticket of the request for any other 4xx of the whole request.
 */

/** One ticket as sent to `POST …/organizer/tickets`, shaped by the injection mapping and template. */
export interface InjectTicket {
  readonly ticketId: string;
  readonly [field: string]: unknown;
}

export interface DeleteTicket {
  readonly ticketId: string;
  /** Cancellation or invalidation reason, TIXnGO's "deleted reason". */
  readonly reason: string;
  readonly showDeletedTicket: boolean;
}

export interface ControlTicket {
  readonly ticketId: string;
  /** RFC 3339 instant of the control. */
  readonly controlledAt: string;
}

export interface TicketOutcome {
  readonly ticketId: string;
  readonly ok: boolean;
  /** TIXnGO's error code for a rejected ticket (e.g. `INVALID_FIELD`). */
  readonly code?: string;
  /** TIXnGO's explanation for a rejected ticket; may be shown to operators, so adapters strip payload echoes. */
  readonly reason?: string;
}

export interface PushResult {
  readonly outcomes: readonly TicketOutcome[];
  /** HTTP status of the answered request (200 when simulated). */
  readonly status: number;
}

/** One page of TIXnGO's change feed ("diff endpoint"). Records are raw: the caller validates each one. */
export interface ChangePage {
  readonly records: readonly unknown[];
  /** Key to ask for the next page with; `null` when TIXnGO returned none (keep the current one). */
  readonly nextPaginationKey: string | null;
}

export interface RequestContext {
  /** Sent as `Idempotency-Key`, so TIXnGO (or a proxy) can recognise a retried request. */
  readonly idempotencyKey?: string;
  readonly signal?: AbortSignal;
}

/** The three push endpoints. */
export type PushEndpoint = 'inject' | 'delete' | 'control';

/**
 * A push request's body exactly as it goes on the wire: `{"tickets":[…]}`, UTF-8 JSON. It is built once
 * and kept (in the outbox) so that a resend under the same `Idempotency-Key` carries the same bytes.
 */
export function encodeRequestBody(tickets: readonly unknown[]): Buffer {
  return Buffer.from(JSON.stringify({ tickets }), 'utf8');
}

export interface TixngoApi {
  /**
   * Sends a prepared body (see `encodeRequestBody`) to a push endpoint; `ticketIds` are the tickets it
   * carries, in order. The typed methods below build the body and call this.
   */
  push(endpoint: PushEndpoint, body: Buffer, ticketIds: readonly string[], ctx?: RequestContext): Promise<PushResult>;
  injectTickets(tickets: readonly InjectTicket[], ctx?: RequestContext): Promise<PushResult>;
  deleteTickets(tickets: readonly DeleteTicket[], ctx?: RequestContext): Promise<PushResult>;
  controlTickets(tickets: readonly ControlTicket[], ctx?: RequestContext): Promise<PushResult>;
  /** Reads the change feed from `paginationKey` (none on the very first call), at most `limit` records. */
  fetchChanges(query: { paginationKey: string | null; limit: number }, ctx?: RequestContext): Promise<ChangePage>;
}
