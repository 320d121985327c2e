import type { HolderHead } from '../store/holder-store';

/**
 * The stored heads (version and history) of an organizer's tickets, as this replica last read or
 * wrote them during one tenure of the organizer's lease.
 *
 * Why a cache is sound here: the lease makes its holder the only writer of its organizer's states
 * (lease-store.ts), and the holder acts only while its term is valid by its own clock. So during a
 * tenure, the head this replica read or wrote last is what is stored, and reading it again from the
 * store would return the same. The cache lives and dies with the tenure: a new term reads the store
 * again. It must be forgotten whenever a write may have reached the store without the cache knowing
 * (a page that fails after it started writing): `clear`.
 *
 * Bounded by the history entries it holds (each head holds 1 to HOLDER_SYNC_HISTORY_LIMIT), dropping
 * the least recently used heads first: a dropped head is read from the store again.
 */
export class HeadCache {
  private readonly heads = new Map<string, HolderHead>();
  private entries = 0;

  constructor(private readonly maxHistoryEntries: number) {}

  get size(): number {
    return this.heads.size;
  }

  /** The cached heads of `ticketIds`, and the ids that must be read from the store. */
  lookup(ticketIds: readonly string[]): { readonly found: Map<string, HolderHead>; readonly missing: string[] } {
    const found = new Map<string, HolderHead>();
    const missing: string[] = [];
    for (const id of ticketIds) {
      const head = this.heads.get(id);
      if (!head) {
        missing.push(id);
        continue;
      }
      // Most recently used last: re-insert.
      this.heads.delete(id);
      this.heads.set(id, head);
      found.set(id, head);
    }
    return { found, missing };
  }

  /** Records what the store holds for `ticketId` (read or just written). */
  set(ticketId: string, head: HolderHead): void {
    const old = this.heads.get(ticketId);
    if (old) {
      this.entries -= weight(old);
      this.heads.delete(ticketId);
    }
    this.heads.set(ticketId, head);
    this.entries += weight(head);
    while (this.entries > this.maxHistoryEntries && this.heads.size > 0) {
      const [oldest, h] = this.heads.entries().next().value as [string, HolderHead];
      this.heads.delete(oldest);
      this.entries -= weight(h);
    }
  }

  clear(): void {
    this.heads.clear();
    this.entries = 0;
  }
}

const weight = (h: HolderHead) => Math.max(1, h.history?.length ?? 0);
