import { cancellationRole } from './cancellation/cancellation.role';
import { decideCancel } from './cancellation/decide';
import type { Config, PipelineConfig } from './config/load-config';
import { OrganizationRouter } from './config/organizations';
import { consumerSettings, startConsumerRole, type ConsumerRoleDeps, type RunningRole } from './consumer-role';
import type { OffsetToCommit, SourceMessage } from './contracts/source';
import { controlRole } from './control/control.role';
import { decideControl } from './control/decide';
import { startHolderSync, type HolderSyncDeps } from './holder-sync/holder-sync.poller';
import { decideInjection, injectionRole } from './injection/injection.role';
import type { AvroCodec, SchemaName } from './kafka/avro-codec';
import type { EventPublisher } from './kafka/producer';
import { forecastRecords, type ForecastDecision, type RecordForecast } from './pipeline/forecast';
import type { RoleLogic, RoleSpec } from './pipeline/role-spec';
import { ROLES, type Role } from './roles';
import { ticketKey } from './shared/ticket-key';
import type { HolderStore } from './store/holder-store';
import type { LeaseStore } from './store/lease-store';
import { EMPTY_FACTS, type TicketLedger } from './store/ticket-ledger';

/**
 * The one place that knows each role: its name, its settings, the topics it reads and writes with
 * their schemas, where its dead letters go, how it is built from adapters and started, and (consumer
 * roles) its read-only decision for forecasts. The service (`app.ts`) and the support CLI (`replay`,
 * `offsets`, `status`, `dlq`, `doctor`) read it; nothing else knows a role's topics or schemas.
 */
export type ConsumerRole = Exclude<Role, 'holder-sync'>;

type Topics = Config['topics'];

/** A topic a role reads or writes, and the schema of its records. */
export interface RoleTopic {
  readonly topic: string;
  readonly schema: SchemaName;
}

/** What building a consumer role's logic needs (the service, and the CLI's replay and its forecast). */
export interface RoleAdapters {
  readonly config: Config;
  readonly ledger: TicketLedger;
  readonly holders: HolderStore;
  readonly codec: AvroCodec;
  readonly publisher: EventPublisher;
}

/** What starting a consumer role needs besides its logic: the shared engine's and Kafka consumer's adapters. */
export type ConsumerRuntime = RoleAdapters & ConsumerRoleDeps;

/** What starting the holder-sync poller needs besides the consumer roles' adapters. */
export interface RoleRuntime extends ConsumerRuntime {
  readonly tixngoClient: HolderSyncDeps['tixngoClient'];
  readonly leases: LeaseStore;
  readonly notifier: HolderSyncDeps['notifier'];
}

/** Options of a one-shot run of a consumer role (the CLI's `replay`). */
export interface OneShot {
  /** A temporary consumer group instead of the role's own. */
  readonly groupId: string;
  /** Exclusive end offset per partition (`MessageSourceOptions.stopAtOffsets`). */
  readonly stopAtOffsets: readonly OffsetToCommit[];
}

interface Described {
  readonly role: Role;
  /** The topics it reads, with the schema of their records (the subject must protect the bridge's reader). */
  inputs(t: Topics): RoleTopic[];
  /** The topics it writes, with the schema it writes: checked registered before it starts. */
  outputs(t: Topics): RoleTopic[];
  /** The topics whose `<topic><TOPIC_DLQ_SUFFIX>` hold its dead letters (each record's source topic). */
  deadLetterSources(t: Topics): string[];
}

export interface ConsumerRoleDescriptor extends Described {
  readonly kind: 'consumer';
  readonly role: ConsumerRole;
  /** Its consumer group and batching (one setting per role for the whole release). */
  settings(c: Config): PipelineConfig;
  /** Starts consuming, under its own group or (`oneShot`) a temporary one up to given offsets. */
  start(rt: ConsumerRuntime, oneShot?: OneShot): Promise<RunningRole>;
  /**
   * Read only: what the role would do with records of its input, through its own steps and its
   * forecast decision (see `forecastRecords`); writes nothing, sends nothing.
   */
  forecaster(a: RoleAdapters): (records: readonly SourceMessage[]) => Promise<RecordForecast[]>;
}

export interface PollerRoleDescriptor extends Described {
  readonly kind: 'poller';
  readonly role: 'holder-sync';
  /** Why it has no consumer group (for commands about one). */
  readonly notAConsumer: string;
  /** Why its dead letters cannot be re-driven. */
  readonly noRedrive: string;
  start(rt: RoleRuntime): Promise<RunningRole>;
}

export type RoleDescriptor = ConsumerRoleDescriptor | PollerRoleDescriptor;

/** A consumer role as its module knows it; `consumer` turns it into a descriptor. */
interface ConsumerRoleDefinition<E, S, W> {
  readonly role: ConsumerRole;
  settings(c: Config): PipelineConfig;
  readonly input: { readonly schema: SchemaName; topics(t: Topics): string[] };
  outputs(t: Topics): RoleTopic[];
  /** The role's logic from adapters, each handed its slice of the configuration. */
  logic(a: RoleAdapters): RoleLogic<E, S, W>;
  /** Its read-only decision for forecasts, on what its `enrich` returned. */
  forecast: ForecastDecision<E, S>;
}

function consumer<E, S, W>(d: ConsumerRoleDefinition<E, S, W>): ConsumerRoleDescriptor {
  const build = (a: RoleAdapters): RoleSpec<E, S, W> => ({ ...d.logic(a), topics: d.input.topics(a.config.topics), schema: d.input.schema });
  return {
    kind: 'consumer',
    role: d.role,
    settings: d.settings,
    inputs: (t) => d.input.topics(t).map((topic) => ({ topic, schema: d.input.schema })),
    outputs: d.outputs,
    deadLetterSources: (t) => d.input.topics(t),
    start: (rt, oneShot) =>
      oneShot
        ? startConsumerRole(build(rt), consumerSettings(rt.config, { ...d.settings(rt.config), groupId: oneShot.groupId }), rt, {
            stopAtOffsets: oneShot.stopAtOffsets,
          })
        : startConsumerRole(build(rt), consumerSettings(rt.config, d.settings(rt.config)), rt),
    forecaster(a) {
      const spec = build(a);
      return (records) => forecastRecords(spec, d.forecast, a.codec, records);
    },
  };
}

const inject = consumer({
  role: 'inject',
  settings: (c) => c.inject,
  input: { schema: 'ticket-printed-eligible', topics: (t) => [t.printedEligible] },
  outputs: (t) => [
    { topic: t.printed, schema: 'ticket-printed' },
    // The inject role hands waiting cancellations and controls back to their topics.
    { topic: t.cancelled, schema: 'ticket-cancelled' },
    { topic: t.controlled, schema: 'ticket-controlled' },
  ],
  logic: (a) =>
    injectionRole({
      organizations: a.config.organizations,
      topics: a.config.topics,
      ledger: a.ledger,
      holders: a.holders,
      codec: a.codec,
      publisher: a.publisher,
    }),
  forecast: (e, state, forced) => decideInjection(e, state.ledger.get(ticketKey(e.organizationCode, e.ticketId)) ?? EMPTY_FACTS, forced),
});

const cancel = consumer({
  role: 'cancel',
  settings: (c) => c.cancel,
  input: { schema: 'ticket-cancelled', topics: (t) => [t.cancelled] },
  outputs: () => [],
  logic: (a) => cancellationRole({ organizations: a.config.organizations, ledger: a.ledger }),
  // No injection is in flight for a forecast.
  forecast: (e, state, forced) => decideCancel(e, state.get(ticketKey(e.organizationCode, e.ticketId)) ?? EMPTY_FACTS, forced, false),
});

const control = consumer({
  role: 'control',
  settings: (c) => c.control,
  input: { schema: 'ticket-controlled', topics: (t) => [t.controlled] },
  outputs: () => [],
  logic: (a) => controlRole({ organizations: a.config.organizations, ledger: a.ledger }),
  forecast: (e, state, forced) => decideControl(e, state.get(ticketKey(e.organizationCode, e.ticketId)) ?? EMPTY_FACTS, forced, false),
});

const holderSync: PollerRoleDescriptor = {
  kind: 'poller',
  role: 'holder-sync',
  notAConsumer: 'holder-sync is a poller of the TIXnGO change feed, not a Kafka consumer: it has no consumer group, offsets or input dead letters',
  noRedrive:
    "holder-sync's dead letters are change-feed records from TIXnGO, not Kafka records: there is no input topic to re-drive them to. " +
    "Inspect them with dlq list/show; the ticket's next change in TIXnGO brings its state again.",
  inputs: () => [],
  outputs: (t) => [{ topic: t.holderUpdated, schema: 'holder-updated' }],
  // Change-feed records it could not use.
  deadLetterSources: (t) => [t.holderUpdated],
  start(rt) {
    // One poller per TIXnGO organizer (organizations sharing an organizer share its poller).
    const { config, tixngoClient, holders, leases, codec, publisher, metrics, health, log, events, notifier } = rt;
    const { holderSync, topics, retry, dlq, instanceId } = config;
    return startHolderSync(new OrganizationRouter(config.organizations).organizers(), {
      config: { holderSync, topics, retry, dlq, instanceId, kafka: { heartbeatMs: config.kafka.heartbeatMs } },
      tixngoClient,
      holders,
      leases,
      codec,
      publisher,
      metrics,
      health,
      log,
      events,
      notifier,
    });
  },
};

/** Every role, by name. */
export const ROLE_REGISTRY: { readonly [R in Role]: R extends ConsumerRole ? ConsumerRoleDescriptor : PollerRoleDescriptor } = {
  inject,
  cancel,
  control,
  'holder-sync': holderSync,
};

/** Every role, in the order of `ROLES`. */
export function roleDescriptors(): RoleDescriptor[] {
  return ROLES.map((r) => ROLE_REGISTRY[r]);
}

/** Every consumer role, in the order of `ROLES`. */
export function consumerRoles(): ConsumerRoleDescriptor[] {
  return roleDescriptors().filter((d): d is ConsumerRoleDescriptor => d.kind === 'consumer');
}

/** Checks that this version's schema of each topic the role writes is registered under it (throws if not). */
export async function checkOutputSchemas(d: RoleDescriptor, codec: AvroCodec, topics: Topics): Promise<void> {
  for (const o of d.outputs(topics)) await codec.writerId(o.topic, o.schema);
}
