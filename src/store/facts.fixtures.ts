import { factId, type Fact, type FactKind } from './ticket-ledger';

/** A ledger fact for unit tables (ticket `T1` unless said otherwise). */
export function aFact(kind: FactKind, generation: number, detail?: string, data?: Record<string, unknown>, ticketId = 'T1'): Fact {
  return {
    _id: factId(`ORG1:${ticketId}`, kind, generation, detail),
    ticketId,
    organization: 'ORG1',
    kind,
    generation,
    at: new Date(0),
    ...(detail !== undefined ? { detail } : {}),
    ...(data ? { data } : {}),
  };
}
