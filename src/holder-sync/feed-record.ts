import type { z } from 'zod';
import { parseRfc3339 } from '../shared/dates';
import { PoisonMessageError } from '../shared/errors';
import type { HolderPerson } from '../store/holder-store';
import { feedRecordSchema, PERSON_FIELDS, type personSchema, TICKET_ID_PATTERN } from '../tixngo/wire-schemas';

/**
 * One change-feed record as holder-sync works with it: parsed, with its instant as a `Date` and every
 * person normalised to the eleven fields of the `holder-updated` Person record (null when absent).
 * Pure: no I/O. Persons are personal data: never log them, never put them in an error message.
 */
export interface HolderRecord {
  readonly ticketId: string;
  readonly status: string;
  /** TIXnGO's per-ticket version: strictly increasing with each change of the ticket. */
  readonly version: number;
  /** When TIXnGO recorded the change (`updatedAt`). */
  readonly changedAt: Date;
  readonly walletOwner: HolderPerson | null;
  readonly ticketHolder: HolderPerson | null;
  readonly previousOwner: HolderPerson | null;
  readonly transferRecipient: HolderPerson | null;
  readonly action: string | null;
  readonly eventId: string | null;
}

export type ParsedFeedRecord =
  | { readonly ok: true; readonly record: HolderRecord }
  | { readonly ok: false; readonly error: PoisonMessageError; readonly ticketId?: string };

/** Error code of a change-feed record that cannot be used (DLQ header `x-dlq-error-code`). */
export const FEED_RECORD_INVALID = 'FEED_RECORD_INVALID';

/**
 * Validates one raw record with `feedRecordSchema`. A failure is a value (poison), never a throw, so
 * the rest of the page goes on. The error message names fields and problems only, never values.
 */
export function parseFeedRecord(raw: unknown): ParsedFeedRecord {
  const ticketId = ticketIdOf(raw);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const kind = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : `a ${typeof raw}`;
    return poison(`record is ${kind}, expected an object`, ticketId);
  }
  const parsed = feedRecordSchema.safeParse(raw);
  if (!parsed.success) return poison(describeIssues(parsed.error.issues), ticketId);
  const r = parsed.data;
  if (!TICKET_ID_PATTERN.test(r.ticketId)) return poison('ticketId: not a TIXnGO ticket id', undefined);
  // feedRecordSchema has checked that updatedAt names a real moment (and birth dates real days).
  const changedAt = parseRfc3339(r.updatedAt);
  if (changedAt === undefined) return poison('updatedAt: not a valid instant', ticketId);
  return {
    ok: true,
    record: {
      ticketId: r.ticketId,
      status: r.status,
      version: r.version,
      changedAt,
      walletOwner: toPerson(r.walletOwner),
      ticketHolder: toPerson(r.ticketHolder),
      previousOwner: toPerson(r.previousOwner),
      transferRecipient: toPerson(r.transferRecipient),
      action: r.action ?? null,
      eventId: r.eventId ?? null,
    },
  };
}

/** The record's ticket id if it has a plausible one (for DLQ headers and the skip list), else undefined. */
export function ticketIdOf(raw: unknown): string | undefined {
  const id = raw !== null && typeof raw === 'object' ? (raw as { ticketId?: unknown }).ticketId : undefined;
  return typeof id === 'string' && TICKET_ID_PATTERN.test(id) ? id : undefined;
}

/** The record's tax number, when TIXnGO sends one (not part of the documented record; see docs/holder-sync.md). */
export function taxNumberOf(raw: unknown): string | undefined {
  const t = raw !== null && typeof raw === 'object' ? (raw as { taxNumber?: unknown }).taxNumber : undefined;
  if (typeof t === 'string' && t.trim() !== '') return t.trim();
  if (typeof t === 'number' && Number.isSafeInteger(t)) return String(t);
  return undefined;
}

/** A person with all eleven fields (null when absent), or null for no person. */
export function toPerson(p: z.infer<typeof personSchema> | null | undefined): HolderPerson | null {
  if (!p) return null;
  const out: Record<string, string | null> = {};
  for (const f of PERSON_FIELDS) out[f] = p[f] ?? null;
  return out as HolderPerson;
}

function poison(reason: string, ticketId: string | undefined): ParsedFeedRecord {
  const error = new PoisonMessageError(FEED_RECORD_INVALID, `change-feed record unusable: ${reason}`);
  return ticketId === undefined ? { ok: false, error } : { ok: false, error, ticketId };
}

/** Paths and zod's problem descriptions (which never quote the input), at most three of them. */
function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const shown = issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(record)'}: ${i.message}`);
  const more = issues.length > 3 ? `; and ${issues.length - 3} more` : '';
  return `${shown.join('; ')}${more}`.slice(0, 500);
}

/** The `holder-updated` Avro payload (schemas/holder-updated.avsc) of one record of `organizerId`'s feed. */
export interface HolderUpdatedEvent {
  readonly ticketId: string;
  readonly tixngoStatus: string;
  readonly walletOwner: HolderPerson | null;
  readonly ticketHolder: HolderPerson | null;
  readonly previousOwner: HolderPerson | null;
  readonly version: number;
  readonly changedAt: Date;
  readonly observedAt: Date;
  readonly transferRecipient: HolderPerson | null;
  readonly action: string | null;
  readonly eventId: string | null;
  /** The TIXnGO organizer whose change feed reported the change. */
  readonly organizerId: string;
}

export function toHolderUpdated(r: HolderRecord, observedAt: Date, organizerId: string): HolderUpdatedEvent {
  return {
    ticketId: r.ticketId,
    tixngoStatus: r.status,
    walletOwner: r.walletOwner,
    ticketHolder: r.ticketHolder,
    previousOwner: r.previousOwner,
    version: r.version,
    changedAt: r.changedAt,
    observedAt,
    transferRecipient: r.transferRecipient,
    action: r.action,
    eventId: r.eventId,
    organizerId,
  };
}
