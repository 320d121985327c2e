import { foreignInjectFact, type Fact } from '../store/ticket-ledger';

/** What a cancellation or control says of the core's print state. */
export interface PrintState {
  readonly ticketId: string;
  readonly organizationCode: string;
  readonly reprintGeneration: number;
  readonly printedPosCode: string | null;
  readonly printedAt: Date | null;
}

/**
 * Pure: the `inject` fact (source `core`) a cancellation or control implies when the core says it printed
 * that generation through the organization's TIXnGO point of sales (`posCode`): the ticket is in TIXnGO
 * even if this bridge never pushed it (S-360's batch jobs did, before go-live). That is how S-360 itself
 * judges "previously injected". Undefined when the event says nothing of the kind.
 */
export function corePrintedFact(e: PrintState, posCode: string, seenAt: Date): Fact | undefined {
  if (!posCode || e.printedPosCode !== posCode) return undefined;
  return foreignInjectFact(e.organizationCode, e.ticketId, e.reprintGeneration, e.printedAt ?? seenAt, 'core', { posCode });
}

/**
 * The facts a cancel or control batch records before it reads anything: the event itself (`seen`, for
 * every record, filtered or not) and, where the core printed the ticket through the organization's TIXnGO
 * point of sales, that it is in TIXnGO.
 */
export function whatTheCoreDid<E extends PrintState>(
  records: readonly { readonly event: E; readonly partition: number; readonly offset: string }[],
  at: Date,
  seen: (event: E, at: Date, from: { partition: number; offset: string }) => Fact,
  posCodeOf: (organizationCode: string) => string,
): Fact[] {
  const facts: Fact[] = [];
  for (const r of records) {
    facts.push(seen(r.event, at, { partition: r.partition, offset: r.offset }));
    const printed = corePrintedFact(r.event, posCodeOf(r.event.organizationCode), at);
    if (printed) facts.push(printed);
  }
  return facts;
}
