import type { Kafka } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import type { AvroCodec } from '../kafka/avro-codec';
import { readTopicRanges, type PartitionRange } from '../kafka/admin';
import type { SourceMessage } from '../pipeline/source';
import type { RoleSpec } from '../pipeline/role-spec';
import { PoisonMessageError } from '../shared/errors';
import { ticketKey } from '../shared/ticket-key';
import { EMPTY_FACTS, type TicketLedger } from '../store/ticket-ledger';
import type { ConsumerRoleEntry, LedgerDecision, TicketEvent } from './role-catalog';

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
 * Reads the replay's records and asks the role's own pure steps what it would do with them:
 * decode, parse, select, and its ledger decision with and without force. Reads only: nothing is
 * written to MongoDB, Kafka or TIXnGO (the role's `enrich` is not called, since some roles record
 * what they see there).
 */
export async function forecastReplay(deps: {
  readonly kafka: Kafka;
  readonly codec: AvroCodec;
  readonly ledger: TicketLedger;
  readonly entry: ConsumerRoleEntry;
  readonly spec: RoleSpec<TicketEvent, unknown, unknown>;
  readonly groupIdPrefix: string;
  readonly ranges: ReadonlyMap<string, readonly PartitionRange[]>;
  readonly onProgress?: (records: number) => void;
}): Promise<ReplayForecast> {
  const tally = new ReplayTally();
  let seen = 0;
  const handle = async (records: readonly SourceMessage[]) => {
    const decided: TicketEvent[] = [];
    for (const r of records) {
      try {
        const event = deps.spec.parse(await deps.codec.decode(r.value, deps.spec.schema));
        const reason = deps.spec.select(event);
        if (reason) tally.addFiltered(event.ticketId, reason);
        else decided.push(event);
      } catch (e) {
        if (e instanceof PoisonMessageError) tally.addInvalid(e.code);
        else throw e;
      }
    }
    if (decided.length > 0) {
      // The store keys tickets by organization (`ticketKey`).
      const facts = await deps.ledger.getMany(decided.map((e) => ticketKey(e.organizationCode, e.ticketId)));
      for (const e of decided) {
        const mine = facts.get(ticketKey(e.organizationCode, e.ticketId)) ?? EMPTY_FACTS;
        tally.addDecided(e.ticketId, deps.entry.decide(e, mine, false), deps.entry.decide(e, mine, true));
      }
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
