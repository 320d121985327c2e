import type { Kafka } from 'kafkajs';
import type { Config, PipelineConfig } from './config/load-config';
import type { AvroCodec } from './kafka/avro-codec';
import { KafkaDeadLetterSink } from './kafka/dead-letter';
import { KafkaMessageSource } from './kafka/message-source';
import type { EventPublisher } from './kafka/producer';
import type { Health } from './ops/health';
import type { Logger } from './ops/logger';
import type { Metrics } from './ops/metrics';
import { Pipeline, type PipelineDeps } from './pipeline/engine';
import type { Outbox } from './pipeline/outbox';
import type { DeliveryRecorder } from './pipeline/recorder';
import type { PipelineEvents } from './pipeline/report';
import type { RoleSpec } from './pipeline/role-spec';
import type { OffsetToCommit } from './pipeline/source';

export interface ConsumerRoleDeps {
  readonly config: Config;
  readonly kafka: Kafka;
  readonly codec: AvroCodec;
  readonly publisher: EventPublisher;
  readonly outbox: Outbox;
  readonly accounts: PipelineDeps['accounts'];
  readonly recorder: DeliveryRecorder;
  readonly metrics: Metrics;
  readonly health: Health;
  readonly log: Logger;
  readonly events: PipelineEvents;
}

export interface RunningRole {
  readonly role: string;
  /** The consumer group and topics of a consumer role (for the consumer-lag metric); absent for pollers. */
  readonly groupId?: string;
  readonly topics?: readonly string[];
  /** One-shot runs (`stopAtOffsets`): resolves once every partition is handled up to its end offset. */
  readonly finished?: Promise<void>;
  /** Stops fetching, finishes (or past the deadline abandons) the in-flight batch, commits, leaves the group. */
  stop(deadlineMs: number): Promise<void>;
}

/** Options of a one-shot run (the support CLI's `replay`); a role in service passes none. */
export interface ConsumerRoleOptions {
  /** Exclusive end offset per partition; see `MessageSourceOptions.stopAtOffsets`. */
  readonly stopAtOffsets?: readonly OffsetToCommit[];
}

/** Wires a role's spec into the shared engine and a Kafka consumer group, and starts consuming. */
export async function startConsumerRole<E, S, W>(
  spec: RoleSpec<E, S, W>,
  settings: PipelineConfig,
  deps: ConsumerRoleDeps,
  options: ConsumerRoleOptions = {},
): Promise<RunningRole> {
  const log = deps.log.child({ role: spec.role });
  const heartbeatMs = deps.config.kafka.heartbeatMs;
  const source = new KafkaMessageSource(
    deps.kafka,
    {
      groupId: settings.groupId,
      topics: spec.topics,
      sessionTimeoutMs: deps.config.kafka.sessionTimeoutMs,
      heartbeatMs,
      partitionsConcurrently: 64,
      fromBeginning: true,
      ...(options.stopAtOffsets ? { stopAtOffsets: options.stopAtOffsets } : {}),
      onGroupJoin: () => deps.metrics.groupJoins.inc({ role: spec.role }),
    },
    log,
  );
  const pipeline = new Pipeline(
    spec,
    {
      decoder: deps.codec,
      deadLetters: new KafkaDeadLetterSink(deps.publisher, spec.role, (t) => `${t}${deps.config.topics.dlqSuffix}`),
      outbox: deps.outbox,
      accounts: deps.accounts,
      recorder: deps.recorder,
      commit: (offsets) => source.commit(offsets),
      metrics: deps.metrics,
      health: deps.health,
      log,
      events: deps.events,
    },
    {
      batch: { maxItems: settings.batchSize, maxBytes: settings.maxBatchBytes, lingerMs: settings.lingerMs },
      maxTicketsPerRequest: settings.maxTicketsPerRequest,
      batchesInFlight: settings.batchesInFlight,
      retry: deps.config.retry,
      dlq: deps.config.dlq,
      instanceId: deps.config.instanceId,
      outboxStaleMs: deps.config.outbox.staleMs,
      heartbeatMs,
    },
  );
  source.onCrash((e) => deps.events.onFatal(e));
  await source.start(pipeline.accept, { onAssigned: (partitions) => pipeline.onAssigned(partitions) });
  deps.health.markStarted(spec.role);
  log.info({ groupId: settings.groupId, topics: spec.topics, organizations: deps.config.organizations.entries.map((o) => o.name) }, 'role started');
  return {
    role: spec.role,
    groupId: settings.groupId,
    topics: spec.topics,
    ...(options.stopAtOffsets ? { finished: source.finished() } : {}),
    async stop(deadlineMs) {
      await pipeline.stop(deadlineMs);
      await source.stop();
      log.info('role stopped');
    },
  };
}
