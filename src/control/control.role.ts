import type { Organizations } from '../config/load-config';
import { oncePerBatch, type Decision, type Located, type RoleLogic } from '../pipeline/role-spec';
import { listNames, parseTicketList, selectByShipmentMode, type ShipmentSelection } from '../shared/ticket-list';
import { EMPTY_FACTS, factId, type Fact, type TicketFacts, type TicketLedger } from '../store/ticket-ledger';
import { ticketKey } from '../shared/ticket-key';
import { whatTheCoreDid } from '../delivery/core-print-state';
import { OrganizationRules } from '../config/organization-rules';
import type { ControlTicket } from '../tixngo/tixngo-api';
import { parseControlled, type TicketControlled } from './control-event';
import { decideControl } from './decide';

/** The `control-seen` fact: the event itself and its partition, so the inject role can hand it back there. */
export function controlSeenFact(t: TicketControlled, at: Date, from?: { partition: number; offset: string }): Fact {
  return {
    _id: factId(ticketKey(t.organizationCode, t.ticketId), 'control-seen', t.reprintGeneration),
    ticketId: t.ticketId,
    organization: t.organizationCode,
    kind: 'control-seen',
    generation: t.reprintGeneration,
    at,
    data: { ...t, ...(from ? { partition: from.partition, offset: from.offset } : {}) },
  };
}

export interface ControlDeps {
  /** Whom the release serves, and each organization's control settings. */
  readonly organizations: Organizations;
  readonly ledger: TicketLedger;
}

/**
 * The `control` role ("Push controlled tickets"): ticket-controlled → TIXnGO control. Same protocol as
 * the cancel role: it records the control and its intent before reading, defers to an injection that
 * may be on its way, and the inject role hands the control back once TIXnGO has the ticket. A control
 * TIXnGO refuses because the ticket was just deleted is a counted skip (`TICKET_DELETED`).
 */
export function controlRole(deps: ControlDeps): RoleLogic<TicketControlled, ReadonlyMap<string, TicketFacts>, ControlTicket> {
  const rules = new OrganizationRules(deps.organizations, (o) => ({
    selection: { shipmentModes: o.control.shipmentModes, force: parseTicketList(o.control.force), skip: parseTicketList(o.control.skip) } as ShipmentSelection,
    simulate: o.control.simulate,
    /** The organization's TIXnGO point of sales (the core's print state names it). */
    posCode: o.inject.posCode,
  }));

  return {
    role: 'control',
    endpoint: 'control',
    waitsFor: [],
    parse: parseControlled,
    ticketId: (t) => t.ticketId,
    organization: (t) => t.organizationCode,
    route: (code) => rules.route(code, (r) => ({ simulate: r.simulate })),
    select: (t) => rules.select(t.organizationCode, (r) => selectByShipmentMode(t, r.selection)),

    /** What the core did: the control, and that the ticket is in TIXnGO when the core printed it through the TIXnGO point of sales. */
    async seen(records, at) {
      await deps.ledger.record(whatTheCoreDid(records, at, controlSeenFact, (code) => rules.of(code)?.posCode ?? ''));
    },

    enrich: (events) =>
      deps.ledger.getMany(
        events.map((e) => ticketKey(e.organizationCode, e.ticketId)),
        ['inject', 'cancel-pushed', 'control-pushed'],
      ),

    decide(records: readonly Located<TicketControlled>[], state, inFlight): Decision<ControlTicket>[] {
      const first = records[0]!.event;
      const facts = state.get(ticketKey(first.organizationCode, first.ticketId)) ?? EMPTY_FACTS;
      const r = rules.of(first.organizationCode)!; // select skipped the organizations the release does not serve
      return oncePerBatch(records, (t) => {
        const d = decideControl(t, facts, listNames(r.selection.force, t), inFlight.has('inject'));
        if (!d.push) return { kind: 'skip', reason: d.reason };
        return { kind: 'push', work: { ticketId: t.ticketId, controlledAt: t.controlledAt.toISOString() } };
      });
    },

    item: (t) => ({ ticketId: t.ticketId, organization: t.organizationCode, generation: t.reprintGeneration }),
  };
}
