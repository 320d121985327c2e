import { cancellationToPush } from '../cancellation/decide';
import type { Config, Organizations } from '../config/load-config';
import { controlToPush } from '../control/decide';
import type { AvroCodec } from '../kafka/avro-codec';
import type { EventPublisher, OutgoingMessage } from '../kafka/producer';
import type { Decision, Located, RoleLogic } from '../pipeline/role-spec';
import { PoisonMessageError } from '../shared/errors';
import { listNames, parseTicketList } from '../shared/ticket-list';
import { holderStateId, type HolderState, type HolderStore } from '../store/holder-store';
import { EMPTY_FACTS, type Fact, type TicketFacts, type TicketLedger } from '../store/ticket-ledger';
import type { InjectTicket } from '../tixngo/tixngo-api';
import { toInjectPayload, type PayloadSettings } from './payload';
import { selectForInjection, type InjectSelection } from './select';
import { parseTemplate } from './template';
import { ticketKey } from '../shared/ticket-key';
import { OrganizationRules } from '../config/organization-rules';
import { ConfigError } from '../shared/errors';
import { parseEligible, type TicketPrintedEligible } from './ticket-event';

export interface InjectionState {
  readonly ledger: ReadonlyMap<string, TicketFacts>;
  /** Reprinted tickets' holder states, by `holderStateId(organizerId, ticketId)`. */
  readonly holders: ReadonlyMap<string, HolderState>;
}

/**
 * Pure: given what the ledger knows, should this ticket be pushed? A ticket cancelled before it was
 * injected is never injected; a generation TIXnGO has is not pushed again unless forced; an older
 * generation than one TIXnGO has is never pushed, not even forced (TIXnGO must end with the newest).
 */
export function decideInjection(t: TicketPrintedEligible, facts: TicketFacts, forced: boolean): { push: true } | { push: false; reason: string } {
  const cancelled = facts.maxGeneration('cancel-seen');
  if (cancelled !== undefined && cancelled >= t.reprintGeneration) return { push: false, reason: 'CANCELLED_BEFORE_INJECTION' };
  const injected = facts.injectedGeneration;
  if (injected !== undefined && injected > t.reprintGeneration) return { push: false, reason: 'SUPERSEDED_BY_REPRINT' };
  if (!forced && injected === t.reprintGeneration) return { push: false, reason: 'ALREADY_INJECTED' };
  return { push: true };
}

/** Header on a cancellation or control that the inject role handed back to its topic. */
export const HANDED_BACK_HEADER = 'x-bridge-handed-back-by';

/**
 * Pure: what waits for the injection TIXnGO has: the cancellation (its newest reason) and the control
 * of the injected generation that their roles would push now. They arrived before the injection, or
 * while one was on its way (their roles deferred); the inject role hands them back to their topics.
 */
export function waitingBehindInjection(facts: TicketFacts): Fact[] {
  const g = facts.injectedGeneration;
  if (g === undefined) return [];
  const out: Fact[] = [];
  const cancellation = cancellationToPush(facts, g);
  if (cancellation?.data) out.push(cancellation);
  const control = controlToPush(facts, g);
  if (control?.data) out.push(control);
  return out;
}

export interface InjectionDeps {
  /** Whom the release serves, and each organization's inject settings. */
  readonly organizations: Organizations;
  /** Where the role writes: the write-back, and the cancellations and controls it hands back. */
  readonly topics: Pick<Config['topics'], 'printed' | 'cancelled' | 'controlled'>;
  readonly ledger: TicketLedger;
  readonly holders: HolderStore;
  readonly codec: AvroCodec;
  readonly publisher: EventPublisher;
}

/** The `inject` role ("Tickets external printing"): ticket-printed-eligible → TIXnGO → ticket-printed. */
export function injectionRole(deps: InjectionDeps): RoleLogic<TicketPrintedEligible, InjectionState, InjectTicket> {
  const rules = new OrganizationRules(deps.organizations, (o) => {
    const c = o.inject;
    const selection: InjectSelection = {
      filters: c.filters,
      force: parseTicketList(c.force),
      skip: parseTicketList(c.skip),
      mandatoryHolderFields: c.mandatoryHolderFields,
    };
    const payload: PayloadSettings = {
      barcodePrefix: c.barcodePrefix,
      barcodePostfix: c.barcodePostfix,
      activationMethod: c.activationMethod,
      overlayLastOwner: c.overlayLastOwner,
      resetInvalidationReasons: c.resetInvalidationReasons,
      // Refused at start-up, naming the setting (and the organization), when it touches a protected field.
      template: c.template ? parseTemplateOf(c.template.text, deps.organizations.mode === 'file' ? o.name : undefined) : undefined,
    };
    // Simulation writes nothing back: the core must not mark simulated tickets as printed.
    const writeBack = c.simulate ? undefined : { topic: deps.topics.printed, salesChannelCode: c.salesChannelCode, posCode: c.posCode };
    return { selection, payload, simulate: c.simulate, writeBack, organizerId: o.organizerId };
  });

  return {
    role: 'inject',
    endpoint: 'inject',
    // A deletion or control of an older generation is recorded before a newer generation goes out.
    waitsFor: ['cancel', 'control'],
    parse: parseEligible,
    ticketId: (t) => t.ticketId,
    organization: (t) => t.organizationCode,
    route: (code) => rules.route(code, (r) => ({ simulate: r.simulate, ...(r.writeBack ? { writeBack: r.writeBack } : {}) })),
    select: (t) => rules.select(t.organizationCode, (r) => selectForInjection(t, r.selection)),

    async enrich(events) {
      const reprinted: { organizerId: string; ticketId: string }[] = [];
      for (const e of events) {
        const organizerId = e.reprintGeneration > 0 ? rules.of(e.organizationCode)?.organizerId : undefined;
        if (organizerId !== undefined) reprinted.push({ organizerId, ticketId: e.ticketId });
      }
      const [ledger, holders] = await Promise.all([
        // Mostly new tickets, without facts: one slot per kind first (see `getMany`).
        deps.ledger.getMany(
          events.map((e) => ticketKey(e.organizationCode, e.ticketId)),
          ['inject', 'cancel-seen'],
          1,
        ),
        // A reprint's last holder, from the change feed of the TIXnGO organizer its organization injects into.
        deps.holders.getStates(reprinted),
      ]);
      return { ledger, holders };
    },

    decide(records: readonly Located<TicketPrintedEligible>[], state): Decision<InjectTicket>[] {
      // The newest generation in the batch is the candidate (the later record among equals); the other
      // records of the ticket are superseded by it, whatever the candidate's fate.
      let candidate = 0;
      records.forEach((r, i) => {
        if (r.event.reprintGeneration >= records[candidate]!.event.reprintGeneration) candidate = i;
      });
      return records.map(({ event: t }, i): Decision<InjectTicket> => {
        if (i !== candidate) return { kind: 'skip', reason: 'SUPERSEDED_IN_BATCH' };
        const r = rules.of(t.organizationCode)!; // select skipped the organizations the release does not serve
        const key = ticketKey(t.organizationCode, t.ticketId);
        const d = decideInjection(t, state.ledger.get(key) ?? EMPTY_FACTS, listNames(r.selection.force, t));
        if (!d.push) return { kind: 'skip', reason: d.reason };
        try {
          return { kind: 'push', work: toInjectPayload(t, state.holders.get(holderStateId(r.organizerId, t.ticketId)), r.payload).payload };
        } catch (e) {
          if (e instanceof PoisonMessageError) return { kind: 'dead-letter', error: e };
          throw e;
        }
      });
    },

    item: (t) => ({ ticketId: t.ticketId, organization: t.organizationCode, generation: t.reprintGeneration }),

    /**
     * The inject side of the cross-role protocol (`src/pipeline/in-flight.ts`), run once the batch's
     * intent is gone, for every ticket the batch named: a cancellation or control that waited for the
     * injection (it came first, or its role deferred while the injection was on its way) is handed
     * back to its topic, to the partition its original came from, so its own role pushes it now.
     * Idempotent: a second hand-back pushes nothing (the role reads the ledger), and a crash before it
     * ran is made good when the records are read again.
     */
    async reconcile(ticketIds) {
      // Only a ticket the core cancelled or controlled can have something waiting (almost none of a
      // batch): look for those first, then read the rest of their facts.
      const seen = await deps.ledger.keysWithAny(ticketIds, ['cancel-seen', 'control-seen']);
      if (seen.size === 0) return;
      const facts = await deps.ledger.getMany([...seen], ['inject', 'cancel-seen', 'cancel-pushed', 'control-seen', 'control-pushed']);
      const cancels: OutgoingMessage[] = [];
      const controls: OutgoingMessage[] = [];
      for (const f of facts.values()) {
        for (const w of waitingBehindInjection(f)) {
          const isCancel = w.kind === 'cancel-seen';
          const topic = isCancel ? deps.topics.cancelled : deps.topics.controlled;
          const { partition, offset: _offset, ...event } = w.data as Record<string, unknown>;
          const value = await deps.codec.encode(topic, isCancel ? 'ticket-cancelled' : 'ticket-controlled', event);
          (isCancel ? cancels : controls).push({
            key: w.ticketId,
            value,
            headers: { [HANDED_BACK_HEADER]: 'inject' },
            ...(typeof partition === 'number' ? { partition } : {}),
          });
        }
      }
      await deps.publisher.publish(deps.topics.cancelled, cancels);
      await deps.publisher.publish(deps.topics.controlled, controls);
    },
  };
}

/** The template of one organization, its start-up errors naming the organization (in a file of several). */
function parseTemplateOf(text: string, organization: string | undefined): ReturnType<typeof parseTemplate> {
  try {
    return parseTemplate(text);
  } catch (e) {
    if (e instanceof ConfigError && organization !== undefined) {
      throw new ConfigError(e.issues.map((i) => ({ ...i, key: `BRIDGE_ORGANIZATIONS_FILE: ${organization}: ${i.key}` })));
    }
    throw e;
  }
}
