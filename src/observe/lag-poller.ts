import type { PartitionLag } from '../kafka/admin';
import { toSafeError } from '../shared/errors';
import type { Logger } from '../ops/logger';
import type { Metrics } from '../ops/metrics';

export interface LagTarget {
  readonly role: string;
  readonly groupId: string;
  readonly topics: readonly string[];
}

/** Port: the lag of a group on its topics (the Kafka admin adapter implements it). */
export type ReadLag = (groupId: string, topics: readonly string[]) => Promise<PartitionLag[]>;

/**
 * Refreshes `tixngo_bridge_consumer_lag{role,topic,partition}` every `intervalMs` from the committed
 * offsets of each consumer role's group and the ends of its topics. A failed read leaves the last
 * values in place (and logs at debug level: Kafka trouble is reported by the roles themselves).
 */
export class LagPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly targets: readonly LagTarget[],
    private readonly readLag: ReadLag,
    private readonly metrics: Metrics,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): this {
    if (this.targets.length === 0 || this.intervalMs <= 0) return this;
    this.tick();
    return this;
  }

  /** Reads every target once (also what each tick does). */
  async refresh(): Promise<void> {
    for (const t of this.targets) {
      try {
        for (const p of await this.readLag(t.groupId, t.topics)) {
          this.metrics.consumerLag.set({ role: t.role, topic: p.topic, partition: String(p.partition) }, Number(p.lag));
        }
      } catch (e) {
        this.log.debug({ error: toSafeError(e), groupId: t.groupId }, 'consumer lag not read');
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private tick(): void {
    this.running = this.refresh().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      this.timer = setTimeout(() => this.tick(), this.intervalMs);
      this.timer.unref?.();
    });
  }
}
