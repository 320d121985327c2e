import type { SimulatorState, TicketHistory } from '../../src/simulator/state';
import { aCancellation, aControl, aPrintedTicket } from '../../src/tools/sample-events';
import type { TicketCancelled } from '../../src/cancellation/cancel-event';
import type { TicketControlled } from '../../src/control/control-event';
import type { TicketPrintedEligible } from '../../src/injection/ticket-event';

/** Ticket `n` at generation `g`: each generation has its own barcode (`BC<n>G<g>`), as a reprint does. */
export function ticketAt(n: number, g = 0, overrides: Partial<TicketPrintedEligible> = {}): TicketPrintedEligible {
  return aPrintedTicket({ reprintGeneration: g, barcode: barcodeOf(n, g), ...overrides }, n);
}

export function barcodeOf(n: number, g: number): string {
  return `BC${n}G${g}`;
}

export const idOf = (n: number) => aPrintedTicket({}, n).ticketId;

/** A cancellation (CANCELLED) or an invalidation (INVALIDATED) of generation `g`, at `occurredAt`. */
export function voidOf(ticketId: string, g: number, reason: string, occurredAt: Date, status: 'CANCELLED' | 'INVALIDATED' = 'CANCELLED'): TicketCancelled {
  return aCancellation(ticketId, { reprintGeneration: g, reason, status, occurredAt });
}

export function controlOf(ticketId: string, g = 0, controlledAt = new Date()): TicketControlled {
  return aControl(ticketId, { reprintGeneration: g, controlledAt });
}

export const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

/**
 * A ticket's accepted operations as one line, e.g. `inject@0 delete@0(ORDER_CANCELLED) inject@1`:
 * `op@generation`, the generation being the payload's for a delete or control (the simulator's
 * history). `(absent)` when TIXnGO never had the ticket.
 */
export function opsLine(h: TicketHistory | undefined): string {
  if (!h) return '(absent)';
  return h.ops.map((o) => `${o.op}@${o.generation ?? '?'}${o.reason ? `(${o.reason})` : ''}`).join(' ');
}

/** `opsLine` of each ticket, keyed by id: the assertion's table (a failure shows every ticket's story). */
export function opsTable(state: SimulatorState, ids: readonly string[]): Record<string, string> {
  const byId = new Map(state.history({ ticketIds: ids }).map((h) => [h.ticketId, h]));
  return Object.fromEntries(ids.map((id) => [id, opsLine(byId.get(id))]));
}

/** Same key for every id. */
export function tableOf<T>(ids: readonly string[], value: (id: string) => T): Record<string, T> {
  return Object.fromEntries(ids.map((id) => [id, value(id)]));
}

export function isDeleted(status: string | undefined): boolean {
  return status === 'DELETION_PENDING' || status === 'DELETED';
}

/** The barcode TIXnGO holds for the ticket (`security.barcode` of its last accepted payload). */
export function barcodeInTixngo(state: SimulatorState, id: string): string | undefined {
  const p = state.ticket(id)?.lastPayload as { security?: { barcode?: string } } | undefined;
  return p?.security?.barcode;
}
