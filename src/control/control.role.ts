import type { Config } from '../config/load-config';
import type { Decision, RoleSpec } from '../pipeline/role-spec';
import { listNames, parseTicketList, selectByShipmentMode, type ShipmentSelection } from '../shared/ticket-list';
import { EMPTY_FACTS, factId, type Fact, type TicketFacts, type TicketLedger } from '../store/ticket-ledger';
import type { ControlTicket, TixngoApi } from '../tixngo/tixngo-api';
import { parseControlled, type TicketControlled } from './control-event';
import { decideControl } from './decide';

/** The `control-seen` fact: the event itself, so the inject role can hand it back once injected. */
export function controlSeenFact(t: TicketControlled, at: Date): Fact {
  return {
    _id: factId(t.ticketId, 'control-seen', t.reprintGeneration),
    ticketId: t.ticketId,
    kind: 'control-seen',
    generation: t.reprintGeneration,
    at,
    data: { ...t },
  };
}

export interface ControlDeps {
  readonly config: Config;
  readonly tixngo: TixngoApi;
  readonly ledger: TicketLedger;
  readonly now?: () => Date;
}

/**
 * The `control` role ("Push controlled tickets"): ticket-controlled → TIXnGO control. A control that
 * arrives before its injection is recorded (`control-seen`) and skipped; the inject role hands it
 * back to this topic once TIXnGO accepted the injection (same seen-then-read protocol as `cancel`).
 */
export function controlRole(deps: ControlDeps): RoleSpec<TicketControlled, ReadonlyMap<string, TicketFacts>, ControlTicket> {
  const c = deps.config.control;
  const now = deps.now ?? (() => new Date());
  const selection: ShipmentSelection = { shipmentModes: c.shipmentModes, force: parseTicketList(c.force), skip: parseTicketList(c.skip) };

  return {
    role: 'control',
    topics: [deps.config.topics.controlled],
    schema: 'ticket-controlled',
    parse: parseControlled,
    ticketId: (t) => t.ticketId,
    select: (t) => selectByShipmentMode(t, selection),

    async enrich(events) {
      await deps.ledger.record(events.map((e) => controlSeenFact(e, now())));
      // decideControl needs an injection before anything else matters.
      return deps.ledger.getMany(events.map((e) => e.ticketId), ['inject']);
    },

    decide(t, facts): Decision<ControlTicket> {
      const d = decideControl(t, facts.get(t.ticketId) ?? EMPTY_FACTS, listNames(selection.force, t));
      if (!d.push) return { kind: 'skip', reason: d.reason };
      return { kind: 'push', work: { ticketId: t.ticketId, controlledAt: t.controlledAt.toISOString() } };
    },

    deliver: (work, ctx) => deps.tixngo.controlTickets(work, ctx),

    async record(delivered, ctx) {
      await deps.ledger.record(
        delivered.map((d) => ({
          _id: factId(d.event.ticketId, 'control-pushed', d.event.reprintGeneration),
          ticketId: d.event.ticketId,
          kind: 'control-pushed' as const,
          generation: d.event.reprintGeneration,
          at: ctx.at,
          requestId: ctx.requestId,
        })),
      );
    },
  };
}
