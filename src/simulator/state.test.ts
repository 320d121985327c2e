import { decodePaginationKey, encodePaginationKey } from './feed';
import { SimulatorState } from './state';

const T0 = Date.UTC(2030, 5, 1, 18, 0, 0);

function aState(opts: { maxFeedLimit?: number } = {}): SimulatorState {
  let now = T0;
  return new SimulatorState({ now: () => (now += 1000), ...opts });
}

function anInjectTicket(ticketId: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ticketId,
    event: { id: 'EV-1', startTime: '2030-06-01T20:00:00+02:00', expirationDate: '2030-06-02T02:00:00+02:00' },
    purchaseDetails: {},
    security: { barcode: `B-${ticketId}` },
    spectatorDetails: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' },
    ...over,
  };
}

const aDelete = (ticketId: string, reason = 'CANCELLED') => ({ ticketId, reason, showDeletedTicket: true });
const aControl = (ticketId: string) => ({ ticketId, controlledAt: '2030-06-01T19:45:00+02:00' });

describe('state', () => {
  describe('SimulatorState.inject', () => {
    it('answers one result per entry and stores accepted tickets only', () => {
      const s = aState();
      const results = s.inject([anInjectTicket('A'), anInjectTicket('B', { event: undefined }), anInjectTicket('C')], 1);
      expect(results).toEqual([
        { ticketId: 'A', index: 0, status: 'OK' },
        { ticketId: 'B', index: 1, status: 'REJECTED', errorCode: 'MISSING_FIELD', message: 'event is required' },
        { ticketId: 'C', index: 2, status: 'OK' },
      ]);
      expect(s.ticket('A')).toMatchObject({ status: 'INJECTED', injectCount: 1, version: 1, eventId: 'EV-1', lastPayload: anInjectTicket('A') });
      expect(s.ticket('B')).toBeUndefined();
    });

    it('upserts a re-injection: counted twice, reported as a duplicate, latest payload kept', () => {
      const s = aState();
      s.inject([anInjectTicket('A')], 1);
      s.inject([anInjectTicket('A', { security: { barcode: 'NEW' } })], 2);
      const t = s.ticket('A')!;
      expect(t).toMatchObject({ injectCount: 2, version: 2, lastPayload: { security: { barcode: 'NEW' } } });
      expect(t.operations.map((o) => [o.op, o.requestId])).toEqual([
        ['inject', 1],
        ['inject', 2],
      ]);
      expect(s.received().duplicates.inject).toEqual(['A']);
    });

    it('answers a scripted rejection without applying the ticket', () => {
      const s = aState();
      s.faults.set({ rejectTickets: { tickets: [{ ticketId: 'B', errorCode: 'SEAT_TAKEN' }] } });
      const results = s.inject([anInjectTicket('A'), anInjectTicket('B')], 1);
      expect(results.map((r) => [r.ticketId, r.status, r.errorCode])).toEqual([
        ['A', 'OK', undefined],
        ['B', 'REJECTED', 'SEAT_TAKEN'],
      ]);
      expect(s.ticket('B')).toBeUndefined();
    });
  });

  describe('SimulatorState.delete', () => {
    it('rejects a ticket never injected with TICKET_NOT_FOUND', () => {
      const s = aState();
      expect(s.delete([aDelete('X')], 1)).toEqual([
        { ticketId: 'X', index: 0, status: 'REJECTED', errorCode: 'TICKET_NOT_FOUND', message: 'ticket was never injected' },
      ]);
      expect(s.ticket('X')).toBeUndefined();
    });

    it('records reason, visibility flag and an operation sequence after the injection', () => {
      const s = aState();
      s.inject([anInjectTicket('A')], 1);
      s.inject([anInjectTicket('B')], 2);
      s.delete([aDelete('A', 'INVALIDATED_REPRINT')], 3);
      const t = s.ticket('A')!;
      expect(t).toMatchObject({ status: 'DELETION_PENDING', deleteCount: 1, deleteReason: 'INVALIDATED_REPRINT', showDeletedTicket: true });
      const [inject, del] = t.operations;
      expect(del!.seq).toBeGreaterThan(inject!.seq);
      expect(del!.seq).toBeGreaterThan(s.ticket('B')!.operations[0]!.seq);
    });

    it('accepts a repeated delete without a new feed record', () => {
      const s = aState();
      s.inject([anInjectTicket('A')], 1);
      s.delete([aDelete('A')], 2);
      s.delete([aDelete('A')], 3);
      expect(s.ticket('A')).toMatchObject({ deleteCount: 2, version: 2, status: 'DELETION_PENDING' });
      expect(s.received().duplicates.delete).toEqual(['A']);
    });
  });

  describe('SimulatorState.control', () => {
    it('marks a live ticket CONTROLLED and refuses a deleted one', () => {
      const s = aState();
      s.inject([anInjectTicket('A'), anInjectTicket('B')], 1);
      s.delete([aDelete('B')], 2);
      const results = s.control([aControl('A'), aControl('B'), aControl('Z')], 3);
      expect(results.map((r) => [r.ticketId, r.status, r.errorCode])).toEqual([
        ['A', 'OK', undefined],
        ['B', 'REJECTED', 'TICKET_DELETED'],
        ['Z', 'REJECTED', 'TICKET_NOT_FOUND'],
      ]);
      expect(s.ticket('A')).toMatchObject({ status: 'CONTROLLED', controlCount: 1, controlledAt: '2030-06-01T19:45:00+02:00' });
      expect(s.ticket('B')).toMatchObject({ status: 'DELETION_PENDING', controlCount: 0, rejectedCount: 1 });
    });
  });

  describe('SimulatorState.holderAction', () => {
    it('walks a ticket through download, assign and transfer, one versioned record per change', () => {
      const s = aState();
      s.inject([anInjectTicket('A')], 1);
      expect(s.holderAction('A', { action: 'download' })).toMatchObject({
        ok: true,
        record: { status: 'DOWNLOADED', version: 2, walletOwner: { firstName: 'Ada', email: 'ada@example.org' } },
      });
      s.holderAction('A', { action: 'assign', person: { firstName: 'Alan' } });
      s.holderAction('A', { action: 'start-transfer', person: { email: 'grace@example.org' } });
      const done = s.holderAction('A', { action: 'transfer', person: { firstName: 'Grace', email: 'grace@example.org' } });
      expect(done).toMatchObject({
        ok: true,
        record: {
          ticketId: 'A',
          status: 'TRANSFERRED',
          version: 5,
          action: 'TRANSFER',
          walletOwner: { firstName: 'Grace' },
          previousOwner: { firstName: 'Ada' },
          ticketHolder: null,
          transferRecipient: null,
        },
      });
      const page = s.changes(null, null);
      expect(page.ok && page.records.map((r) => (r as { status: string }).status)).toEqual([
        'INJECTED',
        'DOWNLOADED',
        'ASSIGNED',
        'PENDING_TRANSFER',
        'TRANSFERRED',
      ]);
    });

    it.each([
      ['X', { action: 'download' as const }, 404, 'TICKET_NOT_FOUND'],
      ['A', { action: 'confirm-deletion' as const }, 409, 'INVALID_TRANSITION'],
      ['A', { action: 'assign' as const }, 409, 'INVALID_TRANSITION'],
    ])('refuses %s %j with %i %s', (ticketId, input, status, errorCode) => {
      const s = aState();
      s.inject([anInjectTicket('A')], 1);
      expect(s.holderAction(ticketId, input)).toMatchObject({ ok: false, status, errorCode });
    });

    it('needs a person to assign', () => {
      const s = aState();
      s.inject([anInjectTicket('A')], 1);
      s.holderAction('A', { action: 'download' });
      expect(s.holderAction('A', { action: 'assign' })).toMatchObject({ ok: false, status: 400, errorCode: 'PERSON_REQUIRED' });
    });

    it('names the feed sequence of the record it appended, and none when nothing changed', () => {
      const s = aState();
      s.inject([anInjectTicket('A')], 1);
      expect(s.holderAction('A', { action: 'download' })).toMatchObject({ ok: true, seq: 2 });
      expect(s.holderAction('A', { action: 'activate' })).toMatchObject({ ok: true, seq: 3 });
      expect(s.holderAction('A', { action: 'activate' })).toEqual({ ok: true, record: null, seq: null });
    });

    it('confirms a deletion requested by the bridge', () => {
      const s = aState();
      s.inject([anInjectTicket('A')], 1);
      s.delete([aDelete('A')], 2);
      expect(s.holderAction('A', { action: 'confirm-deletion' })).toMatchObject({ ok: true, record: { status: 'DELETED', version: 3 } });
    });
  });

  describe('SimulatorState.changes', () => {
    it('pages through the feed and hands back the same key once drained', () => {
      const s = aState({ maxFeedLimit: 2 });
      s.inject([anInjectTicket('A'), anInjectTicket('B'), anInjectTicket('C')], 1);
      const first = s.changes(null, '5');
      if (!first.ok) throw new Error('first page failed');
      expect(first.records).toHaveLength(2);
      const second = s.changes(first.nextPageKey, null);
      if (!second.ok) throw new Error('second page failed');
      expect(second.records.map((r) => (r as { ticketId: string }).ticketId)).toEqual(['C']);
      const third = s.changes(second.nextPageKey, null);
      expect(third).toEqual({ ok: true, records: [], nextPageKey: second.nextPageKey });
    });

    it.each([
      ['garbage', '5', 'INVALID_PAGINATION_KEY'],
      [null, '0', 'INVALID_LIMIT'],
    ])('refuses key %j with limit %j (%s)', (key, limit, errorCode) => {
      expect(aState().changes(key, limit)).toMatchObject({ ok: false, errorCode });
    });

    it('remembers the furthest position a reader asked to read past: what a key-after-handling poller has handled', () => {
      const s = aState({ maxFeedLimit: 2 });
      s.inject([anInjectTicket('A'), anInjectTicket('B'), anInjectTicket('C')], 1);
      expect(s.totals().feedReadPast).toBe(0);
      const first = s.changes(null, null);
      if (!first.ok) throw new Error('first page failed');
      expect(s.totals().feedReadPast).toBe(0); // read, not yet acknowledged by asking past it
      s.changes(first.nextPageKey, null);
      expect(s.totals().feedReadPast).toBe(2);
      s.changes(null, null); // a reader starting over does not move it back
      expect(s.totals().feedReadPast).toBe(2);
    });

    it('counts on from feedSeqStart, so a key handed out before a restart reads the new feed from its start', () => {
      const before = new SimulatorState({ feedSeqStart: 1_000 });
      before.inject([anInjectTicket('A')], 1);
      const oldKey = before.changes(null, null);
      if (!oldKey.ok) throw new Error('read failed');
      const restarted = new SimulatorState({ feedSeqStart: 2_000 });
      restarted.inject([anInjectTicket('B')], 1);
      const page = restarted.changes(oldKey.nextPageKey, null);
      expect(page.ok && page.records.map((r) => (r as { ticketId: string }).ticketId)).toEqual(['B']);
    });

    it('serves raw records as given, in feed order', () => {
      const s = aState();
      s.inject([anInjectTicket('A')], 1);
      const seq = s.appendRawRecord({ ticketId: 42, status: null });
      const page = s.changes(null, null);
      expect(page.ok && page.records[1]).toEqual({ ticketId: 42, status: null });
      expect(seq).toBe(2);
    });
  });

  describe('SimulatorState.received', () => {
    it('sums requests per endpoint and filters tickets', () => {
      const s = aState();
      const id = s.nextRequestId();
      const results = s.inject([anInjectTicket('A'), anInjectTicket('B'), { ticketId: 'bad#' }], id);
      s.recordRequest({
        id,
        endpoint: 'inject',
        method: 'POST',
        path: '/v3/organizer/tickets',
        status: 200,
        ticketIds: ['A', 'B', 'bad#'],
        idempotencyKey: 'k',
        fault: null,
        latencyMs: 0,
        accepted: 2,
        rejected: 1,
      });
      s.recordRequest({
        id: s.nextRequestId(),
        endpoint: 'inject',
        method: 'POST',
        path: '/v3/organizer/tickets',
        status: 503,
        ticketIds: ['A'],
        idempotencyKey: 'k',
        fault: 'status',
        latencyMs: 0,
        accepted: 0,
        rejected: 0,
      });
      expect(results.filter((r) => r.status === 'OK')).toHaveLength(2);

      const summary = s.received({ ticketIds: ['B'], payloads: false });
      expect(summary.totals.byEndpoint.inject).toEqual({ requests: 2, handled: 1, failed: 1, ticketsAccepted: 2, ticketsRejected: 1 });
      expect(summary.totals.tickets).toBe(2);
      expect(summary.tickets.map((t) => [t.ticketId, t.lastPayload])).toEqual([['B', undefined]]);
      expect(s.requests({ endpoint: 'inject', ticketId: 'A' })).toHaveLength(2);
      expect(s.requests({ endpoint: 'delete' })).toHaveLength(0);
    });
  });

  describe('SimulatorState.reset', () => {
    it('forgets everything but keeps sequences going, so old keys read only newer records', () => {
      const s = aState();
      s.inject([anInjectTicket('A'), anInjectTicket('B')], 1);
      const before = s.changes(null, null);
      if (!before.ok) throw new Error('page failed');
      s.faults.set({ latency: { ms: 5 } });
      s.reset();
      expect(s.received().totals).toMatchObject({ requests: 0, tickets: 0, feedRecords: 0 });
      expect(s.faults.view().config).toEqual({});
      s.inject([anInjectTicket('C')], 2);
      const after = s.changes(before.nextPageKey, null);
      expect(after.ok && after.records.map((r) => (r as { ticketId: string }).ticketId)).toEqual(['C']);
      expect(after.ok && decodePaginationKey(after.nextPageKey)).toBe(3);
      expect(encodePaginationKey(3)).toBe(after.ok && after.nextPageKey);
    });
  });
});

describe('SimulatorState idempotency', () => {
  const entry = (ticketId: string) => ({
    ticketId,
    event: {
      id: 'E',
      name: 'N',
      startTime: '2027-06-12T20:00:00+02:00',
      expirationDate: '2027-06-12T22:00:00+02:00',
      address: { site: 's', city: 'c', zip: 'z', countryCode: 'CH' },
    },
    activationParameters: { method: 'online' },
    purchaseDetails: {},
    security: { barcode: 'b' },
    spectatorDetails: {},
  });

  it('answers a repeated Idempotency-Key from memory and applies each ticket once', () => {
    const s = new SimulatorState();
    s.applyIdempotent('inject', 'k1', [entry('A'), entry('B')], s.nextRequestId());
    const again = s.applyIdempotent('inject', 'k1', [entry('B'), entry('C')], s.nextRequestId());
    expect(again.map((r) => [r.ticketId, r.status])).toEqual([
      ['B', 'OK'],
      ['C', 'OK'],
    ]);
    expect(s.ticket('A')!.injectCount).toBe(1);
    expect(s.ticket('B')!.injectCount).toBe(1);
    expect(s.ticket('C')!.injectCount).toBe(1);
    expect(s.replayed).toBe(1);
  });

  it('applies every request without a key', () => {
    const s = new SimulatorState();
    s.applyIdempotent('inject', null, [entry('A')], s.nextRequestId());
    s.applyIdempotent('inject', null, [entry('A')], s.nextRequestId());
    expect(s.ticket('A')!.injectCount).toBe(2);
  });

  it('keeps keys of different endpoints apart', () => {
    const s = new SimulatorState();
    s.applyIdempotent('inject', 'k', [entry('A')], s.nextRequestId());
    const del = s.applyIdempotent('delete', 'k', [{ ticketId: 'A', reason: 'CANCELLED', showDeletedTicket: false }], s.nextRequestId());
    expect(del[0]!.status).toBe('OK');
    expect(s.ticket('A')!.deleteCount).toBe(1);
  });
});

describe('SimulatorState generations and history', () => {
  const gen = (ticketId: string, g: number | string, barcode = `B-${ticketId}-${g}`) =>
    anInjectTicket(ticketId, { security: { barcode }, ticketDetails: { main: [], hidden: [{ key: 'S360_GENERATION', value: String(g) }] } });

  it('records the generation of each injection from S360_GENERATION, and of deletes and controls from the payload they met', () => {
    const s = aState();
    s.inject([gen('A', 0)], 1);
    s.control([aControl('A')], 2);
    s.inject([gen('A', 1)], 3);
    s.delete([aDelete('A', 'REPRINT')], 4);
    const t = s.ticket('A')!;
    expect(t.generation).toBe(1);
    expect(t.operations.map((o) => [o.op, o.generation, o.reason])).toEqual([
      ['inject', 0, undefined],
      ['control', 0, undefined],
      ['inject', 1, undefined],
      ['delete', 1, 'REPRINT'],
    ]);
  });

  it('has a null generation for a payload without S360_GENERATION (or a non-numeric one)', () => {
    const s = aState();
    s.inject([anInjectTicket('A'), gen('B', 'x')], 1);
    expect(s.ticket('A')!.generation).toBeNull();
    expect(s.ticket('B')!.operations[0]!.generation).toBeNull();
  });

  it('serves a compact per-ticket history, in operation order, optionally for some tickets only', () => {
    const s = aState();
    s.inject([gen('A', 0), gen('B', 0)], 1);
    s.delete([aDelete('B', 'ORDER_CANCELLED')], 2);
    s.inject([gen('B', 2)], 3);
    const all = s.history();
    expect(all.map((h) => h.ticketId)).toEqual(['A', 'B']);
    const [b] = s.history({ ticketIds: ['B', 'Z'] });
    expect(b).toEqual({
      ticketId: 'B',
      status: 'INJECTED',
      generation: 2,
      ops: [
        { op: 'inject', generation: 0, seq: expect.any(Number) },
        { op: 'delete', generation: 0, seq: expect.any(Number), reason: 'ORDER_CANCELLED' },
        { op: 'inject', generation: 2, seq: expect.any(Number) },
      ],
    });
    expect(b!.ops[0]!.seq).toBeLessThan(b!.ops[1]!.seq);
    expect(b!.ops[1]!.seq).toBeLessThan(b!.ops[2]!.seq);
  });

  it('answers a replay under an Idempotency-Key from memory even when the content changed: nothing of it is applied', () => {
    const s = aState();
    s.applyIdempotent('inject', 'k', [gen('A', 0)], s.nextRequestId());
    const again = s.applyIdempotent('inject', 'k', [gen('A', 1)], s.nextRequestId());
    expect(again.map((r) => r.status)).toEqual(['OK']);
    expect(s.history({ ticketIds: ['A'] })[0]!.ops.map((o) => o.generation)).toEqual([0]);
    expect(s.ticket('A')!.generation).toBe(0);
  });
});
