import { holderStateId, type HolderDocument, type HolderHead, type HolderHistoryEntry, type HolderPerson } from '../store/holder-store';
import type { HolderRecord } from './feed-record';

/**
 * Pure state precedence and the per-page plan of holder-sync: which records change a ticket's stored
 * state (and are published), which are stale or repeated, and what each ticket's new state is.
 */

export type Precedence = 'newer' | 'same' | 'older';

/**
 * Is `record` newer than `state`? TIXnGO's per-ticket `version` alone decides (docs/tixngo-api.md:
 * strictly increasing with every change of the ticket):
 * - no state yet → newer;
 * - the same version → same (a repeated record: a page read again after a crash);
 * - a lower version → older;
 * - a higher version → newer, whatever its `updatedAt`.
 *
 * The timestamp is not consulted (issue 15): it comes from a clock, and a clock can be wrong. When it
 * also guarded precedence, one change stamped years ahead made every later change of the ticket
 * look older than the stored state, and they were all dropped as stale, for good.
 */
export function comparePrecedence(record: { readonly version: number }, state: { readonly version: number } | undefined): Precedence {
  if (!state) return 'newer';
  if (record.version === state.version) return 'same';
  return record.version < state.version ? 'older' : 'newer';
}

/** What became of one record: it changed the state (and is published), or it did not. */
export type RecordOutcome = 'applied' | 'stale' | 'duplicate';

/**
 * Folds one ticket's records (in feed order) into its stored state. Each record is compared with the
 * state as it stands after the records before it. Returns the new state (undefined when nothing
 * changed) and one outcome per record. History: one entry per applied record, oldest first, the last
 * `historyLimit` kept.
 */
export function mergeTicket(
  organizerId: string,
  stored: HolderHead | undefined,
  records: readonly HolderRecord[],
  observedAt: Date,
  historyLimit: number,
): { next: HolderDocument | undefined; outcomes: RecordOutcome[] } {
  let current: HolderHead | undefined = stored;
  let next: HolderDocument | undefined;
  const outcomes: RecordOutcome[] = [];
  for (const r of records) {
    const p = comparePrecedence(r, current);
    if (p !== 'newer') {
      outcomes.push(p === 'same' ? 'duplicate' : 'stale');
      continue;
    }
    const entry: HolderHistoryEntry = { status: r.status, version: r.version, changedAt: r.changedAt, action: r.action };
    const history = [...(current?.history ?? []), entry].slice(-Math.max(1, historyLimit));
    next = {
      _id: holderStateId(organizerId, r.ticketId),
      organizerId,
      ticketId: r.ticketId,
      status: r.status,
      version: r.version,
      changedAt: r.changedAt,
      walletOwner: storedPerson(r.walletOwner),
      ticketHolder: storedPerson(r.ticketHolder),
      previousOwner: storedPerson(r.previousOwner),
      transferRecipient: storedPerson(r.transferRecipient),
      action: r.action,
      eventId: r.eventId,
      observedAt,
      history,
    };
    current = next;
    outcomes.push('applied');
  }
  return { next, outcomes };
}

/** A state to write: a replacement of the stored one (by `_id`), or an insert when there was none. */
export interface StateWrite {
  readonly next: HolderDocument;
  readonly replaces: boolean;
}

export interface PagePlan {
  /** Records that changed their ticket's state, in feed order: one `holder-updated` event each. */
  readonly events: readonly HolderRecord[];
  /** One write per ticket whose state changed. */
  readonly writes: readonly StateWrite[];
  /** One outcome per input record, in input order. */
  readonly outcomes: readonly RecordOutcome[];
}

/**
 * The plan for the valid records of one page of `organizerId`'s feed against the states stored before
 * it (by ticket id). A ticket that appears several times in the page gets one write (its newest state)
 * and one event per change.
 */
export function planPage(
  organizerId: string,
  records: readonly HolderRecord[],
  stored: ReadonlyMap<string, HolderHead>,
  observedAt: Date,
  historyLimit: number,
): PagePlan {
  const byTicket = new Map<string, number[]>();
  records.forEach((r, i) => {
    const list = byTicket.get(r.ticketId);
    if (list) list.push(i);
    else byTicket.set(r.ticketId, [i]);
  });
  const outcomes: RecordOutcome[] = new Array<RecordOutcome>(records.length);
  const writes: StateWrite[] = [];
  for (const [ticketId, indexes] of byTicket) {
    const before = stored.get(ticketId);
    const merged = mergeTicket(
      organizerId,
      before,
      indexes.map((i) => records[i]!),
      observedAt,
      historyLimit,
    );
    merged.outcomes.forEach((o, k) => (outcomes[indexes[k]!] = o));
    if (merged.next) writes.push({ next: merged.next, replaces: before !== undefined });
  }
  return { events: records.filter((_, i) => outcomes[i] === 'applied'), writes, outcomes };
}

/**
 * A person as the store keeps it: the fields TIXnGO gave, without the null ones (readers take a missing
 * field for null). A holder state is mostly people; on the local store every field of a document costs
 * its CPU on each write and read, and the eleven fields of a person are mostly null.
 */
export function storedPerson(p: HolderPerson | null): HolderPerson | null {
  if (!p) return null;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (typeof v === 'string') out[k] = v;
  return out as HolderPerson;
}
