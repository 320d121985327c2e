import type { TicketFacts } from '../store/ticket-ledger';
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

export type CancelDecision = { readonly push: true; readonly reasonChanged: boolean } | { readonly push: false; readonly reason: string };

/**
 * Pure: push a deletion for this cancellation? Only for the generation TIXnGO has (a later reprint
 * supersedes it), never for a ticket TIXnGO does not have, and once per reason: a ticket already
 * deleted is deleted again only when its reason changed, or when it is forced.
 */
export function decideCancel(t: TicketCancelled, facts: TicketFacts, forced: boolean): CancelDecision {
  const injected = facts.injectedGeneration;
  if (injected === undefined || injected < t.reprintGeneration) return { push: false, reason: 'NOT_INJECTED' };
  if (injected > t.reprintGeneration) return { push: false, reason: 'SUPERSEDED_BY_REPRINT' };
  const pushed = facts.of('cancel-pushed').filter((f) => f.generation === t.reprintGeneration);
  if (!forced && pushed.some((f) => f.detail === t.reason)) return { push: false, reason: 'ALREADY_DELETED' };
  return { push: true, reasonChanged: pushed.length > 0 && !pushed.some((f) => f.detail === t.reason) };
}
