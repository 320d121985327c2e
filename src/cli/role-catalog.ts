import { cancellationRole } from '../cancellation/cancellation.role';
import { decideCancel } from '../cancellation/decide';
import type { Config, PipelineConfig } from '../config/load-config';
import { controlRole } from '../control/control.role';
import { decideControl } from '../control/decide';
import { decideInjection, injectionRole } from '../injection/injection.role';
import type { AvroCodec } from '../kafka/avro-codec';
import type { EventPublisher } from '../kafka/producer';
import type { RoleSpec } from '../pipeline/role-spec';
import { ROLES, type Role } from '../roles';
import type { HolderStore } from '../store/holder-store';
import type { TicketFacts, TicketLedger } from '../store/ticket-ledger';
import type { TixngoAccounts } from '../tixngo/accounts';

/**
 * What the support CLI knows of each role: its consumer group and topics (for `offsets`, `replay`,
 * `status`, `dlq`), how to build its spec (for `replay`, through the same pipeline as the service),
 * and its pure ledger decision (for `replay --dry-run`, which must not write anything).
 *
 * When a role lands or changes its topics, add or update its entry here as well as its starter in
 * `app.ts`. A role without an entry is reported as "not available in this version".
 */
export type ConsumerRole = Exclude<Role, 'holder-sync'>;

export interface RoleAdapters {
  readonly config: Config;
  readonly accounts: TixngoAccounts;
  readonly ledger: TicketLedger;
  readonly holders: HolderStore;
  readonly codec: AvroCodec;
  readonly publisher: EventPublisher;
}

/** The decision a role makes from the ledger, without I/O (`decideInjection`, `decideCancel`, …). */
export type LedgerDecision = { readonly push: true } | { readonly push: false; readonly reason: string };

/** A ticket event as every consumer role's events carry it. */
export interface TicketEvent {
  readonly ticketId: string;
  readonly organizationCode: string;
  readonly taxNumber: string;
  readonly reprintGeneration: number;
}

export interface ConsumerRoleEntry {
  readonly role: ConsumerRole;
  settings(config: Config): PipelineConfig;
  inputTopics(config: Config): string[];
  /** Builds the role's spec; `prepare` runs the role's start-up checks (output schemas registered). */
  build(a: RoleAdapters): RoleSpec<TicketEvent, unknown, unknown>;
  prepare(a: RoleAdapters): Promise<void>;
  decide(event: TicketEvent, facts: TicketFacts, forced: boolean): LedgerDecision;
}

const CATALOG: Partial<Record<ConsumerRole, ConsumerRoleEntry>> = {
  inject: {
    role: 'inject',
    settings: (c) => c.inject,
    inputTopics: (c) => [c.topics.printedEligible],
    build: (a) => injectionRole(a) as unknown as RoleSpec<TicketEvent, unknown, unknown>,
    async prepare(a) {
      await a.codec.writerId(a.config.topics.printed, 'ticket-printed');
      await a.codec.writerId(a.config.topics.cancelled, 'ticket-cancelled');
      await a.codec.writerId(a.config.topics.controlled, 'ticket-controlled');
    },
    decide: (e, facts, forced) => decideInjection(e as Parameters<typeof decideInjection>[0], facts, forced),
  },
  cancel: {
    role: 'cancel',
    settings: (c) => c.cancel,
    inputTopics: (c) => [c.topics.cancelled],
    build: (a) => cancellationRole(a) as unknown as RoleSpec<TicketEvent, unknown, unknown>,
    prepare: async () => undefined,
    decide: (e, facts, forced) => decideCancel(e as Parameters<typeof decideCancel>[0], facts, forced, false),
  },
  control: {
    role: 'control',
    settings: (c) => c.control,
    inputTopics: (c) => [c.topics.controlled],
    build: (a) => controlRole(a) as unknown as RoleSpec<TicketEvent, unknown, unknown>,
    prepare: async () => undefined,
    decide: (e, facts, forced) => decideControl(e as Parameters<typeof decideControl>[0], facts, forced, false),
  },
};

export class RoleNotAvailableError extends Error {
  override readonly name = 'RoleNotAvailableError';
}

export function parseRole(text: string): Role {
  if (!(ROLES as readonly string[]).includes(text)) {
    throw new RoleNotAvailableError(`unknown role "${text.slice(0, 40)}": expected one of ${ROLES.join(', ')}`);
  }
  return text as Role;
}

/** The consumer role's entry, or a plain-words error for holder-sync and for roles this version lacks. */
export function consumerRole(role: Role): ConsumerRoleEntry {
  if (role === 'holder-sync') {
    throw new RoleNotAvailableError(
      'holder-sync is a poller of the TIXnGO change feed, not a Kafka consumer: it has no consumer group, offsets or input dead letters',
    );
  }
  const entry = CATALOG[role];
  if (!entry) throw new RoleNotAvailableError(`role ${role} is not available in this version of the bridge`);
  return entry;
}

/** Every consumer role this version has. */
export function consumerRoles(): ConsumerRoleEntry[] {
  return Object.values(CATALOG).filter((e): e is ConsumerRoleEntry => e !== undefined);
}

/**
 * The configuration with extra `id:<ticketId>` entries in `role`'s force list of every organization
 * (`replay --force`; the ids come from the range read, whatever their organization).
 */
export function withForcedTickets(config: Config, role: ConsumerRole, ticketIds: Iterable<string>): Config {
  const extra = [...ticketIds].map((id) => `id:${id}`);
  const entries = config.organizations.entries.map((o) => ({ ...o, [role]: { ...o[role], force: [...o[role].force, ...extra] } }));
  return { ...config, organizations: { ...config.organizations, entries } };
}
