import { TicketClaims } from './ticket-claims';

/** Whether `p` has settled once the microtask queue has run dry. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('ticket-claims', () => {
  describe('TicketClaims', () => {
    it('lets batches with different tickets run side by side', async () => {
      const claims = new TicketClaims();
      const a = claims.open();
      const b = claims.open();
      await a.claim(['1', '2']);
      expect(await settled(b.claim(['3', '4']))).toBe(true);
    });

    it('makes a batch wait for the earlier batch that holds one of its tickets, until that one is released', async () => {
      const claims = new TicketClaims();
      const a = claims.open();
      const b = claims.open();
      await a.claim(['1', '2']);
      const bClaim = b.claim(['2', '3']);
      expect(await settled(bClaim)).toBe(false);
      a.release();
      expect(await settled(bClaim)).toBe(true);
    });

    it('orders claims as the batches were opened, whichever claims first', async () => {
      const claims = new TicketClaims();
      const a = claims.open();
      const b = claims.open();
      const bClaim = b.claim(['7']); // b decoded first, but a closed first: b must wait behind a
      expect(await settled(bClaim)).toBe(false);
      await a.claim(['7']);
      expect(await settled(bClaim)).toBe(false);
      a.release();
      expect(await settled(bClaim)).toBe(true);
    });

    it('does not let a batch that failed before claiming hold up the next ones', async () => {
      const claims = new TicketClaims();
      const a = claims.open();
      const b = claims.open();
      const bClaim = b.claim(['1']);
      a.release();
      expect(await settled(bClaim)).toBe(true);
    });

    it('waits for the latest holder only: a third batch waits for the second, which waited for the first', async () => {
      const claims = new TicketClaims();
      const [a, b, c] = [claims.open(), claims.open(), claims.open()];
      await a.claim(['9']);
      const bClaim = b.claim(['9']);
      const cClaim = c.claim(['9']);
      a.release();
      expect(await settled(bClaim)).toBe(true);
      expect(await settled(cClaim)).toBe(false);
      b.release();
      expect(await settled(cClaim)).toBe(true);
    });

    it('forgets tickets once every batch holding them is released', async () => {
      const claims = new TicketClaims();
      const a = claims.open();
      const b = claims.open();
      await a.claim(['1', '2']);
      const bClaim = b.claim(['2', '3']);
      a.release();
      await bClaim;
      expect(claims.size).toBe(2); // 2 and 3, now b's
      b.release();
      expect(claims.size).toBe(0);
    });
  });
});
