import type { Config } from '../config/load-config';
import type { Logger } from '../ops/logger';
import type { BatchReport } from '../contracts/report';
import { toSafeError } from '../shared/errors';
import { DigestPlanner, failedRecords, renderDigest, type Digest, type Incident } from './digest';
import { SmtpMailer, type Mailer } from './mailer';

/**
 * What the roles tell about failures; the notifier turns it into throttled digest mails (see
 * `digest.ts`). Every method returns at once and never throws.
 */
export interface FailureNotifier {
  /** A pipeline batch is handled: its rejected and dead-lettered records are counted. */
  onBatch(report: BatchReport): void;
  /** A transient failure is being retried; mailed once it has lasted `NOTIFY_TRANSIENT_AFTER_MS`. */
  onRetry(info: { role: string; code: string; failingForMs: number }): void;
  /**
   * For the holder-sync poller: a page of the change feed could not be read or handled. Give the
   * error's stable code (`BridgeError.code`, e.g. `TIXNGO_HTTP_500`), never its message.
   */
  reportPollerError(info: { role?: string; code: string }): void;
  /** A role stopped and needs an operator (e.g. the dead-letter limit). */
  reportRoleStopped(info: { role: string; code: string }): void;
  /** Sends what is pending, whatever the window, so that a stopping process reports its last failures. */
  stop(): Promise<void>;
}

export interface NotifierOptions {
  readonly instanceId: string;
  readonly windowMs: number;
  readonly transientAfterMs: number;
  /** How long the first incident after a quiet window waits for others. Default 2 s. */
  readonly gatherMs?: number;
  readonly now?: () => number;
}

export class MailNotifier implements FailureNotifier {
  private readonly planner: DigestPlanner;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private timerDueAt: number | undefined;
  private sending: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly mailer: Mailer,
    private readonly opts: NotifierOptions,
    private readonly log: Logger,
  ) {
    this.planner = new DigestPlanner({ windowMs: opts.windowMs, gatherMs: opts.gatherMs ?? 2000 });
    this.now = opts.now ?? Date.now;
  }

  onBatch(r: BatchReport): void {
    if (r.rejected > 0) this.add({ kind: 'rejected', role: r.role, ...failedRecords(r.tickets, 'rejected') });
    if (r.deadLettered > 0) this.add({ kind: 'dead-lettered', role: r.role, ...failedRecords(r.tickets, 'dead-lettered') });
  }

  onRetry(info: { role: string; code: string; failingForMs: number }): void {
    if (info.failingForMs < this.opts.transientAfterMs) return;
    this.add({ kind: 'transient', role: info.role, code: info.code, failingForMs: info.failingForMs });
  }

  reportPollerError(info: { role?: string; code: string }): void {
    this.add({ kind: 'poller-error', role: info.role ?? 'holder-sync', code: info.code });
  }

  reportRoleStopped(info: { role: string; code: string }): void {
    this.add({ kind: 'role-stopped', role: info.role, code: info.code });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimer();
    await this.sending;
    await this.send(this.planner.takeAll(this.now()));
    this.mailer.close();
  }

  private add(incident: Incident): void {
    if (this.stopped) return;
    this.planner.add(incident, this.now());
    this.schedule();
  }

  private schedule(): void {
    const due = this.planner.nextDueAt();
    if (due === undefined || this.stopped) return;
    if (this.timer && this.timerDueAt !== undefined && this.timerDueAt <= due) return;
    this.clearTimer();
    this.timerDueAt = due;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerDueAt = undefined;
        this.sending = this.sending.then(() => this.send(this.planner.takeDue(this.now()))).finally(() => this.schedule());
      },
      Math.max(0, due - this.now()),
    );
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDueAt = undefined;
  }

  private async send(digests: readonly Digest[]): Promise<void> {
    for (const d of digests) {
      const mail = renderDigest(d, { instanceId: this.opts.instanceId, windowMs: this.opts.windowMs, cli: 'node dist/cli/main.js' });
      try {
        await this.mailer.send(mail);
        this.log.info({ notifiedRole: d.role }, 'failure notification sent');
      } catch (e) {
        this.log.warn({ error: toSafeError(e), notifiedRole: d.role }, 'failure notification not sent; retried with the next digest');
        if (!this.stopped) this.planner.putBack(d);
      }
    }
  }
}

/** Used when no recipients are configured: failures are only logged and counted by the roles. */
export class DisabledNotifier implements FailureNotifier {
  onBatch(): void {}
  onRetry(): void {}
  reportPollerError(): void {}
  reportRoleStopped(): void {}
  async stop(): Promise<void> {}
}

/** The notifier the configuration asks for: mails when recipients (and so an SMTP URL) are set. */
export function createNotifier(config: Pick<Config, 'notify' | 'instanceId'>, log: Logger): FailureNotifier {
  const n = config.notify;
  if (n.recipients.length === 0 || !n.smtpUrl) return new DisabledNotifier();
  return new MailNotifier(
    new SmtpMailer(n.smtpUrl, n.from, n.recipients),
    { instanceId: config.instanceId, windowMs: n.windowMs, transientAfterMs: n.transientAfterMs },
    log,
  );
}
