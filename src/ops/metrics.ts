import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric of the bridge, defined in one place. Names: `tixngo_bridge_<noun>_<unit>`, label `role` (holder-sync adds `organizer`). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tixngo_bridge_process_' });
  const registers = [registry];
  return {
    registry,
    received: new Counter({ name: 'tixngo_bridge_received_total', help: 'Records received from Kafka', labelNames: ['role'], registers }),
    skipped: new Counter({
      name: 'tixngo_bridge_skipped_total',
      help: 'Records skipped, by reason (and S-360 organization, or TIXnGO organizer for holder-sync)',
      labelNames: ['role', 'reason', 'organization', 'organizer'],
      registers,
    }),
    pushed: new Counter({
      name: 'tixngo_bridge_pushed_total',
      help: 'Tickets accepted by TIXnGO (or simulated), by S-360 organization',
      labelNames: ['role', 'simulated', 'organization'],
      registers,
    }),
    rejected: new Counter({
      name: 'tixngo_bridge_rejected_total',
      help: 'Tickets rejected by TIXnGO, by S-360 organization',
      labelNames: ['role', 'code', 'organization'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'tixngo_bridge_dead_lettered_total',
      help: 'Records written to a dead-letter topic, by error code (and S-360 organization when known; TIXnGO organizer for holder-sync)',
      labelNames: ['role', 'code', 'organization', 'organizer'],
      registers,
    }),
    retries: new Counter({
      name: 'tixngo_bridge_retries_total',
      help: 'Retries of transient failures, by error code',
      labelNames: ['role', 'code', 'organizer'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'tixngo_bridge_batch_size',
      help: 'Records per closed batch',
      labelNames: ['role'],
      buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
      registers,
    }),
    pushLatency: new Histogram({
      name: 'tixngo_bridge_push_latency_seconds',
      help: 'Duration of successful TIXnGO requests',
      labelNames: ['role'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    eventToPush: new Histogram({
      name: 'tixngo_bridge_event_to_push_seconds',
      help: 'From the Kafka record timestamp to TIXnGO acceptance',
      labelNames: ['role'],
      buckets: [0.1, 0.25, 0.5, 1, 1.5, 2, 5, 10, 30, 60, 300],
      registers,
    }),
    ready: new Gauge({
      name: 'tixngo_bridge_ready',
      help: 'The role is started and none of its dependencies is failing (1), as /readyz, or not (0)',
      labelNames: ['role'],
      registers,
    }),
    groupJoins: new Counter({
      name: 'tixngo_bridge_group_joins_total',
      help: 'Consumer group joins (the first, then one per rebalance)',
      labelNames: ['role'],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'tixngo_bridge_consumer_lag',
      help: 'Records between the committed offset and the end of the partition',
      labelNames: ['role', 'topic', 'partition'],
      registers,
    }),
    pollerPages: new Counter({
      name: 'tixngo_bridge_poller_pages_total',
      help: 'Change-feed pages read by holder-sync, by TIXnGO organizer',
      labelNames: ['role', 'organizer'],
      registers,
    }),
    pollerRecords: new Counter({
      name: 'tixngo_bridge_poller_records_total',
      help: 'Change-feed records handled by holder-sync, by organizer and outcome',
      labelNames: ['role', 'organizer', 'outcome'],
      registers,
    }),
    pollerKeyAge: new Gauge({
      name: 'tixngo_bridge_poller_key_age_seconds',
      help: 'Seconds since the pagination key of an organizer last moved',
      labelNames: ['role', 'organizer'],
      registers,
    }),
    // The store client is one per process, shared by its roles: these have no `role` label.
    storeCommands: new Counter({
      name: 'tixngo_bridge_store_commands_total',
      help: 'Commands (round trips) sent to MongoDB, by command and collection',
      labelNames: ['command', 'collection'],
      registers,
    }),
    storeDocumentsWritten: new Counter({
      name: 'tixngo_bridge_store_documents_written_total',
      help: 'Documents MongoDB inserted, modified or deleted, as its replies count them, by collection and operation',
      labelNames: ['collection', 'operation'],
      registers,
    }),
    storeDocumentsRead: new Counter({
      name: 'tixngo_bridge_store_documents_read_total',
      help: 'Documents returned by MongoDB cursors (find, aggregate, getMore), by collection',
      labelNames: ['collection'],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
