/**
 * Liveness and readiness, fed by the roles. Live: no role's loop has stopped, and every one has
 * reported within `maxSilenceMs`. Ready: started, and no dependency is failing (a transient failure being retried
 * counts as not ready until it recovers).
 */
export class Health {
  private readonly beats = new Map<string, number>();
  private readonly failing = new Map<string, { code: string; since: number }>();
  private readonly started = new Set<string>();
  /** Roles whose loop ended for good (DLQ limit, a bug), with why. */
  private readonly stopped = new Map<string, string>();
  private stopping = false;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxSilenceMs = 120_000,
  ) {}

  /** The role's loop is alive (call on every loop turn, wait and retry). */
  beat(component: string): void {
    this.beats.set(component, this.now());
  }

  markStarted(component: string): void {
    this.started.add(component);
    this.beat(component);
  }

  /** The role's loop is no longer running: the process is not live any more (Kubernetes restarts it). */
  markStopped(component: string, why: string): void {
    this.stopped.set(component, why);
  }

  markStopping(): void {
    this.stopping = true;
  }

  /** A dependency failure of `component` is being retried; readiness goes false until `recovered`. */
  failingSince(component: string, code: string): number {
    const existing = this.failing.get(component);
    if (existing) return existing.since;
    const since = this.now();
    this.failing.set(component, { code, since });
    return since;
  }

  recovered(component: string): void {
    this.failing.delete(component);
  }

  live(): { ok: boolean; detail: Record<string, number>; stopped: Record<string, string> } {
    const now = this.now();
    const detail: Record<string, number> = {};
    let ok = this.stopped.size === 0;
    for (const [c, at] of this.beats) {
      detail[c] = now - at;
      if (now - at > this.maxSilenceMs) ok = false;
    }
    return { ok, detail, stopped: Object.fromEntries(this.stopped) };
  }

  /** Per started role: ready as `ready()` is, counting only that role's failing dependencies. */
  roleReadiness(): Record<string, boolean> {
    const out: Record<string, boolean> = {};
    for (const role of this.started) {
      out[role] = !this.stopping && ![...this.failing.keys()].some((c) => c.startsWith(`${role}:`));
    }
    return out;
  }

  ready(): { ok: boolean; failing: Record<string, { code: string; forMs: number }>; started: string[] } {
    const now = this.now();
    const failing: Record<string, { code: string; forMs: number }> = {};
    for (const [c, f] of this.failing) failing[c] = { code: f.code, forMs: now - f.since };
    return {
      ok: !this.stopping && this.stopped.size === 0 && this.started.size > 0 && this.failing.size === 0,
      failing,
      started: [...this.started],
    };
  }
}
