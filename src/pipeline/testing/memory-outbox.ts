import type { Intent, Outbox, OutboxRequest, TakeoverClaim } from '../../contracts/outbox';

/**
 * The outbox in memory, for the engine's unit tests: the same single-document semantics the Mongo
 * implementation relies on (a unique-id insert refuses a duplicate; everything else by id), and the
 * documents stored as copies, so nothing is shared between "processes" by reference.
 */
export class MemoryOutbox implements Outbox {
  readonly intentDocs = new Map<string, Intent>();
  readonly requestDocs = new Map<string, OutboxRequest>();
  readonly claims = new Map<string, TakeoverClaim>();

  async putIntent(intent: Intent): Promise<void> {
    if (!this.intentDocs.has(intent._id)) this.intentDocs.set(intent._id, structuredClone(intent));
  }

  async intents(): Promise<Intent[]> {
    return [...this.intentDocs.values()].map((i) => structuredClone(i));
  }

  async touch(ids: readonly string[], at: Date): Promise<void> {
    for (const id of ids) {
      const i = this.intentDocs.get(id);
      if (i) this.intentDocs.set(id, { ...i, touchedAt: at });
    }
  }

  async yieldTo(id: string, older: readonly string[]): Promise<void> {
    const i = this.intentDocs.get(id);
    if (i) this.intentDocs.set(id, { ...i, yieldsTo: [...older] });
  }

  async adopt(id: string, owner: string, epoch: number, at: Date): Promise<void> {
    const i = this.intentDocs.get(id);
    if (i) this.intentDocs.set(id, { ...i, owner, epoch, touchedAt: at });
  }

  async removeIntent(id: string): Promise<void> {
    this.intentDocs.delete(id);
  }

  async putRequest(request: OutboxRequest): Promise<void> {
    if (!this.requestDocs.has(request._id))
      this.requestDocs.set(request._id, { ...structuredClone({ ...request, body: undefined }), body: Buffer.from(request.body) });
  }

  async requestsOf(intentId: string): Promise<OutboxRequest[]> {
    return [...this.requestDocs.values()].filter((r) => r.intent === intentId).map((r) => ({ ...r, body: Buffer.from(r.body) }));
  }

  async removeRequest(id: string): Promise<void> {
    this.requestDocs.delete(id);
  }

  async claimTakeover(intentId: string, epoch: number, claim: TakeoverClaim): Promise<boolean> {
    const key = `${intentId}#${epoch}`;
    if (this.claims.has(key)) return false;
    this.claims.set(key, { ...claim });
    return true;
  }

  async takeoverClaim(intentId: string, epoch: number): Promise<TakeoverClaim | null> {
    return this.claims.get(`${intentId}#${epoch}`) ?? null;
  }

  async removeTakeovers(intentId: string, upToEpoch: number): Promise<void> {
    for (let e = 1; e <= upToEpoch; e++) this.claims.delete(`${intentId}#${e}`);
  }
}
