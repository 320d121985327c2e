import type { Decision, RoleSpec } from '../role-spec';
import type { Candidate } from './select';

const NOBODY: ReadonlySet<string> = new Set();

/**
 * Pure: the role's decision for every record of every ticket. The role sees all records of a ticket at
 * once, so none is lost to another record of the same ticket in the batch (an older generation, an
 * earlier reason); it may push at most one of them.
 */
export function decideTickets<E, S, W>(
  spec: Pick<RoleSpec<E, S, W>, 'decide' | 'role'>,
  tickets: ReadonlyMap<string, readonly Candidate<E>[]>,
  state: S,
  inFlight: ReadonlyMap<string, ReadonlySet<string>>,
): Map<number, Decision<W>> {
  const out = new Map<number, Decision<W>>();
  for (const [ticketId, records] of tickets) {
    const decisions = spec.decide(records, state, inFlight.get(ticketId) ?? NOBODY);
    if (decisions.length !== records.length) throw new Error(`${spec.role}: decide returned ${decisions.length} decisions for ${records.length} records`);
    let pushes = 0;
    for (let i = 0; i < records.length; i++) {
      const d = decisions[i]!;
      if (d.kind === 'push' && ++pushes > 1) throw new Error(`${spec.role}: decide pushed one ticket twice in a batch`);
    }
    for (let i = 0; i < records.length; i++) out.set(records[i]!.index, decisions[i]!);
  }
  return out;
}
