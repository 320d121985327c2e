import { DlqLimit, type DlqLimitSettings } from './dlq-limit';

/** Records `fates` ('D' dead-lettered, '.' handled) and returns the index of the first record that tripped the limit. */
function firstTrip(settings: DlqLimitSettings, fates: string): { at: number; reason: string } | undefined {
  const limit = new DlqLimit(settings);
  for (let i = 0; i < fates.length; i++) {
    const reason = limit.record(fates[i] === 'D');
    if (reason) return { at: i, reason };
  }
  return undefined;
}

describe('dlq-limit', () => {
  describe('DlqLimit', () => {
    const CONSECUTIVE_ONLY: DlqLimitSettings = { maxConsecutive: 3, maxRatio: 1, ratioMinMessages: 10 };

    it.each<[string, string, number | undefined]>([
      ['never trips without dead letters', '..........', undefined],
      ['trips on the third consecutive dead letter', '..DDD', 4],
      ['does not trip below the consecutive limit', 'DD.DD.DD.', undefined],
      ['lets a success reset the consecutive count', 'DD.DD.DDD', 8],
      ['trips at once when the limit is one', 'D', 0],
    ])('%s (consecutive limit)', (_, fates, at) => {
      const limit = fates === 'D' ? { ...CONSECUTIVE_ONLY, maxConsecutive: 1 } : CONSECUTIVE_ONLY;
      expect(firstTrip(limit, fates)?.at).toBe(at);
    });

    it('names the count and the setting when the consecutive limit trips', () => {
      expect(firstTrip(CONSECUTIVE_ONLY, 'DDD')?.reason).toBe('3 consecutive messages dead-lettered (DLQ_MAX_CONSECUTIVE=3)');
    });

    const RATIO_ONLY: DlqLimitSettings = { maxConsecutive: 1000, maxRatio: 0.5, ratioMinMessages: 4 };

    it.each<[string, string, number | undefined]>([
      ['does not judge the ratio before the window is full', 'DD.', undefined],
      ['trips once the window is full and the ratio is over', 'DD.D', 3],
      ['does not trip at exactly the ratio', 'D.D.D.D.D.', undefined],
      ['judges only the last window, not the whole history', '....DD.D', 7],
      ['forgets dead letters that left the window', 'D.D.....D.D.', undefined],
      ['trips when dead letters come back into a full window', '......DD.D', 9],
    ])('%s (ratio limit)', (_, fates, at) => {
      expect(firstTrip(RATIO_ONLY, fates)?.at).toBe(at);
    });

    it('names the ratio, the window and the setting when the ratio limit trips', () => {
      expect(firstTrip(RATIO_ONLY, 'DD.D')?.reason).toBe('75.0% of the last 4 messages dead-lettered (DLQ_MAX_RATIO=0.5)');
    });

    it('keeps measuring over a sliding window of the configured size', () => {
      const limit = new DlqLimit({ maxConsecutive: 1000, maxRatio: 0.3, ratioMinMessages: 10 });
      // 3 dead letters in every 10: exactly 30%, never over (the last 10 end 4 after the last run of 3)...
      for (let i = 0; i < 96; i++) expect(limit.record(i % 10 < 3)).toBeUndefined();
      // ...so a fourth within the last 10 trips it.
      expect(limit.record(true)).toMatch(/^40\.0% of the last 10 messages/);
    });

    it('answers as the array window it replaced did, on random fates and window sizes', () => {
      /** The former implementation: an array of fates, pushed and shifted. */
      const reference = (settings: DlqLimitSettings) => {
        let consecutive = 0;
        const window: boolean[] = [];
        let dead = 0;
        return (d: boolean): string | undefined => {
          consecutive = d ? consecutive + 1 : 0;
          window.push(d);
          if (d) dead++;
          if (window.length > settings.ratioMinMessages && window.shift()) dead--;
          if (consecutive >= settings.maxConsecutive) return `c${consecutive}`;
          if (window.length >= settings.ratioMinMessages && dead / window.length > settings.maxRatio) return `r${dead}/${window.length}`;
          return undefined;
        };
      };
      let seed = 7;
      const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
      for (const ratioMinMessages of [0, 1, 2, 3, 7, 50]) {
        for (const maxRatio of [0, 0.2, 0.5, 0.9]) {
          const settings = { maxConsecutive: 6, maxRatio, ratioMinMessages };
          const ours = new DlqLimit(settings);
          const theirs = reference(settings);
          for (let i = 0; i < 400; i++) {
            const d = random() < 0.35;
            const a = ours.record(d);
            const b = theirs(d);
            expect([ratioMinMessages, maxRatio, i, a === undefined]).toEqual([ratioMinMessages, maxRatio, i, b === undefined]);
            if (a && b?.startsWith('r')) expect(a).toContain(`of the last ${b.split('/')[1]} messages`);
          }
        }
      }
    });
  });
});
