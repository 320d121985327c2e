import type { Located, RoleSpec } from '../role-spec';

/** A decoded record of the batch (its index in the batch keeps its fate attached to it). */
export interface Candidate<E> extends Located<E> {
  readonly index: number;
  /** The ticket as TIXnGO knows it. */
  readonly ticketId: string;
  readonly organization: string;
  /** `ticketKey(organization, ticketId)`: how claims, intents and the ledger name the ticket. */
  readonly key: string;
}

export interface Selection<E> {
  /** Records configuration excludes, with the reason. */
  readonly skipped: ReadonlyMap<number, string>;
  /** The other records, by ticket key, in offset order within each ticket. */
  readonly tickets: ReadonlyMap<string, readonly Candidate<E>[]>;
}

/**
 * Pure: filters the batch with the role's configuration and groups what is left by ticket. Every
 * record of a ticket stays in its group (none is dropped here): which of them is pushed is the role's
 * decision, made on all of them together (`decideTickets`).
 */
export function selectAndGroup<E>(spec: Pick<RoleSpec<E, unknown, unknown>, 'select'>, records: readonly Candidate<E>[]): Selection<E> {
  const skipped = new Map<number, string>();
  const tickets = new Map<string, Candidate<E>[]>();
  for (const r of records) {
    const reason = spec.select(r.event);
    if (reason) {
      skipped.set(r.index, reason);
      continue;
    }
    const group = tickets.get(r.key);
    if (group) group.push(r);
    else tickets.set(r.key, [r]);
  }
  return { skipped, tickets };
}
