import { setTimeout as sleep } from 'node:timers/promises';
import type { Health } from './health';
import type { Logger } from './logger';

/** Health component of the brokers themselves (beside each role's own `<role>:kafka`). */
export const KAFKA_COMPONENT = 'kafka';

/**
 * Readiness for Kafka: a cheap metadata request (the roles' own topics) every `intervalMs`, answered within
 * `timeoutMs` or counted as failing. kafkajs retries connection errors inside its clients for a long
 * time and a stalled broker answers nothing at all, so neither surfaces as an error the roles see
 * quickly; this probe does, within seconds, and turns readiness false until the brokers answer again.
 */
export class KafkaProbe {
  private stopped = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly describe: () => Promise<unknown>,
    private readonly health: Health,
    private readonly log: Logger,
    private readonly opts: { readonly intervalMs: number; readonly timeoutMs: number },
  ) {}

  start(): this {
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** One probe: true when the brokers answered in time. */
  async check(): Promise<boolean> {
    const timeout = sleep(this.opts.timeoutMs, 'timeout' as const, { ref: false });
    const answer = this.describe().then(
      () => 'ok' as const,
      () => 'error' as const,
    );
    const result = await Promise.race([answer, timeout]);
    if (result === 'ok') {
      this.health.recovered(KAFKA_COMPONENT);
      return true;
    }
    const first = !this.health.ready().failing[KAFKA_COMPONENT];
    this.health.failingSince(KAFKA_COMPONENT, result === 'timeout' ? 'KAFKA_NO_ANSWER' : 'KAFKA_UNREACHABLE');
    if (first) this.log.warn({ code: result === 'timeout' ? 'KAFKA_NO_ANSWER' : 'KAFKA_UNREACHABLE' }, 'Kafka does not answer; not ready until it does');
    return false;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.check();
      for (let waited = 0; waited < this.opts.intervalMs && !this.stopped; waited += 100) await sleep(Math.min(100, this.opts.intervalMs - waited));
    }
  }
}
