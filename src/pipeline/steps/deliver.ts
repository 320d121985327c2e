import { RejectedError } from '../../shared/errors';
import { isSplittableRejection } from '../../tixngo/classify';
import { classifyOutcome } from '../../tixngo/outcomes';
import { encodeRequestBody, type PushEndpoint, type TicketOutcome, type TixngoApi } from '../../tixngo/tixngo-api';
import type { Retry } from '../in-flight';
import type { Outbox, RequestItem, WriteBack } from '../../contracts/outbox';
import type { DeliveryRecorder } from '../../contracts/recorder';

/** One ticket to push: the record it stands for (by index in the batch), its wire entry and its item. */
export interface Push<W> {
  readonly index: number;
  readonly ticketId: string;
  readonly organization: string;
  readonly work: W;
  readonly item: RequestItem;
}

/** Where and how one organization's tickets go: its TIXnGO account, and the role's route for it. */
export interface Destination {
  readonly tixngo: TixngoApi;
  /** A request body above this is split in two (a single ticket goes as it is). */
  readonly maxRequestBytes: number;
  readonly simulate: boolean;
  readonly writeBack?: WriteBack;
}

export type PushOutcome =
  | { readonly kind: 'pushed'; readonly requestId: string; readonly simulated: boolean }
  /** TIXnGO did not apply it, and rightly so (e.g. a control of a ticket deleted meanwhile). */
  | { readonly kind: 'skipped'; readonly reason: string; readonly requestId: string }
  | { readonly kind: 'rejected'; readonly error: RejectedError; readonly requestId: string };

export interface DeliverDeps {
  readonly outbox: Outbox;
  /** The destination of an organization's tickets; undefined: not served (never asked: select skipped them). */
  readonly destination: (organizationCode: string) => Destination | undefined;
  readonly recorder: DeliveryRecorder;
  readonly now: () => number;
  readonly signal: AbortSignal;
  /** Told after each answered request, for metrics. */
  readonly onAnswered?: (info: { tickets: number; applied: number; ms: number }) => void;
}

export interface DeliverSettings {
  readonly endpoint: PushEndpoint;
  readonly maxTicketsPerRequest: number;
}

/**
 * Delivers a batch's pushes: per organization (a request never mixes organizations: each has its own
 * TIXnGO account), requests of at most `maxTicketsPerRequest` tickets, in the order given (by ticket
 * id), one after another. Each request is written to the outbox (key, exact body, items)
 * before it is sent and removed once its outcome is recorded (`DeliveryRecorder`: write-back first,
 * then facts), so a crash at any point leaves it to be completed under its own key.
 *
 * A request TIXnGO refuses as a whole because of its content (400, 413, 422) applied nothing: it is
 * settled, and its two halves go as new requests (new keys, their own bodies), down to single tickets,
 * so the good tickets go through and only the bad ones are rejected; k bad tickets among n cost at
 * most about 2·k·log2(n) requests.
 */
export class Deliverer {
  private sequence = 0;

  constructor(
    private readonly deps: DeliverDeps,
    private readonly settings: DeliverSettings,
  ) {}

  /**
   * `requestPrefix` names the batch (its intent id); request ids are `<prefix>.<n>`. `retry` runs the
   * batch's I/O (it counts the batch's retries).
   */
  async deliver<W>(requestPrefix: string, pushes: readonly Push<W>[], retry: Retry): Promise<{ outcomes: Map<number, PushOutcome>; requests: number }> {
    const outcomes = new Map<number, PushOutcome>();
    const before = this.sequence;
    const byOrganization = new Map<string, Push<W>[]>();
    for (const p of pushes) {
      const list = byOrganization.get(p.organization);
      if (list) list.push(p);
      else byOrganization.set(p.organization, [p]);
    }
    for (const [organization, list] of byOrganization) {
      const to = this.deps.destination(organization);
      if (!to) throw new Error(`no destination for organization ${organization}: its records should have been skipped`);
      for (let i = 0; i < list.length; i += this.settings.maxTicketsPerRequest) {
        await this.send(requestPrefix, organization, to, list.slice(i, i + this.settings.maxTicketsPerRequest), outcomes, retry);
      }
    }
    return { outcomes, requests: this.sequence - before };
  }

  private async send<W>(
    prefix: string,
    organization: string,
    to: Destination,
    part: readonly Push<W>[],
    outcomes: Map<number, PushOutcome>,
    retry: Retry,
  ): Promise<void> {
    const { outbox, recorder } = this.deps;
    const again = (half: readonly Push<W>[]) => this.send(prefix, organization, to, half, outcomes, retry);
    const body = encodeRequestBody(part.map((p) => p.work));
    if (body.length > to.maxRequestBytes && part.length > 1) {
      const mid = Math.ceil(part.length / 2);
      await again(part.slice(0, mid));
      await again(part.slice(mid));
      return;
    }
    const requestId = `${prefix}.${++this.sequence}`;
    const items = part.map((p) => p.item);
    const at = new Date(this.deps.now());
    if (to.simulate) {
      await retry('store', () => recorder.simulated(this.settings.endpoint, items, { requestId, at }));
      for (const p of part) outcomes.set(p.index, { kind: 'pushed', requestId, simulated: true });
      return;
    }
    await retry('store', () =>
      outbox.putRequest({
        _id: requestId,
        intent: prefix,
        endpoint: this.settings.endpoint,
        organization,
        items,
        body,
        createdAt: at,
        ...(to.writeBack ? { writeBack: to.writeBack } : {}),
      }),
    );
    const started = this.deps.now();
    let result;
    try {
      result = await retry('tixngo', () =>
        to.tixngo.push(
          this.settings.endpoint,
          body,
          part.map((p) => p.ticketId),
          { idempotencyKey: requestId, signal: this.deps.signal },
        ),
      );
    } catch (e) {
      if (!(e instanceof RejectedError)) throw e;
      // Refused as a whole: nothing was applied, the request is settled.
      await retry('store', () => outbox.removeRequest(requestId));
      if (isSplittableRejection(e) && part.length > 1) {
        const mid = Math.ceil(part.length / 2);
        await again(part.slice(0, mid));
        await again(part.slice(mid));
        return;
      }
      for (const p of part) outcomes.set(p.index, { kind: 'rejected', error: new RejectedError(e.code, e.message, [p.ticketId]), requestId });
      return;
    }
    const answeredAt = this.deps.now();
    const byId = new Map<string, TicketOutcome>();
    for (const o of result.outcomes) byId.set(o.ticketId, o);
    const applied: RequestItem[] = [];
    for (const p of part) {
      const c = classifyOutcome(this.settings.endpoint, byId.get(p.ticketId) ?? { ticketId: p.ticketId, ok: false });
      if (c.kind === 'applied') {
        applied.push(p.item);
        outcomes.set(p.index, { kind: 'pushed', requestId, simulated: false });
      } else if (c.kind === 'skipped') outcomes.set(p.index, { kind: 'skipped', reason: c.reason, requestId });
      else outcomes.set(p.index, { kind: 'rejected', error: new RejectedError(c.code, c.reason, [p.ticketId]), requestId });
    }
    this.deps.onAnswered?.({ tickets: part.length, applied: applied.length, ms: answeredAt - started });
    if (applied.length > 0) {
      await retry('store', () =>
        recorder.delivered(this.settings.endpoint, applied, { requestId, at: new Date(answeredAt), ...(to.writeBack ? { writeBack: to.writeBack } : {}) }),
      );
    }
    await retry('store', () => outbox.removeRequest(requestId));
  }
}
