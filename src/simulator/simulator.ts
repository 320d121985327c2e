import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import { personSchema } from '../tixngo/wire-schemas';
import { type Endpoint, ENDPOINTS } from './faults';
import { ACTIVATION_METHODS, HOLDER_ACTIONS } from './lifecycle';
import { type RequestRecord, SimulatorState } from './state';
import { checkTicketsBody, parseJsonBody, ticketIdsOf } from './validation';

/**
 * The TIXnGO simulator's HTTP layer (node:http): the organizer API under `basePath` and the
 * inspection / fault API under `/_sim/`. All decisions live in `SimulatorState` and `FaultPlan`; this
 * file only reads requests, asks them, and writes answers. Wire shapes: docs/tixngo-api.md.
 */

export interface SimulatorOptions {
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 0 (any free port). */
  readonly port?: number;
  /** The organizer API key requests must carry. */
  readonly apiKey: string;
  /** Header carrying the key. Default `x-api-key`. */
  readonly apiKeyHeader?: string;
  /** Prefix of the organizer API. Default `/v3`. */
  readonly basePath?: string;
  /** Endpoint paths under `basePath`; defaults mirror the bridge's TIXNGO_*_PATH defaults. */
  readonly paths?: Partial<Record<Endpoint, string>>;
  /** Over this many tickets in one request → 400 `TOO_MANY_TICKETS`. Default 10 000. */
  readonly maxTicketsPerRequest?: number;
  /** Largest change-feed page; larger `limit`s are clamped. Default 1000. */
  readonly maxFeedLimit?: number;
  /** The feed's sequences start after this. Default 0. */
  readonly feedSeqStart?: number;
  /** Larger request bodies → 413. Default 64 MiB. */
  readonly maxBodyBytes?: number;
  /** Clock for timestamps. Default `Date.now`. */
  readonly now?: () => number;
}

export interface RunningSimulator {
  /** Base URL of the organizer API, including `basePath` (what TIXNGO_BASE_URL should be). */
  readonly url: string;
  /** `http://host:port`, where `/_sim/` lives. */
  readonly origin: string;
  /** The simulator's state, for in-process tests (same data the `/_sim/` API serves). */
  readonly state: SimulatorState;
  /** Stops listening and destroys every connection, including hung and delayed requests. */
  close(): Promise<void>;
}

export const DEFAULT_PATHS: Record<Endpoint, string> = {
  inject: '/organizer/tickets',
  delete: '/organizer/tickets/delete',
  control: '/organizer/tickets/control',
  changes: '/organizer/tickets/diff',
};

const holderActionSchema = z
  .object({
    action: z.enum(HOLDER_ACTIONS),
    person: personSchema.optional(),
    activation: z.enum(ACTIVATION_METHODS).optional(),
  })
  .strict();

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export async function startSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const basePath = normalizeBasePath(opts.basePath ?? '/v3');
  const apiKeyHeader = (opts.apiKeyHeader ?? 'x-api-key').toLowerCase();
  const expectedKey = Buffer.from(opts.apiKey, 'utf8');
  const maxTickets = opts.maxTicketsPerRequest ?? 10_000;
  const maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024 * 1024;
  const paths = { ...DEFAULT_PATHS, ...opts.paths };
  const routes = new Map<string, Endpoint>(ENDPOINTS.map((e) => [`${basePath}${paths[e]}`, e]));
  const state = new SimulatorState({
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.maxFeedLimit !== undefined ? { maxFeedLimit: opts.maxFeedLimit } : {}),
    ...(opts.feedSeqStart !== undefined ? { feedSeqStart: opts.feedSeqStart } : {}),
  });

  const sockets = new Set<Socket>();
  const timers = new Set<{ timer: NodeJS.Timeout; resolve: (fired: boolean) => void }>();
  let closing = false;

  /** Resolves true after `ms`, or false if the simulator closes first. */
  const delay = (ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          timers.delete(entry);
          resolve(true);
        }, ms),
        resolve,
      };
      timers.add(entry);
    });

  const isAuthorized = (req: http.IncomingMessage): boolean => {
    const got = req.headers[apiKeyHeader];
    if (typeof got !== 'string') return false;
    const given = Buffer.from(got, 'utf8');
    return given.length === expectedKey.length && timingSafeEqual(given, expectedKey);
  };

  async function handleOrganizer(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const endpoint = routes.get(url.pathname.replace(/\/+$/, '') || '/');
    const id = state.nextRequestId();
    const base = {
      id,
      at: state.nowIso(),
      endpoint: endpoint ?? null,
      method: req.method ?? 'GET',
      path: url.pathname,
      idempotencyKey: header(req, 'idempotency-key') ?? null,
      latencyMs: 0,
      accepted: 0,
      rejected: 0,
    };
    const record = (r: Partial<RequestRecord> & Pick<RequestRecord, 'status' | 'fault'>, ticketIds: readonly string[]) =>
      state.recordRequest({ ...base, ticketIds, ...r });

    const expectedMethod = endpoint === 'changes' ? 'GET' : 'POST';
    if (endpoint === undefined || req.method !== expectedMethod) {
      const status = endpoint === undefined ? 404 : 405;
      record({ status, fault: null }, []);
      return sendJson(res, status, { errorCode: status === 404 ? 'NOT_FOUND' : 'METHOD_NOT_ALLOWED', message: `${req.method} ${url.pathname}` });
    }
    const body = endpoint === 'changes' ? '' : await readBody(req, maxBodyBytes);
    if (body === undefined) {
      record({ status: 413, fault: null }, []);
      res.setHeader('connection', 'close');
      return sendJson(res, 413, { errorCode: 'PAYLOAD_TOO_LARGE', message: `body over ${maxBodyBytes} bytes` });
    }
    const parsed = endpoint === 'changes' ? undefined : parseJsonBody(body);
    const ticketIds = ticketIdsOf(parsed);
    if (!isAuthorized(req)) {
      record({ status: 401, fault: null }, ticketIds);
      return sendJson(res, 401, { errorCode: 'UNAUTHORIZED', message: 'missing or invalid API key' });
    }

    const decision = state.faults.decide(endpoint);
    if (decision.latencyMs > 0 && !(await delay(decision.latencyMs))) return; // closed meanwhile
    if (closing) return;
    const latencyMs = decision.latencyMs;
    const action = (decision.action.kind === 'pass' && endpoint !== 'changes' && state.faults.requestRejectionFor(endpoint, ticketIds)) || decision.action;
    switch (action.kind) {
      case 'hang':
        record({ status: null, fault: 'hang', latencyMs }, ticketIds);
        return; // never answered; close() destroys the socket
      case 'drop':
        record({ status: null, fault: 'drop', latencyMs }, ticketIds);
        req.socket.destroy();
        return;
      case 'status': {
        record({ status: action.status, fault: 'status', latencyMs }, ticketIds);
        const headers: Record<string, string> = { 'content-type': action.contentType };
        if (action.retryAfter !== undefined) headers['retry-after'] = action.retryAfter;
        res.writeHead(action.status, { ...headers, 'content-length': Buffer.byteLength(action.body) });
        res.end(action.body);
        return;
      }
      case 'pass':
        break;
    }

    if (endpoint === 'changes') {
      const page = state.changes(url.searchParams.get('paginationKey'), url.searchParams.get('limit'));
      if (!page.ok) {
        record({ status: 400, fault: null, latencyMs }, []);
        return sendJson(res, 400, { errorCode: page.errorCode, message: page.message });
      }
      record({ status: 200, fault: null, latencyMs, accepted: page.records.length }, []);
      return sendJson(res, 200, { result: page.records, pagination: { nextPageKey: page.nextPageKey } });
    }

    const checked = checkTicketsBody(parsed, maxTickets);
    if (!checked.ok) {
      record({ status: 400, fault: null, latencyMs }, ticketIds);
      return sendJson(res, 400, { errorCode: checked.errorCode, message: checked.message });
    }
    const results = state.applyIdempotent(endpoint, base.idempotencyKey, checked.tickets, id);
    const rejected = results.filter((r) => r.status === 'REJECTED').length;
    record({ status: 200, fault: null, latencyMs, accepted: results.length - rejected, rejected }, ticketIds);
    state.answersPending++;
    const delivered = decision.answerDelayMs > 0 ? await delay(decision.answerDelayMs) : true;
    state.answersPending--;
    if (!delivered || closing) return;
    return sendJson(res, 200, { results });
  }

  async function handleInspection(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');
    const route = `${method} ${path}`;

    if (route === 'GET /_sim/health') return sendJson(res, 200, { ok: true, url: `${origin}${basePath}` });
    if (route === 'GET /_sim/totals') return sendJson(res, 200, state.totals());
    if (route === 'GET /_sim/history') {
      const ticketIds = url.searchParams
        .getAll('ticketId')
        .flatMap((v) => v.split(','))
        .filter((v) => v !== '');
      return sendJson(res, 200, { tickets: state.history({ ticketIds }) });
    }
    if (route === 'GET /_sim/received') {
      const ticketIds = url.searchParams
        .getAll('ticketId')
        .flatMap((v) => v.split(','))
        .filter((v) => v !== '');
      const payloads = url.searchParams.get('payloads') !== 'false';
      return sendJson(res, 200, state.received({ ticketIds, payloads }));
    }
    if (route === 'GET /_sim/requests') {
      const endpoint = url.searchParams.get('endpoint') ?? undefined;
      if (endpoint !== undefined && !(ENDPOINTS as readonly string[]).includes(endpoint)) {
        throw new HttpProblem(400, 'INVALID_ENDPOINT', `endpoint must be one of ${ENDPOINTS.join(', ')}`);
      }
      const ticketId = url.searchParams.get('ticketId') ?? undefined;
      return sendJson(res, 200, { requests: state.requests({ endpoint: endpoint as Endpoint | undefined, ticketId }) });
    }
    if (route === 'POST /_sim/reset') {
      state.reset();
      return sendJson(res, 200, { ok: true });
    }
    if (route === 'GET /_sim/faults') return sendJson(res, 200, state.faults.view());
    if (route === 'DELETE /_sim/faults') {
      state.faults.clear();
      return sendJson(res, 200, state.faults.view());
    }
    if (route === 'POST /_sim/faults') {
      const body = await readJson(req);
      const parsed = safe(() => state.faults.set(body));
      if (!parsed.ok) throw new HttpProblem(400, 'INVALID_FAULTS', 'invalid fault configuration', parsed.issues);
      return sendJson(res, 200, parsed.value);
    }
    if (route === 'GET /_sim/feed') return sendJson(res, 200, { entries: state.feed() });
    if (route === 'POST /_sim/feed/raw') {
      const body = await readJson(req);
      return sendJson(res, 201, { seq: state.appendRawRecord(body) });
    }
    if (method === 'POST' && path.startsWith('/_sim/holders/')) {
      // The rest of the path is one URL-encoded ticket id (ids may contain `/`).
      const ticketId = safeDecode(url.pathname.slice('/_sim/holders/'.length));
      const parsed = holderActionSchema.safeParse(await readJson(req));
      if (!parsed.success) throw new HttpProblem(400, 'INVALID_HOLDER_ACTION', 'invalid holder action', parsed.error.issues);
      const result = state.holderAction(ticketId, parsed.data);
      if (!result.ok) throw new HttpProblem(result.status, result.errorCode, result.message);
      return sendJson(res, 200, { record: result.record, seq: result.seq });
    }
    throw new HttpProblem(404, 'NOT_FOUND', route);
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const handler = url.pathname === '/_sim' || url.pathname.startsWith('/_sim/') ? handleInspection : handleOrganizer;
    handler(req, res, url).catch((e: unknown) => {
      if (res.headersSent || res.destroyed) return;
      if (e instanceof HttpProblem) {
        sendJson(res, e.status, { errorCode: e.errorCode, message: e.message, ...(e.details ? { issues: e.details } : {}) });
      } else {
        sendJson(res, 500, { errorCode: 'SIMULATOR_ERROR', message: e instanceof Error ? e.message : String(e) });
      }
    });
  });
  // Longer than typical client idle times, so a keep-alive client rarely reuses a socket the server
  // is closing at that very moment (a spurious ECONNRESET in benchmarks).
  server.keepAliveTimeout = 61_000;
  server.headersTimeout = 66_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const origin = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  let closed: Promise<void> | undefined;
  return {
    url: `${origin}${basePath}`,
    origin,
    state,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        for (const t of timers) {
          clearTimeout(t.timer);
          t.resolve(false);
        }
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}

function normalizeBasePath(p: string): string {
  const trimmed = p.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The request body as text, or `undefined` when it exceeds `max` bytes. */
function readBody(req: http.IncomingMessage, max: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) over = true;
      if (!over) chunks.push(chunk);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const text = await readBody(req, 16 * 1024 * 1024);
  if (text === undefined) throw new HttpProblem(413, 'PAYLOAD_TOO_LARGE', 'body too large');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpProblem(400, 'INVALID_JSON', 'body is not JSON');
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function safe<T>(fn: () => T): { ok: true; value: T } | { ok: false; issues: unknown } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof z.ZodError) return { ok: false, issues: e.issues };
    throw e;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpProblem(400, 'INVALID_TICKET_ID', 'ticket id is not URL-encoded properly');
  }
}
