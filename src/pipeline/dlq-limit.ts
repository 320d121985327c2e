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
  /** The last `ratioMinMessages` fates (1: dead-lettered), a ring: `next` is the oldest once it is full. */
  private readonly window: Uint8Array;
  private inWindow = 0;
  private next = 0;
  private deadInWindow = 0;

  constructor(private readonly settings: DlqLimitSettings) {
    this.window = new Uint8Array(Math.max(0, settings.ratioMinMessages));
  }

  /** Records one message's fate (once a message: every record of every batch); returns a reason when the limit is exceeded. */
  record(deadLettered: boolean): string | undefined {
    this.consecutive = deadLettered ? this.consecutive + 1 : 0;
    if (this.window.length > 0) {
      if (this.inWindow === this.window.length) {
        if (this.window[this.next] === 1) this.deadInWindow--; // the oldest leaves the window
      } else this.inWindow++;
      this.window[this.next] = deadLettered ? 1 : 0;
      this.next = (this.next + 1) % this.window.length;
      if (deadLettered) this.deadInWindow++;
    }

    if (this.consecutive >= this.settings.maxConsecutive) {
      return `${this.consecutive} consecutive messages dead-lettered (DLQ_MAX_CONSECUTIVE=${this.settings.maxConsecutive})`;
    }
    if (this.inWindow >= this.settings.ratioMinMessages) {
      const ratio = this.deadInWindow / this.inWindow;
      if (ratio > this.settings.maxRatio) {
        return `${(ratio * 100).toFixed(1)}% of the last ${this.inWindow} messages dead-lettered (DLQ_MAX_RATIO=${this.settings.maxRatio})`;
      }
    }
    return undefined;
  }
}
