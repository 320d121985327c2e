import type { Config } from './config/load-config';
import { AvroCodec } from './kafka/avro-codec';
import { createKafka } from './kafka/kafka-client';
import { KafkaEventPublisher } from './kafka/producer';
import { LazyKafkaAdmin } from './kafka/admin';
import { createNotifier } from './notify/notifier';
import { BatchHistory } from './observe/batch-history';
import { LagPoller } from './observe/lag-poller';
import { KafkaProbe } from './ops/kafka-probe';
import { ExecutionStore } from './store/executions';
import { TicketTraceStore } from './store/ticket-trace';
import { Health } from './ops/health';
import { startOpsServer } from './ops/http-server';
import type { Logger } from './ops/logger';
import { createMetrics, type Metrics } from './ops/metrics';
import type { RunningRole } from './consumer-role';
import { checkOutputSchemas, ROLE_REGISTRY, type RoleRuntime } from './role-registry';
import type { PipelineEvents } from './pipeline/report';
import { errorCode, toSafeError } from './shared/errors';
import { HolderStore } from './store/holder-store';
import { MongoLeaseStore } from './store/lease-store';
import { connectMongo } from './store/mongo';
import { MongoOutbox } from './store/outbox';
import { LedgerRecorder } from './delivery/recorder';
import { TicketLedger } from './store/ticket-ledger';
import { AxiosTixngoApi } from './tixngo/axios-tixngo-api';
import { TixngoAccounts } from './tixngo/accounts';

export interface Bridge {
  readonly metrics: Metrics;
  readonly health: Health;
  readonly opsPort: number;
  /** Graceful stop: roles drain within the configured deadline, then every connection closes. */
  stop(): Promise<void>;
}

/**
 * The composition root: builds adapters from configuration, starts the configured roles and the ops
 * endpoints. `onFatal` is told when a role cannot go on; the caller decides to stop the process.
 */
export async function startBridge(config: Config, log: Logger, onFatal: (e: Error) => void): Promise<Bridge> {
  const metrics = createMetrics();
  const health = new Health();
  const ops = await startOpsServer({ host: config.http.host, port: config.http.port, health, metrics });
  const closers: (() => Promise<void>)[] = [() => ops.close()];
  const running: RunningRole[] = [];

  const stop = async () => {
    health.markStopping();
    await Promise.all(
      running.map((r) => r.stop(config.shutdown.drainDeadlineMs).catch((e) => log.error({ error: toSafeError(e), role: r.role }, 'role did not stop cleanly'))),
    );
    for (const close of closers.reverse()) await close().catch((e) => log.warn({ error: toSafeError(e) }, 'close failed'));
  };

  try {
    const mongo = await connectMongo({ ...config.mongo, metrics });
    closers.push(() => mongo.close());
    const kafka = createKafka(config.kafka, log);
    const publisher = new KafkaEventPublisher(kafka);
    closers.push(() => publisher.disconnect());
    await publisher.connect();
    const codec = new AvroCodec(config.schemaRegistry);
    const accounts = new TixngoAccounts(config.organizations);
    closers.push(async () => accounts.close());
    const ledger = new TicketLedger(mongo.db);
    const holders = new HolderStore(mongo.db);
    const outbox = new MongoOutbox(mongo.db);
    await outbox.ensureIndexes();
    await ledger.ensureIndexes();
    await holders.ensureIndexes();

    // Operations (issue 6): batch history and per-ticket trace for the CLI, failure digests by mail.
    const executions = new ExecutionStore(mongo.db, config.status.historyLimit);
    const traces = new TicketTraceStore(mongo.db);
    await executions.ensureIndexes();
    await traces.ensureIndexes();
    const history = new BatchHistory(
      executions,
      traces,
      { mode: 'live', instanceId: config.instanceId, traceRetentionMs: config.status.traceRetentionDays * 86_400_000 },
      log,
    );
    closers.push(() => history.stop());
    /** The holder-sync poller reports page failures with `notifier.reportPollerError({ code })`. */
    const notifier = createNotifier(config, log);
    closers.push(() => notifier.stop());

    const events: PipelineEvents = {
      onBatch: (report) => {
        history.record(report);
        notifier.onBatch(report);
      },
      onRetry: (info) => notifier.onRetry(info),
      onFatal: (e) => {
        log.fatal({ error: toSafeError(e) }, 'role failed');
        notifier.reportRoleStopped({ role: config.roles.join('+'), code: errorCode(e) });
        onFatal(e);
      },
    };
    const recorder = new LedgerRecorder(ledger, publisher, codec);
    const rt: RoleRuntime = {
      config,
      ledger,
      holders,
      codec,
      publisher,
      kafka,
      outbox,
      accounts: (code: string) => accounts.account(code),
      recorder,
      metrics,
      health,
      log,
      events,
      // Each holder-sync poller closes its own TIXnGO client when it stops.
      tixngoClient: (settings) => new AxiosTixngoApi(settings),
      leases: new MongoLeaseStore(mongo.db),
      notifier,
    };
    for (const role of config.roles) {
      const d = ROLE_REGISTRY[role];
      // Output schemas are checked before consuming: a missing registration stops the role at once.
      await checkOutputSchemas(d, codec, config.topics);
      running.push(await d.start(rt));
    }
    const lagTargets = running.flatMap((r) => (r.groupId && r.topics ? [{ role: r.role, groupId: r.groupId, topics: r.topics }] : []));
    const admin = new LazyKafkaAdmin(kafka);
    closers.push(() => admin.close());
    // Readiness follows the brokers themselves, not only the failures the roles happen to see. The probe
    // asks about the roles' own topics only: whole-cluster metadata, on a shared cluster of thousands of
    // topics, cost a role megabytes read every few seconds.
    const probeTopics = [
      ...new Set(config.roles.flatMap((r) => [...ROLE_REGISTRY[r].inputs(config.topics), ...ROLE_REGISTRY[r].outputs(config.topics)].map((t) => t.topic))),
    ];
    if (config.health.kafkaProbeMs > 0 && probeTopics.length > 0) {
      const probe = new KafkaProbe(async () => (await admin.get()).topicPartitions(probeTopics), health, log, {
        intervalMs: config.health.kafkaProbeMs,
        timeoutMs: 3_000,
      }).start();
      closers.push(() => probe.stop());
    }
    if (lagTargets.length > 0 && config.status.lagIntervalMs > 0) {
      const lag = new LagPoller(lagTargets, async (g, t) => (await admin.get()).lag(g, t), metrics, config.status.lagIntervalMs, log).start();
      closers.push(() => lag.stop());
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { metrics, health, opsPort: ops.port, stop };
}
