/**
 * Which batch in flight holds which ticket, so that batches delivered side by side never hold the
 * same ticket at once.
 *
 * Batches are opened in the order they close. Each claims its tickets once it knows them (after
 * decoding), in that same order whatever order the claims are made in, and then waits for every
 * earlier batch that still holds one of its tickets. So a ticket's records are decided and delivered
 * in offset order, each seeing the ledger as the batch before it left it.
 */
export class TicketClaims {
  private readonly holders = new Map<string, Promise<void>>();
  private turn: Promise<void> = Promise.resolve();

  /** Opens the next batch's claim; call in the order batches close, and `release` it in every case. */
  open(): TicketClaim {
    const previous = this.turn;
    let claimed!: () => void;
    this.turn = new Promise<void>((resolve) => (claimed = resolve));
    let finished!: () => void;
    const done = new Promise<void>((resolve) => (finished = resolve));
    const held: string[] = [];
    return {
      claim: async (ticketIds) => {
        await previous;
        const earlier = new Set<Promise<void>>();
        for (const id of ticketIds) {
          const holder = this.holders.get(id);
          if (holder) earlier.add(holder);
          this.holders.set(id, done);
          held.push(id);
        }
        claimed();
        await Promise.all(earlier);
      },
      release: () => {
        claimed(); // a batch that failed before claiming must not hold up the next ones
        for (const id of held) if (this.holders.get(id) === done) this.holders.delete(id);
        finished();
      },
    };
  }

  /** Tickets held by batches in flight. */
  get size(): number {
    return this.holders.size;
  }
}

export interface TicketClaim {
  /** Takes the tickets; resolves once no earlier batch holds any of them. Call at most once. */
  claim(ticketIds: Iterable<string>): Promise<void>;
  /** The batch is done (or failed): its tickets are free, and later batches may claim. */
  release(): void;
}
