import type { Collection, Db } from 'mongodb';
import type { BatchReport, TicketTrace } from '../contracts/report';
import { duplicateKeyIndexes, storeOp } from './mongo';

export const EXECUTIONS_COLLECTION = 'executions';

/** Whether a batch belongs to the role in service or to a one-shot `replay` of the support CLI. */
export type ExecutionMode = 'live' | 'replay';

/** What became of a batch's records (or of one organization's among them). */
export interface RecordCounts {
  readonly received: number;
  readonly pushed: number;
  readonly skipped: readonly { readonly reason: string; readonly count: number }[];
  readonly rejected: number;
  readonly deadLettered: number;
  readonly errorCodes: readonly { readonly code: string; readonly count: number }[];
}

/**
 * One organization's share of a batch: a batch may hold the records of several S-360 organizations
 * (the topics are shared), each delivered to its own TIXnGO account or skipped.
 */
export interface OrganizationCounts extends RecordCounts {
  /** The S-360 organization code; absent for records that could not be decoded (no organization known). */
  readonly organization?: string;
}

/**
 * One closed batch, S-360's "execution": what `status` shows. Counts only; no ticket ids (those are
 * in `ticket_trace`) and no personal data. Maps of reasons, codes and organizations are kept as arrays
 * so that none ever becomes a field name.
 */
export interface Execution extends RecordCounts {
  readonly _id: string;
  readonly role: string;
  readonly mode: ExecutionMode;
  readonly instanceId: string;
  readonly groupId?: string;
  readonly closedBy: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly durationMs: number;
  readonly simulated: boolean;
  readonly requests: number;
  readonly retries: number;
  readonly status: BatchReport['status'];
  readonly stagesMs?: Readonly<Record<string, number>>;
  /** The counts by organization, in code order (records without one last); absent in executions recorded before them. */
  readonly organizations?: readonly OrganizationCounts[];
}

/** Pure: a batch's records counted by organization (codes in order; records without an organization last). */
export function countByOrganization(tickets: readonly TicketTrace[]): OrganizationCounts[] {
  interface Tally {
    received: number;
    pushed: number;
    skipped: Map<string, number>;
    rejected: number;
    deadLettered: number;
    errorCodes: Map<string, number>;
  }
  const tallies = new Map<string | undefined, Tally>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const t of tickets) {
    let c = tallies.get(t.organization);
    if (!c) tallies.set(t.organization, (c = { received: 0, pushed: 0, skipped: new Map(), rejected: 0, deadLettered: 0, errorCodes: new Map() }));
    c.received++;
    if (t.outcome === 'pushed') c.pushed++;
    else if (t.outcome === 'skipped') bump(c.skipped, t.reason ?? 'UNKNOWN');
    else {
      if (t.outcome === 'rejected') c.rejected++;
      else c.deadLettered++;
      bump(c.errorCodes, t.reason ?? 'UNKNOWN');
    }
  }
  const order = (a: string | undefined, b: string | undefined) => (a === undefined ? 1 : b === undefined ? -1 : a < b ? -1 : a > b ? 1 : 0);
  return [...tallies.entries()]
    .sort(([a], [b]) => order(a, b))
    .map(([organization, c]) => ({
      ...(organization !== undefined ? { organization } : {}),
      received: c.received,
      pushed: c.pushed,
      skipped: [...c.skipped].map(([reason, count]) => ({ reason, count })),
      rejected: c.rejected,
      deadLettered: c.deadLettered,
      errorCodes: [...c.errorCodes].map(([code, count]) => ({ code, count })),
    }));
}

/** Pure: the execution document of a batch report (the per-ticket list is left out). */
export function toExecution(r: BatchReport, meta: { mode: ExecutionMode; instanceId: string; groupId?: string }): Execution {
  const pairs = (m: Readonly<Record<string, number>>) => Object.entries(m).map(([k, count]) => ({ k, count }));
  return {
    _id: r.batchId,
    role: r.role,
    mode: meta.mode,
    instanceId: meta.instanceId,
    ...(meta.groupId ? { groupId: meta.groupId } : {}),
    closedBy: r.closedBy,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.finishedAt.getTime() - r.startedAt.getTime(),
    received: r.received,
    pushed: r.pushed,
    simulated: r.simulated,
    skipped: pairs(r.skipped).map(({ k, count }) => ({ reason: k, count })),
    rejected: r.rejected,
    deadLettered: r.deadLettered,
    errorCodes: pairs(r.errorCodes).map(({ k, count }) => ({ code: k, count })),
    requests: r.requests,
    retries: r.retries,
    status: r.status,
    ...(r.stagesMs ? { stagesMs: r.stagesMs } : {}),
    organizations: countByOrganization(r.tickets),
  };
}

/**
 * The batch history (`executions`): one insert per closed batch (or per few, when they queue up), and a retention of `limit` batches
 * per role, applied on write every `pruneEvery` inserts (one sorted read of the role's oldest kept
 * batch, then one deleteMany) so that the history never needs an update or a TTL index.
 */
export class ExecutionStore {
  readonly collection: Collection<Execution>;
  private readonly insertsSincePrune = new Map<string, number>();

  constructor(
    db: Db,
    private readonly limit: number,
    private readonly pruneEvery = Math.max(1, Math.floor(limit / 10)),
  ) {
    this.collection = db.collection<Execution>(EXECUTIONS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await storeOp('creating execution indexes', () => this.collection.createIndex({ role: 1, finishedAt: -1 }));
  }

  /** Records executions (one insertMany), then prunes the roles whose turn it is. Idempotent. */
  async insert(executions: readonly Execution[]): Promise<void> {
    if (executions.length === 0) return;
    await storeOp('recording executions', async () => {
      try {
        await this.collection.insertMany(
          executions.map((e) => ({ ...e })),
          { ordered: false },
        );
      } catch (err) {
        if (!duplicateKeyIndexes(err)) throw err; // else: already recorded (a retried write)
      }
    });
    for (const role of new Set(executions.map((e) => e.role))) {
      const n = this.insertsSincePrune.get(role);
      const added = executions.filter((e) => e.role === role).length;
      // The first write of a process prunes too, so a lowered limit applies at the next start.
      if (n === undefined || n + added >= this.pruneEvery) {
        await this.prune(role);
        this.insertsSincePrune.set(role, 0);
      } else {
        this.insertsSincePrune.set(role, n + added);
      }
    }
  }

  /** Keeps the newest `limit` executions of `role` (a few more when several end at the same millisecond). */
  async prune(role: string): Promise<number> {
    return storeOp('pruning executions', async () => {
      const [oldestKept] = await this.collection
        .find({ role }, { projection: { finishedAt: 1 } })
        .sort({ finishedAt: -1 })
        .skip(this.limit - 1)
        .limit(1)
        .toArray();
      if (!oldestKept) return 0;
      const res = await this.collection.deleteMany({ role, finishedAt: { $lt: oldestKept.finishedAt } });
      return res.deletedCount;
    });
  }

  /**
   * The newest `n` executions of `role`, newest first; with `organization`, those that held records of
   * that S-360 organization (the history of a role is bounded by `limit`: no index is needed for it).
   */
  async latest(role: string, n: number, organization?: string): Promise<Execution[]> {
    const filter = organization === undefined ? { role } : { role, 'organizations.organization': organization };
    return storeOp('reading executions', () => this.collection.find(filter).sort({ finishedAt: -1 }).limit(n).toArray());
  }
}
