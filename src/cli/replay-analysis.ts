import type { Kafka } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { readTopicRanges, type PartitionRange } from '../kafka/admin';
import type { SourceMessage } from '../contracts/source';
import type { LedgerDecision, RecordForecast } from '../pipeline/forecast';

/** What a replay would do, per ticket (the last record of a ticket in the range decides). */
export interface ReplayForecast {
  readonly records: number;
  readonly tickets: number;
  /** Tickets the ledger does not show as delivered: a replay sends them. */
  readonly wouldSend: number;
  /** Tickets the ledger shows as delivered: skipped by default, sent again with `--force`. */
  readonly alreadyDelivered: number;
  readonly deliveredTicketIds: readonly string[];
  /** Other tickets a replay skips, by reason (filters, skip list, not injected, …). */
  readonly skipped: Readonly<Record<string, number>>;
  /** Records that cannot be decoded or are invalid: a replay dead-letters them again. */
  readonly invalid: Readonly<Record<string, number>>;
}

type TicketFate = { readonly kind: 'send' } | { readonly kind: 'delivered'; readonly reason: string } | { readonly kind: 'skip'; readonly reason: string };

/** Pure tally of a forecast. */
export class ReplayTally {
  private records = 0;
  private readonly invalid: Record<string, number> = {};
  private readonly fates = new Map<string, TicketFate>();

  addInvalid(code: string): void {
    this.records++;
    this.invalid[code] = (this.invalid[code] ?? 0) + 1;
  }

  addFiltered(ticketId: string, reason: string): void {
    this.records++;
    this.fates.set(ticketId, { kind: 'skip', reason });
  }

  /** `normal`: the role's decision; `forced`: the same decision for a forced ticket. */
  addDecided(ticketId: string, normal: LedgerDecision, forced: LedgerDecision): void {
    this.records++;
    if (normal.push) this.fates.set(ticketId, { kind: 'send' });
    else if (forced.push) this.fates.set(ticketId, { kind: 'delivered', reason: normal.reason });
    else this.fates.set(ticketId, { kind: 'skip', reason: normal.reason });
  }

  forecast(): ReplayForecast {
    const skipped: Record<string, number> = {};
    const delivered: string[] = [];
    let wouldSend = 0;
    for (const [id, f] of this.fates) {
      if (f.kind === 'send') wouldSend++;
      else if (f.kind === 'delivered') delivered.push(id);
      else skipped[f.reason] = (skipped[f.reason] ?? 0) + 1;
    }
    return {
      records: this.records,
      tickets: this.fates.size,
      wouldSend,
      alreadyDelivered: delivered.length,
      deliveredTicketIds: delivered,
      skipped,
      invalid: { ...this.invalid },
    };
  }
}

/**
 * Reads the replay's records and asks the role what it would do with them (`forecaster`: its own
 * steps and its read-only forecast decision, with and without force). Reads only: nothing is written
 * to MongoDB, Kafka or TIXnGO.
 */
export async function forecastReplay(deps: {
  readonly kafka: Kafka;
  readonly forecaster: (records: readonly SourceMessage[]) => Promise<RecordForecast[]>;
  readonly groupIdPrefix: string;
  readonly ranges: ReadonlyMap<string, readonly PartitionRange[]>;
  readonly onProgress?: (records: number) => void;
}): Promise<ReplayForecast> {
  const tally = new ReplayTally();
  let seen = 0;
  const handle = async (records: readonly SourceMessage[]) => {
    for (const f of await deps.forecaster(records)) {
      if (f.kind === 'invalid') tally.addInvalid(f.code);
      else if (f.kind === 'filtered') tally.addFiltered(f.ticketId, f.reason);
      else tally.addDecided(f.ticketId, f.normal, f.forced);
    }
    seen += records.length;
    deps.onProgress?.(seen);
  };
  for (const [topic, ranges] of deps.ranges) {
    await readTopicRanges(deps.kafka, {
      topic,
      groupId: `${deps.groupIdPrefix}-replay-forecast-${randomBytes(4).toString('hex')}`,
      ranges,
      onRecords: handle,
      timeoutMs: 3_600_000,
    });
  }
  return tally.forecast();
}
