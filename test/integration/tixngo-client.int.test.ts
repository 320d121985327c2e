import { BridgeError, RejectedError, toSafeError, TransientError } from '../../src/shared/errors';
import { type RunningSimulator, startSimulator } from '../../src/simulator/simulator';
import { AxiosTixngoApi, type TixngoClientConfig } from '../../src/tixngo/axios-tixngo-api';
import type { InjectTicket } from '../../src/tixngo/tixngo-api';
import { feedRecordSchema } from '../../src/tixngo/wire-schemas';
import { unique } from '../support/unique';
import { waitFor } from '../support/wait-for';

/**
 * The real client (AxiosTixngoApi) against the real simulator, in process, on 127.0.0.1:0. Each test
 * scripts the simulator's behaviour and asserts what the client returns or throws, and what the
 * simulator received.
 */

const API_KEY = `${unique('sim-api-key')}-s3cr3t`;
const HOLDER = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada.lovelace@example.org', birthDate: '1815-12-10' };
const MAX_TICKETS = 5;

let sim: RunningSimulator;
let api: AxiosTixngoApi;

function clientConfig(over: Partial<TixngoClientConfig> = {}): TixngoClientConfig {
  return {
    baseUrl: sim.url,
    apiKey: API_KEY,
    apiKeyHeader: 'x-api-key',
    paths: {
      inject: '/organizer/tickets',
      delete: '/organizer/tickets/delete',
      control: '/organizer/tickets/control',
      changes: '/organizer/tickets/diff',
    },
    requestTimeoutMs: 5_000,
    maxRequestBytes: 8 * 1024 * 1024,
    ...over,
  };
}

function aTicket(ticketId = unique('T'), over: Record<string, unknown> = {}): InjectTicket {
  return {
    ticketId,
    event: { id: 'EV-1', name: 'Final', startTime: '2030-06-01T20:00:00+02:00', expirationDate: '2030-06-02T02:00:00+02' },
    purchaseDetails: { fileNumber: 'F-1', purchasePrice: 10 },
    security: { barcode: `BC-${ticketId}` },
    spectatorDetails: { ...HOLDER },
    activationParameters: { method: 'online' },
    ...over,
  };
}

async function thrown(p: Promise<unknown>): Promise<BridgeError> {
  try {
    await p;
  } catch (e) {
    return e as BridgeError;
  }
  throw new Error('expected a rejection');
}

async function simHttp(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${sim.origin}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: res.status, json: await res.json() };
}

/** Everything about an error that could end up in a log line, a DLQ header or a mail. */
function everyRendering(e: unknown): string {
  const err = e as Error;
  return [
    String(err),
    err.message,
    err.stack ?? '',
    JSON.stringify(err),
    JSON.stringify(toSafeError(err)),
    JSON.stringify((err as { cause?: unknown }).cause ?? null),
  ].join('\n');
}

beforeAll(async () => {
  sim = await startSimulator({ host: '127.0.0.1', port: 0, apiKey: API_KEY, maxTicketsPerRequest: MAX_TICKETS });
  api = new AxiosTixngoApi(clientConfig(), { maxRetryAfterMs: 10_000 });
});

afterAll(async () => {
  api?.close();
  await sim?.close();
});

beforeEach(() => {
  sim.state.reset();
});

describe('AxiosTixngoApi against the simulator', () => {
  describe('injectTickets', () => {
    it('returns one outcome per ticket, with per-ticket rejections inside a 200', async () => {
      const [a, b, c] = [aTicket(), aTicket(), aTicket(undefined, { event: { id: 'EV-1' } })];
      sim.state.faults.set({ rejectTickets: { tickets: [{ ticketId: b.ticketId, errorCode: 'SEAT_TAKEN', message: `seat of ${HOLDER.lastName} taken` }] } });

      const result = await api.injectTickets([a, b, c], { idempotencyKey: 'inject-1' });

      expect(result.status).toBe(200);
      expect(result.outcomes).toEqual([
        { ticketId: a.ticketId, ok: true },
        { ticketId: b.ticketId, ok: false, code: 'SEAT_TAKEN', reason: 'seat of [redacted] taken' },
        { ticketId: c.ticketId, ok: false, code: 'MISSING_FIELD', reason: 'event.startTime is required' },
      ]);
      const received = sim.state.received();
      expect(received.tickets.map((t) => t.ticketId)).toEqual([a.ticketId]);
      expect(sim.state.ticket(a.ticketId)).toMatchObject({ injectCount: 1, status: 'INJECTED', lastPayload: a });
      expect(sim.state.requests({ endpoint: 'inject' })).toEqual([
        expect.objectContaining({ status: 200, idempotencyKey: 'inject-1', ticketIds: [a.ticketId, b.ticketId, c.ticketId], accepted: 1, rejected: 2 }),
      ]);
    });

    it('marks tickets a 200 says nothing about as not delivered', async () => {
      const [a, b] = [aTicket(), aTicket()];
      sim.state.faults.set({ script: [{ status: 200, body: { results: [{ ticketId: a.ticketId, status: 'OK' }] } }] });
      const result = await api.injectTickets([a, b]);
      expect(result.outcomes).toEqual([
        { ticketId: a.ticketId, ok: true },
        { ticketId: b.ticketId, ok: false, code: 'TIXNGO_NO_RESULT', reason: expect.any(String) },
      ]);
    });
  });

  describe('deleteTickets and controlTickets', () => {
    it('deletes and controls injected tickets, in order, and rejects the impossible ones per ticket', async () => {
      const [a, b] = [aTicket(), aTicket()];
      const never = unique('never');
      await api.injectTickets([a, b]);

      const deleted = await api.deleteTickets([
        { ticketId: a.ticketId, reason: 'CANCELLED', showDeletedTicket: true },
        { ticketId: never, reason: 'CANCELLED', showDeletedTicket: false },
      ]);
      const controlled = await api.controlTickets([
        { ticketId: a.ticketId, controlledAt: '2030-06-01T19:30:00+02:00' },
        { ticketId: b.ticketId, controlledAt: '2030-06-01T19:31:00+02:00' },
      ]);

      expect(deleted.outcomes).toEqual([
        { ticketId: a.ticketId, ok: true },
        { ticketId: never, ok: false, code: 'TICKET_NOT_FOUND', reason: 'ticket was never injected' },
      ]);
      expect(controlled.outcomes).toEqual([
        { ticketId: a.ticketId, ok: false, code: 'TICKET_DELETED', reason: 'ticket is DELETION_PENDING' },
        { ticketId: b.ticketId, ok: true },
      ]);
      const ta = sim.state.ticket(a.ticketId)!;
      expect(ta).toMatchObject({ status: 'DELETION_PENDING', deleteReason: 'CANCELLED', showDeletedTicket: true, controlCount: 0 });
      expect(ta.operations.map((o) => o.op)).toEqual(['inject', 'delete']);
      expect(ta.operations[1]!.seq).toBeGreaterThan(ta.operations[0]!.seq);
      expect(sim.state.ticket(b.ticketId)).toMatchObject({ status: 'CONTROLLED', controlCount: 1 });
    });
  });

  describe('failures', () => {
    it('turns a wrong API key (401) into a transient TIXNGO_AUTH error and changes nothing', async () => {
      const wrong = new AxiosTixngoApi(clientConfig({ apiKey: 'not-the-right-key' }));
      try {
        const e = await thrown(wrong.injectTickets([aTicket()]));
        expect(e).toBeInstanceOf(TransientError);
        expect(e).toMatchObject({ kind: 'transient', code: 'TIXNGO_AUTH' });
      } finally {
        wrong.close();
      }
      expect(sim.state.totals().tickets).toBe(0);
      expect(sim.state.requests()).toEqual([expect.objectContaining({ endpoint: 'inject', status: 401 })]);
    });

    it('sends the key in the configured header', async () => {
      const custom = await startSimulator({ apiKey: API_KEY, apiKeyHeader: 'X-Tixngo-Key' });
      const client = new AxiosTixngoApi({ ...clientConfig(), baseUrl: custom.url, apiKeyHeader: 'X-Tixngo-Key' });
      const defaultHeader = new AxiosTixngoApi({ ...clientConfig(), baseUrl: custom.url });
      try {
        expect((await client.injectTickets([aTicket()])).outcomes[0]!.ok).toBe(true);
        expect(await thrown(defaultHeader.injectTickets([aTicket()]))).toMatchObject({ code: 'TIXNGO_AUTH' });
      } finally {
        client.close();
        defaultHeader.close();
        await custom.close();
      }
    });

    it.each([
      [{ status: 503 }, 'TIXNGO_HTTP_503', undefined],
      [{ status: 500 }, 'TIXNGO_HTTP_500', undefined],
      [{ status: 429, retryAfterSeconds: 1 }, 'TIXNGO_HTTP_429', 1_000],
      [{ status: 429 }, 'TIXNGO_HTTP_429', undefined],
      [{ status: 503, retryAfterSeconds: 3_600 }, 'TIXNGO_HTTP_503', 10_000],
      [{ status: 408, retryAfter: 'garbage' }, 'TIXNGO_HTTP_408', undefined],
    ])('turns %j into a transient %s (retryAfterMs %s) and changes nothing', async (step, code, retryAfterMs) => {
      const t = aTicket();
      sim.state.faults.set({ script: [step] });
      const e = await thrown(api.injectTickets([t]));
      expect(e).toBeInstanceOf(TransientError);
      expect(e).toMatchObject({ kind: 'transient', code, retryAfterMs });
      expect(sim.state.ticket(t.ticketId)).toBeUndefined();
    });

    it('honours an HTTP-date Retry-After', async () => {
      sim.state.faults.set({ script: [{ status: 503, retryAfter: new Date(Date.now() + 5_000).toUTCString() }] });
      const e = (await thrown(api.injectTickets([aTicket()]))) as TransientError;
      expect(e.code).toBe('TIXNGO_HTTP_503');
      expect(e.retryAfterMs).toBeGreaterThan(2_000);
      expect(e.retryAfterMs).toBeLessThanOrEqual(5_000);
    });

    it('times out a hung request with a transient TIXNGO_TIMEOUT, and the next request goes through', async () => {
      const quick = new AxiosTixngoApi(clientConfig({ requestTimeoutMs: 300 }));
      const t = aTicket();
      sim.state.faults.set({ script: [{ hang: true }] });
      try {
        const started = Date.now();
        const e = await thrown(quick.injectTickets([t]));
        expect(e).toMatchObject({ kind: 'transient', code: 'TIXNGO_TIMEOUT' });
        expect(Date.now() - started).toBeLessThan(3_000);
        expect(sim.state.ticket(t.ticketId)).toBeUndefined();
        expect((await quick.injectTickets([t])).outcomes).toEqual([{ ticketId: t.ticketId, ok: true }]);
      } finally {
        quick.close();
      }
    });

    it('turns a delay longer than the timeout into TIXNGO_TIMEOUT although the simulator applies it (the ambiguous case)', async () => {
      const quick = new AxiosTixngoApi(clientConfig({ requestTimeoutMs: 200 }));
      const t = aTicket();
      sim.state.faults.set({ latency: { ms: 600, endpoints: ['inject'] } });
      try {
        expect(await thrown(quick.injectTickets([t]))).toMatchObject({ code: 'TIXNGO_TIMEOUT' });
        await waitFor(() => sim.state.ticket(t.ticketId)?.injectCount === 1);
      } finally {
        quick.close();
      }
    });

    it('aborts on the caller signal with a transient TIXNGO_ABORTED', async () => {
      sim.state.faults.set({ script: [{ hang: true }] });
      const ac = new AbortController();
      const pending = thrown(api.injectTickets([aTicket()], { signal: ac.signal }));
      await waitFor(() => sim.state.requests({ endpoint: 'inject' }).length === 1);
      ac.abort();
      expect(await pending).toMatchObject({ kind: 'transient', code: 'TIXNGO_ABORTED' });
    });

    it('turns a dropped connection into a transient network error and changes nothing', async () => {
      const t = aTicket();
      sim.state.faults.set({ script: [{ drop: true }] });
      const e = await thrown(api.injectTickets([t]));
      expect(e).toBeInstanceOf(TransientError);
      expect(e.code).toMatch(/^TIXNGO_NETWORK_/);
      expect(sim.state.ticket(t.ticketId)).toBeUndefined();
      expect(sim.state.requests()).toEqual([expect.objectContaining({ fault: 'drop', status: null })]);
    });

    it('turns a connection refused into a transient network error', async () => {
      const gone = await startSimulator({ apiKey: API_KEY });
      const url = gone.url;
      await gone.close();
      const client = new AxiosTixngoApi({ ...clientConfig(), baseUrl: url });
      try {
        expect(await thrown(client.injectTickets([aTicket()]))).toMatchObject({ kind: 'transient', code: 'TIXNGO_NETWORK_ECONNREFUSED' });
      } finally {
        client.close();
      }
    });

    it('turns a 400 for the whole request into a RejectedError naming every ticket', async () => {
      const tickets = Array.from({ length: MAX_TICKETS + 1 }, () => aTicket());
      const e = await thrown(api.injectTickets(tickets));
      expect(e).toBeInstanceOf(RejectedError);
      expect(e).toMatchObject({ kind: 'rejected', code: 'TIXNGO_HTTP_400', ticketIds: tickets.map((t) => t.ticketId) });
      expect(e.message).toContain('TOO_MANY_TICKETS');
      expect(sim.state.totals().tickets).toBe(0);
    });

    it.each([
      [{ status: 200, rawBody: `<html>${HOLDER.lastName}</html>` }],
      [{ status: 200, body: { results: 'all good' } }],
      [{ status: 201, body: { results: [{ ticketId: 'x', status: 'MAYBE', message: HOLDER.email }] } }],
    ])('turns the 2xx %j with an unexpected body into a transient TIXNGO_BAD_RESPONSE', async (step) => {
      sim.state.faults.set({ script: [step] });
      expect(await thrown(api.injectTickets([aTicket()]))).toMatchObject({ kind: 'transient', code: 'TIXNGO_BAD_RESPONSE' });
    });

    it('closes with hung requests in flight, failing them as transient', async () => {
      const own = await startSimulator({ apiKey: API_KEY });
      own.state.faults.set({ override: { hang: true } });
      const client = new AxiosTixngoApi({ ...clientConfig(), baseUrl: own.url, requestTimeoutMs: 60_000 });
      try {
        const pending = thrown(client.injectTickets([aTicket()]));
        await waitFor(() => own.state.requests().length === 1);
        await own.close();
        expect(await pending).toMatchObject({ kind: 'transient', code: expect.stringMatching(/^TIXNGO_NETWORK_/) });
      } finally {
        client.close();
      }
    });
  });

  describe('fetchChanges', () => {
    it('pages through scripted holder changes and keeps the key once drained', async () => {
      const [a, b] = [aTicket(), aTicket()];
      await api.injectTickets([a, b]);
      for (const [ticketId, body] of [
        [a.ticketId, { action: 'download' }],
        [a.ticketId, { action: 'assign', person: { firstName: 'Alan', lastName: 'Turing' } }],
        [a.ticketId, { action: 'transfer', person: { id: 'p-2', firstName: 'Grace', lastName: 'Hopper', birthDate: '1906-12-09' } }],
        [b.ticketId, { action: 'download', person: { firstName: 'Edsger' } }],
      ] as const) {
        expect((await simHttp('POST', `/_sim/holders/${encodeURIComponent(ticketId)}`, body)).status).toBe(200);
      }

      const records: unknown[] = [];
      let key: string | null = null;
      const pageSizes: number[] = [];
      for (;;) {
        const page = await api.fetchChanges({ paginationKey: key, limit: 2 });
        pageSizes.push(page.records.length);
        records.push(...page.records);
        expect(page.nextPaginationKey).not.toBeNull();
        if (page.records.length === 0) {
          expect(page.nextPaginationKey).toBe(key); // drained: same key
          break;
        }
        key = page.nextPaginationKey;
      }

      expect(pageSizes).toEqual([2, 2, 2, 0]);
      const parsed = records.map((r) => feedRecordSchema.parse(r));
      expect(parsed.map((r) => [r.ticketId === a.ticketId ? 'a' : 'b', r.status, r.version])).toEqual([
        ['a', 'INJECTED', 1],
        ['b', 'INJECTED', 1],
        ['a', 'DOWNLOADED', 2],
        ['a', 'ASSIGNED', 3],
        ['a', 'TRANSFERRED', 4],
        ['b', 'DOWNLOADED', 2],
      ]);
      expect(parsed[4]).toMatchObject({
        walletOwner: { id: 'p-2', firstName: 'Grace', birthDate: '1906-12-09' },
        previousOwner: { firstName: HOLDER.firstName, lastName: HOLDER.lastName },
        ticketHolder: null,
      });

      // New changes after the drained key are served from it.
      await simHttp('POST', `/_sim/holders/${encodeURIComponent(b.ticketId)}`, { action: 'activate' });
      const next = await api.fetchChanges({ paginationKey: key, limit: 2 });
      expect(next.records).toEqual([expect.objectContaining({ ticketId: b.ticketId, status: 'ONLINE_ACTIVATED', version: 3 })]);
    });

    it('serves raw malformed records as they are, for the consumer to judge', async () => {
      expect((await simHttp('POST', '/_sim/feed/raw', { ticketId: null, status: 42 })).status).toBe(201);
      const page = await api.fetchChanges({ paginationKey: null, limit: 10 });
      expect(page.records).toEqual([{ ticketId: null, status: 42 }]);
      expect(feedRecordSchema.safeParse(page.records[0]).success).toBe(false);
    });

    it('answers an empty feed with no records and a key to keep', async () => {
      const page = await api.fetchChanges({ paginationKey: null, limit: 10 });
      expect(page.records).toEqual([]);
      expect(typeof page.nextPaginationKey).toBe('string');
    });

    it('turns an unknown pagination key into a RejectedError without ticket ids', async () => {
      const e = await thrown(api.fetchChanges({ paginationKey: 'not-a-key', limit: 10 }));
      expect(e).toMatchObject({ kind: 'rejected', code: 'TIXNGO_HTTP_400', ticketIds: [] });
      expect(e.message).toContain('INVALID_PAGINATION_KEY');
    });

    it('turns a scripted 503 on the feed into a transient error', async () => {
      sim.state.faults.set({ scriptByEndpoint: { changes: [{ status: 503, retryAfterSeconds: 2 }] } });
      expect(await thrown(api.fetchChanges({ paginationKey: null, limit: 10 }))).toMatchObject({ code: 'TIXNGO_HTTP_503', retryAfterMs: 2_000 });
    });
  });

  describe('error hygiene', () => {
    it('never puts the API key or holder data in an error, whatever failed', async () => {
      const quick = new AxiosTixngoApi(clientConfig({ requestTimeoutMs: 300 }));
      const wrongKey = new AxiosTixngoApi(clientConfig({ apiKey: `${API_KEY}-wrong` }));
      const echo = { errorCode: 'INVALID_FIELD', message: `${HOLDER.firstName} ${HOLDER.lastName} ${HOLDER.email} ${API_KEY}` };
      await api.injectTickets([aTicket()]);
      await simHttp('POST', '/_sim/feed/raw', { ticketId: 'x', walletOwner: HOLDER });
      try {
        sim.state.faults.set({
          script: [
            { status: 400, body: echo },
            { status: 503, body: echo },
            { status: 200, rawBody: JSON.stringify(echo) },
            { status: 200, body: { results: [{ ticketId: 1, status: 'OK', message: HOLDER.lastName }] } },
            { hang: true },
            { drop: true },
            { status: 401, body: echo },
          ],
        });
        const errors = [
          await thrown(api.injectTickets([aTicket()])),
          await thrown(api.injectTickets([aTicket()])),
          await thrown(api.injectTickets([aTicket()])),
          await thrown(api.injectTickets([aTicket()])),
          await thrown(quick.injectTickets([aTicket()])),
          await thrown(api.injectTickets([aTicket()])),
          await thrown(api.fetchChanges({ paginationKey: null, limit: 10 })),
          await thrown(wrongKey.fetchChanges({ paginationKey: null, limit: 10 })),
        ];
        sim.state.faults.set({ override: { status: 200, body: { result: 'x', pagination: HOLDER } } });
        errors.push(await thrown(api.fetchChanges({ paginationKey: null, limit: 10 })));

        for (const e of errors) {
          expect(e).toBeInstanceOf(BridgeError);
          const text = everyRendering(e);
          for (const secret of [API_KEY, HOLDER.firstName, HOLDER.lastName, HOLDER.email, HOLDER.birthDate]) {
            expect(text).not.toContain(secret);
          }
        }
      } finally {
        quick.close();
        wrongKey.close();
      }
    });
  });

  describe('inspection API', () => {
    it('reports health, received tickets, requests, faults and reset over HTTP', async () => {
      expect(await simHttp('GET', '/_sim/health')).toEqual({ status: 200, json: { ok: true, url: sim.url } });

      const [a, b] = [aTicket(), aTicket()];
      await api.injectTickets([a, b], { idempotencyKey: 'k-1' });
      await api.injectTickets([a], { idempotencyKey: 'k-2' });

      const received = await simHttp('GET', `/_sim/received?ticketId=${encodeURIComponent(a.ticketId)}&payloads=false`);
      expect(received.json.totals.byEndpoint.inject).toEqual({ requests: 2, handled: 2, failed: 0, ticketsAccepted: 3, ticketsRejected: 0 });
      expect(received.json.duplicates.inject).toEqual([a.ticketId]);
      expect(received.json.tickets).toEqual([expect.objectContaining({ ticketId: a.ticketId, injectCount: 2, status: 'INJECTED' })]);
      expect(received.json.tickets[0].lastPayload).toBeUndefined();

      const requests = await simHttp('GET', '/_sim/requests?endpoint=inject');
      expect(requests.json.requests.map((r: { idempotencyKey: string }) => r.idempotencyKey)).toEqual(['k-1', 'k-2']);

      expect((await simHttp('POST', '/_sim/faults', { latency: { ms: 'slow' } })).status).toBe(400);
      const set = await simHttp('POST', '/_sim/faults', { script: [{ status: 503 }], latency: { ms: 1 } });
      expect(set).toMatchObject({ status: 200, json: { remaining: { script: 1 } } });
      expect((await simHttp('GET', '/_sim/faults')).json.config.latency).toEqual({ ms: 1 });
      expect((await simHttp('DELETE', '/_sim/faults')).json).toEqual({
        config: {},
        remaining: { script: 0, scriptByEndpoint: { inject: 0, delete: 0, control: 0, changes: 0 } },
      });

      expect((await simHttp('POST', `/_sim/holders/${encodeURIComponent(a.ticketId)}`, { action: 'confirm-deletion' })).json).toMatchObject({
        errorCode: 'INVALID_TRANSITION',
      });
      expect((await simHttp('POST', '/_sim/holders/nobody', { action: 'download' })).status).toBe(404);
      expect((await simHttp('POST', `/_sim/holders/${encodeURIComponent(a.ticketId)}`, { action: 'dance' })).status).toBe(400);

      expect((await simHttp('POST', '/_sim/reset')).status).toBe(200);
      expect((await simHttp('GET', '/_sim/received')).json.totals).toMatchObject({ requests: 0, tickets: 0 });
    });
  });
});
