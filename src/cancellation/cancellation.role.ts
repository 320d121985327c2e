import type { Organizations } from '../config/load-config';
import { oncePerBatch, type Decision, type Located, type RoleLogic } from '../pipeline/role-spec';
import { listNames, parseTicketList, selectByShipmentMode, type ShipmentSelection } from '../shared/ticket-list';
import { EMPTY_FACTS, factId, type Fact, type TicketFacts, type TicketLedger } from '../store/ticket-ledger';
import { ticketKey } from '../shared/ticket-key';
import { whatTheCoreDid } from '../delivery/core-print-state';
import { OrganizationRules } from '../config/organization-rules';
import type { DeleteTicket } from '../tixngo/tixngo-api';
import { parseCancelled, type TicketCancelled } from './cancel-event';
import { decideCancel, showDeletedTicket, type VisibilitySettings } from './decide';

/**
 * The `cancel-seen` fact of a cancellation: the event itself and where it first came from: the
 * partition, so the inject role can hand it back there once TIXnGO has the ticket, and the offset,
 * which orders two reasons the core made in the same millisecond (the later record wins).
 */
export function cancelSeenFact(t: TicketCancelled, at: Date, from?: { partition: number; offset: string }): Fact {
  return {
    _id: factId(ticketKey(t.organizationCode, t.ticketId), 'cancel-seen', t.reprintGeneration, t.reason, t.occurredAt),
    ticketId: t.ticketId,
    organization: t.organizationCode,
    kind: 'cancel-seen',
    generation: t.reprintGeneration,
    detail: t.reason,
    occurredAt: t.occurredAt,
    at,
    data: { ...t, ...(from ? { partition: from.partition, offset: from.offset } : {}) },
  };
}

export interface CancellationDeps {
  /** Whom the release serves, and each organization's cancel settings. */
  readonly organizations: Organizations;
  readonly ledger: TicketLedger;
}

/** What the role needs of one organization's settings. */
interface CancelRules {
  readonly selection: ShipmentSelection;
  readonly visibility: VisibilitySettings;
  readonly simulate: boolean;
  /** The organization's TIXnGO point of sales (the core's print state names it). */
  readonly posCode: string;
}

/**
 * The `cancel` role ("Push cancelled and invalidated tickets"): ticket-cancelled → TIXnGO delete.
 *
 * Races with injection are settled through the store without transactions (the argument is in
 * `src/pipeline/in-flight.ts`): before reading, a batch records that the core cancelled its tickets
 * (`cancel-seen`, every record, filtered or not: a cancellation the role does not push still stops a
 * later injection) and writes its intent. It defers (`WAITING_FOR_INJECTION`) to any injection that
 * may be on its way, and the inject role hands the cancellation back once that injection is recorded.
 * Deletions are recorded per cancellation (`cancel-pushed`), so a ticket is deleted once per reason
 * change, always after TIXnGO accepted its injection, never after a newer generation was sent.
 */
export function cancellationRole(deps: CancellationDeps): RoleLogic<TicketCancelled, ReadonlyMap<string, TicketFacts>, DeleteTicket> {
  const rules = new OrganizationRules(
    deps.organizations,
    (o): CancelRules => ({
      selection: { shipmentModes: o.cancel.shipmentModes, force: parseTicketList(o.cancel.force), skip: parseTicketList(o.cancel.skip) },
      visibility: { overrideReasons: o.cancel.visibilityOverrideReasons, notifySpectator: o.cancel.notifySpectator, defaultValue: o.cancel.visibilityDefault },
      simulate: o.cancel.simulate,
      posCode: o.inject.posCode,
    }),
  );

  return {
    role: 'cancel',
    endpoint: 'delete',
    waitsFor: [],
    parse: parseCancelled,
    ticketId: (t) => t.ticketId,
    organization: (t) => t.organizationCode,
    route: (code) => rules.route(code, (r) => ({ simulate: r.simulate })),
    select: (t) => rules.select(t.organizationCode, (r) => selectByShipmentMode(t, r.selection)),

    /**
     * What the core did: the cancellation (every record, filtered or not: it stops a later injection),
     * and, when the core says it printed the ticket through the organization's TIXnGO point of sales,
     * that the ticket is in TIXnGO (a ticket put in the wallet before the bridge went live).
     */
    async seen(records, at) {
      await deps.ledger.record(whatTheCoreDid(records, at, cancelSeenFact, (code) => rules.of(code)?.posCode ?? ''));
    },

    enrich: (events) =>
      deps.ledger.getMany(
        events.map((e) => ticketKey(e.organizationCode, e.ticketId)),
        ['inject', 'cancel-seen', 'cancel-pushed'],
      ),

    decide(records: readonly Located<TicketCancelled>[], state, inFlight): Decision<DeleteTicket>[] {
      const first = records[0]!.event;
      const facts = state.get(ticketKey(first.organizationCode, first.ticketId)) ?? EMPTY_FACTS;
      const r = rules.of(first.organizationCode)!; // select skipped the organizations the release does not serve
      return oncePerBatch(records, (t) => {
        const d = decideCancel(t, facts, listNames(r.selection.force, t), inFlight.has('inject'));
        if (!d.push) return { kind: 'skip', reason: d.reason };
        return { kind: 'push', work: { ticketId: t.ticketId, reason: t.reason, showDeletedTicket: showDeletedTicket(t.reason, r.visibility) } };
      });
    },

    item: (t) => ({
      ticketId: t.ticketId,
      organization: t.organizationCode,
      generation: t.reprintGeneration,
      reason: t.reason,
      occurredAt: t.occurredAt.getTime(),
    }),
  };
}
