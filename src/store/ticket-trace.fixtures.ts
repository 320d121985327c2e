import type { TicketTrace, TicketOutcomeKind } from '../pipeline/report';

/** One record's fate for unit tables (ticket `x`, offset 0 of partition 0 of topic `t`). */
export function aTicketTrace(outcome: TicketOutcomeKind, over: { organization?: string; reason?: string } = {}): TicketTrace {
  return {
    ticketId: 'x',
    ...(over.organization ? { organization: over.organization } : {}),
    topic: 't',
    partition: 0,
    offset: '0',
    outcome,
    ...(over.reason ? { reason: over.reason } : {}),
  };
}
