import { Health } from './health';

describe('health', () => {
  describe('Health.roleReadiness', () => {
    it("is ready per started role, until one of that role's own dependencies fails", () => {
      const h = new Health(() => 1_000);
      h.markStarted('inject');
      h.markStarted('holder-sync');
      expect(h.roleReadiness()).toEqual({ inject: true, 'holder-sync': true });

      h.failingSince('holder-sync:page', 'TIXNGO_HTTP_503');
      expect(h.roleReadiness()).toEqual({ inject: true, 'holder-sync': false });
      expect(h.ready().ok).toBe(false); // /readyz speaks for the whole process

      h.recovered('holder-sync:page');
      expect(h.roleReadiness()).toEqual({ inject: true, 'holder-sync': true });
    });

    it('names no role before one started, and none as ready while stopping', () => {
      const h = new Health();
      expect(h.roleReadiness()).toEqual({});
      h.markStarted('cancel');
      h.markStopping();
      expect(h.roleReadiness()).toEqual({ cancel: false });
    });
  });
});
