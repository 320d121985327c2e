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
import type { Outbox } from './contracts/outbox';
import type { DeliveryRecorder } from './contracts/recorder';
import type { PipelineEvents } from './pipeline/report';
import type { RoleSpec } from './pipeline/role-spec';
import type { OffsetToCommit } from './contracts/source';

/** What a consumer role's engine and Kafka consumer take from the configuration (`consumerSettings`). */
export interface ConsumerSettings {
  /** The role's consumer group and batching. */
  readonly pipeline: PipelineConfig;
  readonly kafka: Pick<Config['kafka'], 'sessionTimeoutMs' | 'heartbeatMs' | 'rebalanceTimeoutMs' | 'partitionsConcurrently' | 'maxWaitMs'>;
  /** A dead letter goes to `<its source topic><dlqSuffix>`. */
  readonly dlqSuffix: string;
  readonly retry: Config['retry'];
  readonly dlq: Config['dlq'];
  readonly outbox: Config['outbox'];
  readonly instanceId: string;
  /** The organizations the release serves (their names, for the start-up log line). */
  readonly organizations: readonly string[];
}

/** The slice of the configuration a consumer role runs with, `pipeline` being its own batching settings. */
export function consumerSettings(config: Config, pipeline: PipelineConfig): ConsumerSettings {
  const { sessionTimeoutMs, heartbeatMs, rebalanceTimeoutMs, partitionsConcurrently, maxWaitMs } = config.kafka;
  return {
    pipeline,
    kafka: { sessionTimeoutMs, heartbeatMs, rebalanceTimeoutMs, partitionsConcurrently, maxWaitMs },
    dlqSuffix: config.topics.dlqSuffix,
    retry: config.retry,
    dlq: config.dlq,
    outbox: config.outbox,
    instanceId: config.instanceId,
    organizations: config.organizations.entries.map((o) => o.name),
  };
}

export interface ConsumerRoleDeps {
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
  config: ConsumerSettings,
  deps: ConsumerRoleDeps,
  options: ConsumerRoleOptions = {},
): Promise<RunningRole> {
  const log = deps.log.child({ role: spec.role });
  const settings = config.pipeline;
  const { heartbeatMs } = config.kafka;
  const source = new KafkaMessageSource(
    deps.kafka,
    {
      groupId: settings.groupId,
      topics: spec.topics,
      sessionTimeoutMs: config.kafka.sessionTimeoutMs,
      rebalanceTimeoutMs: config.kafka.rebalanceTimeoutMs,
      maxWaitMs: config.kafka.maxWaitMs,
      heartbeatMs,
      partitionsConcurrently: config.kafka.partitionsConcurrently,
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
      deadLetters: new KafkaDeadLetterSink(deps.publisher, spec.role, (t) => `${t}${config.dlqSuffix}`),
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
      retry: config.retry,
      dlq: config.dlq,
      instanceId: config.instanceId,
      outbox: config.outbox,
      heartbeatMs,
    },
  );
  source.onCrash((e) => deps.events.onFatal(e));
  await source.start(pipeline.accept, { onAssigned: (partitions) => pipeline.onAssigned(partitions) });
  deps.health.markStarted(spec.role);
  log.info({ groupId: settings.groupId, topics: spec.topics, organizations: config.organizations }, 'role started');
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
