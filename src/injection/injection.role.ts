import type { Config } from '../config/load-config';
import type { AvroCodec } from '../kafka/avro-codec';
import type { EventPublisher, OutgoingMessage } from '../kafka/producer';
import type { Decision, Delivered, RecordContext, RoleSpec } from '../pipeline/role-spec';
import { PoisonMessageError } from '../shared/errors';
import type { HolderState, HolderStore } from '../store/holder-store';
import { EMPTY_FACTS, factId, type Fact, type TicketFacts, type TicketLedger } from '../store/ticket-ledger';
import type { InjectTicket, TixngoApi } from '../tixngo/tixngo-api';
import { toInjectPayload, type PayloadSettings } from './payload';
import { listNames, parseTicketList } from '../shared/ticket-list';
import { selectForInjection, type InjectSelection } from './select';
import { parseTemplate } from './template';
import { parseEligible, type TicketPrintedEligible } from './ticket-event';

export interface InjectionState {
  readonly ledger: ReadonlyMap<string, TicketFacts>;
  readonly holders: ReadonlyMap<string, HolderState>;
}

/**
 * Pure: given what the ledger knows, should this ticket be pushed? A ticket cancelled before it was
 * injected is never injected; an already injected generation is not pushed again unless forced.
 */
export function decideInjection(
  t: TicketPrintedEligible,
  facts: TicketFacts,
  forced: boolean,
): { push: true } | { push: false; reason: string } {
  const cancelled = facts.maxGeneration('cancel-seen');
  if (cancelled !== undefined && cancelled >= t.reprintGeneration) return { push: false, reason: 'CANCELLED_BEFORE_INJECTION' };
  const injected = facts.injectedGeneration;
  if (!forced && injected !== undefined && injected >= t.reprintGeneration) return { push: false, reason: 'ALREADY_INJECTED' };
  return { push: true };
}

/** Header on a cancellation or control that the inject role handed back to its topic. */
export const HANDED_BACK_HEADER = 'x-bridge-handed-back-by';

/**
 * Pure: cancellations and controls of the injected generation that were seen but not pushed yet (they
 * arrived while the ticket was not in TIXnGO). Their role pushes them once they are handed back.
 */
export function waitingBehindInjection(facts: TicketFacts): Fact[] {
  const g = facts.injectedGeneration;
  if (g === undefined) return [];
  const pushedReasons = new Set(facts.of('cancel-pushed').filter((f) => f.generation === g).map((f) => f.detail));
  const waiting = facts.of('cancel-seen').filter((f) => f.generation === g && !pushedReasons.has(f.detail) && f.data);
  // A deleted ticket cannot be controlled any more (TIXnGO refuses it): no control is waiting then.
  if (!facts.has('control-pushed', g) && pushedReasons.size === 0) {
    waiting.push(...facts.of('control-seen').filter((f) => f.generation === g && f.data));
  }
  return waiting;
}

export interface InjectionDeps {
  readonly config: Config;
  readonly tixngo: TixngoApi;
  readonly ledger: TicketLedger;
  readonly holders: HolderStore;
  readonly codec: AvroCodec;
  readonly publisher: EventPublisher;
}

/** The `inject` role ("Tickets external printing"): ticket-printed-eligible → TIXnGO → ticket-printed. */
export function injectionRole(deps: InjectionDeps): RoleSpec<TicketPrintedEligible, InjectionState, InjectTicket> {
  const c = deps.config.inject;
  const selection: InjectSelection = {
    filters: c.filters,
    force: parseTicketList(c.force),
    skip: parseTicketList(c.skip),
    mandatoryHolderFields: c.mandatoryHolderFields,
  };
  const payloadSettings: PayloadSettings = {
    barcodePrefix: c.barcodePrefix,
    barcodePostfix: c.barcodePostfix,
    activationMethod: c.activationMethod,
    overlayLastOwner: c.overlayLastOwner,
    resetInvalidationReasons: c.resetInvalidationReasons,
    // Refused at start-up, naming the setting, when it touches a protected field.
    template: c.template ? parseTemplate(c.template.text) : undefined,
  };
  const printedTopic = deps.config.topics.printed;

  return {
    role: 'inject',
    topics: [deps.config.topics.printedEligible],
    schema: 'ticket-printed-eligible',
    parse: parseEligible,
    ticketId: (t) => t.ticketId,
    select: (t) => selectForInjection(t, selection),

    async enrich(events) {
      const reprinted = events.filter((e) => e.reprintGeneration > 0).map((e) => e.ticketId);
      const [ledger, holders] = await Promise.all([
        // decideInjection looks at injections and cancellations only; a ticket with either gets all its facts.
        deps.ledger.getMany(events.map((e) => e.ticketId), ['inject', 'cancel-seen']),
        deps.holders.getMany(reprinted),
      ]);
      return { ledger, holders };
    },

    decide(t, state): Decision<InjectTicket> {
      const d = decideInjection(t, state.ledger.get(t.ticketId) ?? EMPTY_FACTS, listNames(selection.force, t));
      if (!d.push) return { kind: 'skip', reason: d.reason };
      try {
        return { kind: 'push', work: toInjectPayload(t, state.holders.get(t.ticketId), payloadSettings).payload };
      } catch (e) {
        if (e instanceof PoisonMessageError) return { kind: 'dead-letter', error: e };
        throw e;
      }
    },

    deliver: (work, ctx) => deps.tixngo.injectTickets(work, ctx),

    /**
     * The inject side of the cross-role protocol (see the cancel role): after recording an injection,
     * look for a cancellation or control of the same generation that arrived meanwhile and was left
     * waiting, and hand it back to its topic so its own role pushes it, now that TIXnGO has the ticket.
     * Skipped records are looked at too, so a crash between recording and handing back is made good.
     */
    async reconcile(handled, state) {
      const pushedIds = handled.filter((h) => h.outcome === 'pushed').map((h) => h.event.ticketId);
      // Only a seen cancellation or control can be waiting (waitingBehindInjection).
      const fresh = pushedIds.length > 0 ? await deps.ledger.getMany(pushedIds, ['cancel-seen', 'control-seen']) : new Map<string, TicketFacts>();
      const cancels: OutgoingMessage[] = [];
      const controls: OutgoingMessage[] = [];
      for (const h of handled) {
        if (h.outcome === 'skipped' && h.reason !== 'ALREADY_INJECTED' && h.reason !== 'CANCELLED_BEFORE_INJECTION') continue;
        const facts = (h.outcome === 'pushed' ? fresh : state.ledger).get(h.event.ticketId) ?? EMPTY_FACTS;
        for (const w of waitingBehindInjection(facts)) {
          const topic = w.kind === 'cancel-seen' ? deps.config.topics.cancelled : deps.config.topics.controlled;
          const value = await deps.codec.encode(topic, w.kind === 'cancel-seen' ? 'ticket-cancelled' : 'ticket-controlled', w.data);
          (w.kind === 'cancel-seen' ? cancels : controls).push({ key: w.ticketId, value, headers: { [HANDED_BACK_HEADER]: 'inject' } });
        }
      }
      await deps.publisher.publish(deps.config.topics.cancelled, cancels);
      await deps.publisher.publish(deps.config.topics.controlled, controls);
    },

    async record(delivered: readonly Delivered<TicketPrintedEligible, InjectTicket>[], ctx: RecordContext) {
      const kind = ctx.simulated ? 'inject-simulated' : 'inject';
      const facts = delivered.map((d): Fact => ({
        _id: factId(d.event.ticketId, kind, d.event.reprintGeneration),
        ticketId: d.event.ticketId,
        kind,
        generation: d.event.reprintGeneration,
        at: ctx.at,
        requestId: ctx.requestId,
      }));
      // Simulation writes nothing back: the core must not mark simulated tickets as printed.
      if (ctx.simulated || delivered.length === 0) {
        await deps.ledger.record(facts);
        return;
      }
      // The ledger and the write-back are independent, and both must be done before the commit:
      // they run side by side. Both are idempotent, so a retry of the pair repeats nothing harmful.
      await Promise.all([deps.ledger.record(facts), writeBack(delivered, ctx)]);
    },
  };

  async function writeBack(delivered: readonly Delivered<TicketPrintedEligible, InjectTicket>[], ctx: RecordContext): Promise<void> {
    const messages = await Promise.all(
      delivered.map(async (d) => ({
        key: d.event.ticketId,
        value: await deps.codec.encode(printedTopic, 'ticket-printed', {
          ticketId: d.event.ticketId,
          reprintGeneration: d.event.reprintGeneration,
          printedAt: ctx.at,
          salesChannelCode: c.salesChannelCode,
          posCode: c.posCode,
          simulated: false,
        }),
      })),
    );
    await deps.publisher.publish(printedTopic, messages);
  }
}
