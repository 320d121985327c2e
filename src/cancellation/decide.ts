import type { Fact, TicketFacts } from '../store/ticket-ledger';
import type { TicketCancelled } from './cancel-event';

export interface VisibilitySettings {
  /** `overrideVisibilityFlagForInvalidationReasons`. */
  readonly overrideReasons: readonly string[];
  /** The schedule's "Notify spectator" checkbox. */
  readonly notifySpectator: boolean;
  /** `visibilityFlagDefaultValue`. */
  readonly defaultValue: boolean;
}

/**
 * S-360's `showDeletedTicket`, decided in this order: the reason is in the override list → true;
 * else "notify spectator" is checked → true; else the configured default (false unless changed).
 */
export function showDeletedTicket(reason: string, s: VisibilitySettings): boolean {
  if (s.overrideReasons.includes(reason)) return true;
  if (s.notifySpectator) return true;
  return s.defaultValue;
}

export type CancelDecision = { readonly push: true } | { readonly push: false; readonly reason: string };

/** When the core made a cancellation (its `occurredAt`; `at` for facts written before it was kept). */
export function occurredAtOf(f: Fact): number {
  return (f.occurredAt ?? f.at).getTime();
}

/** Where a cancellation was first read (its record's offset), when the fact knows it. */
function offsetOf(f: Fact): bigint | undefined {
  const o = (f.data as { offset?: unknown } | undefined)?.offset;
  return typeof o === 'string' && /^\d+$/.test(o) ? BigInt(o) : undefined;
}

/**
 * Orders two cancellations of one generation: by `occurredAt`; in the same millisecond, the later
 * record (its offset in the ticket's partition); then by reason, so the order is total.
 */
function compare(a: Fact, b: Fact): number {
  const d = occurredAtOf(a) - occurredAtOf(b);
  if (d !== 0) return d;
  const oa = offsetOf(a);
  const ob = offsetOf(b);
  if (oa !== undefined && ob !== undefined && oa !== ob) return oa > ob ? 1 : -1;
  return (a.detail ?? '') < (b.detail ?? '') ? -1 : (a.detail ?? '') > (b.detail ?? '') ? 1 : 0;
}

function newer(a: Fact, b: Fact): Fact {
  return compare(a, b) >= 0 ? a : b;
}

/** The newest cancellation of generation `g` the core made, if any (a pushed one was made too). */
export function newestCancellation(facts: TicketFacts, g: number): Fact | undefined {
  let out: Fact | undefined;
  for (const f of facts.facts) {
    if ((f.kind === 'cancel-seen' || f.kind === 'cancel-pushed') && f.generation === g) out = out ? newer(out, f) : f;
  }
  return out;
}

/**
 * Pure: the cancellation TIXnGO should be told for generation `g`, or undefined when it already shows
 * it. Of several reasons only the newest counts; it is pushed unless the last deletion TIXnGO accepted
 * for that generation carried the same reason (A → B → A pushes A again; A → A does not). Used by the
 * cancel role to decide, and by the inject role to hand back exactly the cancellation that waits.
 */
export function cancellationToPush(facts: TicketFacts, g: number): Fact | undefined {
  const newest = newestCancellation(facts, g);
  if (newest?.kind !== 'cancel-seen') return undefined;
  let last: Fact | undefined;
  for (const f of facts.of('cancel-pushed')) if (f.generation === g) last = last ? newer(last, f) : f;
  if (last && (last.detail === newest.detail || occurredAtOf(last) > occurredAtOf(newest))) return undefined;
  return newest;
}

/**
 * Pure: push a deletion for this cancellation? Only when TIXnGO has exactly its generation and no
 * injection of the ticket may be on its way (`injecting`: an inject intent names it; the inject role
 * hands the cancellation back once its injection is recorded), only the newest reason of that
 * generation, and once per reason change; forcing repeats a deletion, never makes one for a ticket
 * TIXnGO does not have.
 *
 * The record's own `cancel-seen` fact is in `facts`: the role writes it before it reads.
 */
export function decideCancel(t: TicketCancelled, facts: TicketFacts, forced: boolean, injecting: boolean): CancelDecision {
  if (injecting) return { push: false, reason: 'WAITING_FOR_INJECTION' };
  const injected = facts.injectedGeneration;
  if (injected !== undefined && injected > t.reprintGeneration) return { push: false, reason: 'SUPERSEDED_BY_REPRINT' };
  // Forcing is the operator's recovery tool (S-360's force list): it pushes even when the ledger does
  // not know the ticket was injected (TIXnGO answers TICKET_NOT_FOUND if it truly lacks it).
  if (!forced && (injected === undefined || injected < t.reprintGeneration)) return { push: false, reason: 'NOT_INJECTED' };
  const newest = newestCancellation(facts, t.reprintGeneration);
  if (newest && (newest.detail !== t.reason || occurredAtOf(newest) !== t.occurredAt.getTime())) {
    return { push: false, reason: 'SUPERSEDED_BY_NEWER_REASON' };
  }
  if (forced) return { push: true };
  const due = cancellationToPush(facts, t.reprintGeneration);
  if (!due) return { push: false, reason: 'ALREADY_DELETED' };
  return { push: true };
}
