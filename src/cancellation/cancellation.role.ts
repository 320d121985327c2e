import type { Config } from '../config/load-config';
import type { Decision, RoleSpec } from '../pipeline/role-spec';
import { listNames, parseTicketList, selectByShipmentMode, type ShipmentSelection } from '../shared/ticket-list';
import { EMPTY_FACTS, factId, type Fact, type TicketFacts, type TicketLedger } from '../store/ticket-ledger';
import type { DeleteTicket, TixngoApi } from '../tixngo/tixngo-api';
import { parseCancelled, type TicketCancelled } from './cancel-event';
import { decideCancel, showDeletedTicket, type VisibilitySettings } from './decide';

/** The `cancel:seen` fact of a cancellation: the event itself, so the inject role can hand it back. */
export function cancelSeenFact(t: TicketCancelled, at: Date): Fact {
  return {
    _id: factId(t.ticketId, 'cancel-seen', t.reprintGeneration, t.reason),
    ticketId: t.ticketId,
    kind: 'cancel-seen',
    generation: t.reprintGeneration,
    detail: t.reason,
    at,
    data: { ...t },
  };
}

export interface CancellationDeps {
  readonly config: Config;
  readonly tixngo: TixngoApi;
  readonly ledger: TicketLedger;
  readonly now?: () => Date;
}

/**
 * The `cancel` role ("Push cancelled and invalidated tickets"): ticket-cancelled → TIXnGO delete.
 *
 * Races with injection are settled through the ledger, without transactions: this role first records
 * that it saw the cancellation (`cancel-seen`), then reads whether the ticket was injected. The inject
 * role records an injection first, then reads `cancel-seen`. Whichever comes second sees the other:
 * if it is this role, it deletes; if it is the inject role, it hands the cancellation back to this
 * topic, and this role deletes it then. Deletions are recorded per reason (`cancel-pushed`), so the
 * ticket is deleted exactly once, and always after TIXnGO accepted the injection.
 */
export function cancellationRole(deps: CancellationDeps): RoleSpec<TicketCancelled, ReadonlyMap<string, TicketFacts>, DeleteTicket> {
  const c = deps.config.cancel;
  const now = deps.now ?? (() => new Date());
  const selection: ShipmentSelection = { shipmentModes: c.shipmentModes, force: parseTicketList(c.force), skip: parseTicketList(c.skip) };
  const visibility: VisibilitySettings = {
    overrideReasons: c.visibilityOverrideReasons,
    notifySpectator: c.notifySpectator,
    defaultValue: c.visibilityDefault,
  };

  return {
    role: 'cancel',
    topics: [deps.config.topics.cancelled],
    schema: 'ticket-cancelled',
    parse: parseCancelled,
    ticketId: (t) => t.ticketId,
    select: (t) => selectByShipmentMode(t, selection),

    async enrich(events) {
      // Seen first, read second: the order that makes a concurrent injection notice us (see above).
      await deps.ledger.record(events.map((e) => cancelSeenFact(e, now())));
      // decideCancel needs an injection before anything else matters.
      return deps.ledger.getMany(events.map((e) => e.ticketId), ['inject']);
    },

    decide(t, facts): Decision<DeleteTicket> {
      const d = decideCancel(t, facts.get(t.ticketId) ?? EMPTY_FACTS, listNames(selection.force, t));
      if (!d.push) return { kind: 'skip', reason: d.reason };
      return { kind: 'push', work: { ticketId: t.ticketId, reason: t.reason, showDeletedTicket: showDeletedTicket(t.reason, visibility) } };
    },

    deliver: (work, ctx) => deps.tixngo.deleteTickets(work, ctx),

    async record(delivered, ctx) {
      await deps.ledger.record(
        delivered.map((d) => ({
          _id: factId(d.event.ticketId, 'cancel-pushed', d.event.reprintGeneration, d.event.reason),
          ticketId: d.event.ticketId,
          kind: 'cancel-pushed' as const,
          generation: d.event.reprintGeneration,
          detail: d.event.reason,
          at: ctx.at,
          requestId: ctx.requestId,
          data: { showDeletedTicket: d.work.showDeletedTicket },
        })),
      );
    },
  };
}
