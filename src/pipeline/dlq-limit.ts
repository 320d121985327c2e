/**
 * Guards against dead-lettering everything after a bad deploy or a misconfiguration: past a run of
 * consecutive dead-letters, or a dead-letter ratio over a window of messages, the role stops instead.
 */
export interface DlqLimitSettings {
  readonly maxConsecutive: number;
  readonly maxRatio: number;
  /** Size of the window the ratio is measured over; the ratio is not judged before it is full. */
  readonly ratioMinMessages: number;
}

export class DlqLimit {
  private consecutive = 0;
  private window: boolean[] = [];
  private deadInWindow = 0;

  constructor(private readonly settings: DlqLimitSettings) {}

  /** Records one message's fate; returns a reason when the limit is exceeded. */
  record(deadLettered: boolean): string | undefined {
    this.consecutive = deadLettered ? this.consecutive + 1 : 0;
    this.window.push(deadLettered);
    if (deadLettered) this.deadInWindow++;
    if (this.window.length > this.settings.ratioMinMessages && this.window.shift()) this.deadInWindow--;

    if (this.consecutive >= this.settings.maxConsecutive) {
      return `${this.consecutive} consecutive messages dead-lettered (DLQ_MAX_CONSECUTIVE=${this.settings.maxConsecutive})`;
    }
    if (this.window.length >= this.settings.ratioMinMessages) {
      const ratio = this.deadInWindow / this.window.length;
      if (ratio > this.settings.maxRatio) {
        return `${(ratio * 100).toFixed(1)}% of the last ${this.window.length} messages dead-lettered (DLQ_MAX_RATIO=${this.settings.maxRatio})`;
      }
    }
    return undefined;
  }
}
