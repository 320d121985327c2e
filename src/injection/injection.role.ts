import type { Config } from '../config/load-config';
import type { AvroCodec } from '../kafka/avro-codec';
import type { EventPublisher } from '../kafka/producer';
import type { Decision, Delivered, RecordContext, RoleSpec } from '../pipeline/role-spec';
import { PoisonMessageError } from '../shared/errors';
import type { HolderState, HolderStore } from '../store/holder-store';
import { EMPTY_FACTS, factId, type TicketFacts, type TicketLedger } from '../store/ticket-ledger';
import type { InjectTicket, TixngoApi } from '../tixngo/tixngo-api';
import { toInjectPayload, type PayloadSettings } from './payload';
import { listNames, parseTicketList, selectForInjection, type InjectSelection } from './select';
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
        deps.ledger.getMany(events.map((e) => e.ticketId)),
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

    async record(delivered: readonly Delivered<TicketPrintedEligible, InjectTicket>[], ctx: RecordContext) {
      const kind = ctx.simulated ? 'inject-simulated' : 'inject';
      await deps.ledger.record(
        delivered.map((d) => ({
          _id: factId(d.event.ticketId, kind, d.event.reprintGeneration),
          ticketId: d.event.ticketId,
          kind,
          generation: d.event.reprintGeneration,
          at: ctx.at,
          requestId: ctx.requestId,
        })),
      );
      // Simulation writes nothing back: the core must not mark simulated tickets as printed.
      if (ctx.simulated || delivered.length === 0) return;
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
    },
  };
}
