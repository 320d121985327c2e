import type { TicketFacts } from '../store/ticket-ledger';
import type { TicketControlled } from './control-event';

export type ControlDecision = { readonly push: true } | { readonly push: false; readonly reason: string };

/**
 * Pure: mark this ticket controlled in TIXnGO? Only when TIXnGO has that generation (otherwise the
 * control waits in the ledger and the injection hands it back), never for a ticket already deleted,
 * and never twice unless forced.
 */
export function decideControl(t: TicketControlled, facts: TicketFacts, forced: boolean): ControlDecision {
  const injected = facts.injectedGeneration;
  if (injected === undefined || injected < t.reprintGeneration) return { push: false, reason: 'WAITING_FOR_INJECTION' };
  if (injected > t.reprintGeneration) return { push: false, reason: 'SUPERSEDED_BY_REPRINT' };
  if (facts.of('cancel-pushed').some((f) => f.generation === t.reprintGeneration)) return { push: false, reason: 'TICKET_DELETED' };
  if (!forced && facts.has('control-pushed', t.reprintGeneration)) return { push: false, reason: 'ALREADY_CONTROLLED' };
  return { push: true };
}
