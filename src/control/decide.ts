import type { Fact, TicketFacts } from '../store/ticket-ledger';
import type { TicketControlled } from './control-event';

export type ControlDecision = { readonly push: true } | { readonly push: false; readonly reason: string };

/**
 * Pure: the control TIXnGO should be told for generation `g`, or undefined: the core controlled that
 * generation, TIXnGO has not been told, and no deletion of it was accepted (a deleted ticket cannot be
 * controlled). Used by the control role, and by the inject role to hand back a control that waited.
 */
export function controlToPush(facts: TicketFacts, g: number): Fact | undefined {
  if (facts.has('control-pushed', g) || facts.has('cancel-pushed', g)) return undefined;
  return facts.of('control-seen').find((f) => f.generation === g);
}

/**
 * Pure: mark this ticket controlled in TIXnGO? Only when TIXnGO has that generation and no injection of
 * the ticket may be on its way (`injecting`; the inject role hands the control back once its injection is
 * recorded), never for a ticket whose deletion TIXnGO accepted (not even forced: TIXnGO refuses it), and
 * never twice unless forced. Forcing also pushes a control the ledger cannot place (S-360's force list).
 */
export function decideControl(t: TicketControlled, facts: TicketFacts, forced: boolean, injecting: boolean): ControlDecision {
  if (injecting) return { push: false, reason: 'WAITING_FOR_INJECTION' };
  const injected = facts.injectedGeneration;
  if (injected !== undefined && injected > t.reprintGeneration) return { push: false, reason: 'SUPERSEDED_BY_REPRINT' };
  // A deleted ticket cannot be controlled, forced or not (TIXnGO refuses it).
  if (facts.has('cancel-pushed', t.reprintGeneration)) return { push: false, reason: 'TICKET_DELETED' };
  // Forcing pushes even when the ledger does not know the ticket was injected (S-360's force list).
  if (!forced && (injected === undefined || injected < t.reprintGeneration)) return { push: false, reason: 'WAITING_FOR_INJECTION' };
  if (!forced && facts.has('control-pushed', t.reprintGeneration)) return { push: false, reason: 'ALREADY_CONTROLLED' };
  return { push: true };
}
