import type { PushEndpoint } from '../tixngo/tixngo-api';
import type { RequestItem, WriteBack } from './outbox';

/**
 * Port: records what TIXnGO accepted, per endpoint. Implemented by `src/delivery/recorder.ts` (ledger
 * facts, `ticket-printed` write-back). It works from a request's items alone, so a request a stopped
 * process left behind is recorded the same way by whoever completes it.
 */
export interface DeliveryRecorder {
  /**
   * TIXnGO applied these items of request `requestId`. Tells the core first (injections:
   * `ticket-printed`), then records the facts: a crash in between repeats the write-back (consumers drop
   * repeats by ticket id and generation) and never loses it. Idempotent.
   */
  delivered(
    endpoint: PushEndpoint,
    items: readonly RequestItem[],
    ctx: { readonly requestId: string; readonly at: Date; readonly writeBack?: WriteBack },
  ): Promise<void>;
  /** Simulation: facts of their own kind, which no decision counts as delivered; nothing is told to the core. */
  simulated(endpoint: PushEndpoint, items: readonly RequestItem[], ctx: { readonly requestId: string; readonly at: Date }): Promise<void>;
}
