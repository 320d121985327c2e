import type { AvroCodec } from '../kafka/avro-codec';
import type { EventPublisher } from '../kafka/producer';
import type { RequestItem, WriteBack } from '../contracts/outbox';
import type { DeliveryRecorder } from '../contracts/recorder';
import { factId, type Fact, type FactKind, type TicketLedger } from '../store/ticket-ledger';
import type { PushEndpoint } from '../tixngo/tixngo-api';
import { ticketKey } from '../shared/ticket-key';

const DELIVERED: Record<PushEndpoint, FactKind> = { inject: 'inject', delete: 'cancel-pushed', control: 'control-pushed' };
const SIMULATED: Record<PushEndpoint, FactKind> = { inject: 'inject-simulated', delete: 'cancel-simulated', control: 'control-simulated' };

/** The ledger fact of an item TIXnGO accepted (or that was simulated). */
export function factOf(kind: FactKind, item: RequestItem, requestId: string, at: Date): Fact {
  const occurredAt = item.occurredAt !== undefined ? new Date(item.occurredAt) : undefined;
  const fact: { -readonly [K in keyof Fact]: Fact[K] } = {
    _id: factId(ticketKey(item.organization, item.ticketId), kind, item.generation, item.reason, occurredAt),
    ticketId: item.ticketId,
    organization: item.organization,
    kind,
    generation: item.generation,
    at,
    requestId,
  };
  // Optional fields only when set (absent, not undefined), in this order.
  if (item.reason !== undefined) fact.detail = item.reason;
  if (occurredAt) fact.occurredAt = occurredAt;
  return fact;
}

/** Records deliveries in the ledger, after telling the core about injections (`ticket-printed`). */
export class LedgerRecorder implements DeliveryRecorder {
  constructor(
    private readonly ledger: TicketLedger,
    private readonly publisher: EventPublisher,
    private readonly codec: AvroCodec,
  ) {}

  async delivered(endpoint: PushEndpoint, items: readonly RequestItem[], ctx: { requestId: string; at: Date; writeBack?: WriteBack }): Promise<void> {
    if (endpoint === 'inject' && ctx.writeBack) await this.writeBack(items, ctx.writeBack, ctx.at);
    await this.ledger.record(items.map((i) => factOf(DELIVERED[endpoint], i, ctx.requestId, ctx.at)));
  }

  async simulated(endpoint: PushEndpoint, items: readonly RequestItem[], ctx: { requestId: string; at: Date }): Promise<void> {
    await this.ledger.record(items.map((i) => factOf(SIMULATED[endpoint], i, ctx.requestId, ctx.at)));
  }

  /**
   * `ticket-printed` for every ticket TIXnGO accepted, before the ledger fact: a crash in between sends
   * it again (consumers drop repeats by ticket id and generation), never loses it.
   */
  private async writeBack(items: readonly RequestItem[], w: WriteBack, at: Date): Promise<void> {
    const encode = await this.codec.encoder(w.topic, 'ticket-printed');
    const messages = items.map((i) => ({
      key: i.ticketId,
      value: encode({
        ticketId: i.ticketId,
        reprintGeneration: i.generation,
        printedAt: at,
        salesChannelCode: w.salesChannelCode,
        posCode: w.posCode,
        simulated: false,
      }),
    }));
    await this.publisher.publish(w.topic, messages);
  }
}
