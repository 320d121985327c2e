import type { Collection, Db } from 'mongodb';
import type { BatchReport } from '../pipeline/report';
import { duplicateKeyIndexes, storeOp } from './mongo';

export const EXECUTIONS_COLLECTION = 'executions';

/** Whether a batch belongs to the role in service or to a one-shot `replay` of the support CLI. */
export type ExecutionMode = 'live' | 'replay';

/**
 * One closed batch, S-360's "execution": what `status` shows. Counts only; no ticket ids (those are
 * in `ticket_trace`) and no personal data. Maps of reasons and codes are kept as arrays so that no
 * reason ever becomes a field name.
 */
export interface Execution {
  readonly _id: string;
  readonly role: string;
  readonly mode: ExecutionMode;
  readonly instanceId: string;
  readonly groupId?: string;
  readonly closedBy: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly durationMs: number;
  readonly received: number;
  readonly pushed: number;
  readonly simulated: boolean;
  readonly skipped: readonly { readonly reason: string; readonly count: number }[];
  readonly rejected: number;
  readonly deadLettered: number;
  readonly errorCodes: readonly { readonly code: string; readonly count: number }[];
  readonly requests: number;
  readonly retries: number;
  readonly status: BatchReport['status'];
  readonly stagesMs?: Readonly<Record<string, number>>;
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
        await this.collection.insertMany(executions.map((e) => ({ ...e })), { ordered: false });
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

  /** The newest `n` executions of `role`, newest first. */
  async latest(role: string, n: number): Promise<Execution[]> {
    return storeOp('reading executions', () => this.collection.find({ role }).sort({ finishedAt: -1 }).limit(n).toArray());
  }
}
