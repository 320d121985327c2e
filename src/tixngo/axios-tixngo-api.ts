import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import type { TixngoSettings } from '../config/load-config';
import { badResponse, classifyStatus, classifyTransportFailure, type TixngoOperation } from './classify';
import { toOutcomes } from './outcomes';
import type { ChangePage, ControlTicket, DeleteTicket, InjectTicket, PushResult, PushEndpoint, RequestContext, TixngoApi } from './tixngo-api';
import { encodeRequestBody } from './tixngo-api';
import { changesResponseSchema, errorResponseSchema, isPushResponse, pushResponseSchema } from './wire-schemas';

export type TixngoClientConfig = TixngoSettings;

export interface AxiosTixngoApiOptions {
  /** Agents to reuse connections; by default the client creates keep-alive agents of its own. */
  readonly httpAgent?: http.Agent;
  readonly httpsAgent?: https.Agent;
  /** Upper bound on a server-requested `Retry-After` delay. Default 60 000 ms. */
  readonly maxRetryAfterMs?: number;
  /** Clock for `Retry-After` HTTP-dates. Default `Date.now`. */
  readonly nowMs?: () => number;
}

/**
 * The TIXnGO adapter: the only code that speaks HTTP to TIXnGO (wire shapes: docs/tixngo-api.md).
 *
 * - Sends the API key in the configured header and `Idempotency-Key` when the caller gives one.
 * - Enforces `requestTimeoutMs` as a deadline for the whole exchange (connect, send, receive).
 * - Does not retry: it classifies every failure once (classify.ts) and the pipeline owns retries.
 * - Never lets an axios error escape: failures become `TransientError` / `RejectedError` whose
 *   messages carry statuses, codes, counts and ids only (no headers, no bodies) and have no `cause`.
 */
export class AxiosTixngoApi implements TixngoApi {
  private readonly http: AxiosInstance;
  private readonly ownedAgents: http.Agent[] = [];
  private readonly maxRetryAfterMs: number;
  private readonly nowMs: () => number;

  constructor(
    private readonly config: TixngoClientConfig,
    options: AxiosTixngoApiOptions = {},
  ) {
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000;
    this.nowMs = options.nowMs ?? Date.now;
    const httpAgent = options.httpAgent ?? this.own(new http.Agent({ keepAlive: true }));
    const httpsAgent = options.httpsAgent ?? this.own(new https.Agent({ keepAlive: true }));
    this.http = axios.create({
      baseURL: config.baseUrl.replace(/\/+$/, ''),
      adapter: 'http',
      httpAgent,
      httpsAgent,
      headers: {
        [config.apiKeyHeader]: config.apiKey,
        Accept: 'application/json',
        'Content-Type': 'application/json',
      },
      // Statuses are ours to classify; axios only throws when there is no answer at all.
      validateStatus: () => true,
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
    });
  }

  injectTickets(tickets: readonly InjectTicket[], ctx?: RequestContext): Promise<PushResult> {
    return this.push(
      'inject',
      encodeRequestBody(tickets),
      tickets.map((t) => t.ticketId),
      ctx,
    );
  }

  deleteTickets(tickets: readonly DeleteTicket[], ctx?: RequestContext): Promise<PushResult> {
    const body = tickets.map((t) => ({ ticketId: t.ticketId, reason: t.reason, showDeletedTicket: t.showDeletedTicket }));
    return this.push(
      'delete',
      encodeRequestBody(body),
      tickets.map((t) => t.ticketId),
      ctx,
    );
  }

  controlTickets(tickets: readonly ControlTicket[], ctx?: RequestContext): Promise<PushResult> {
    const body = tickets.map((t) => ({ ticketId: t.ticketId, controlledAt: t.controlledAt }));
    return this.push(
      'control',
      encodeRequestBody(body),
      tickets.map((t) => t.ticketId),
      ctx,
    );
  }

  /** One push request with a prepared body: exactly these bytes go out (a resend repeats them). */
  async push(endpoint: PushEndpoint, body: Buffer, ticketIds: readonly string[], ctx?: RequestContext): Promise<PushResult> {
    const res = await this.send(endpoint, ticketIds.length, ctx, (signal, headers) =>
      this.http.post<string>(this.config.paths[endpoint], body, { signal, headers }),
    );
    const failure = this.failureOf(endpoint, res, ticketIds);
    if (failure) throw failure;
    const parsed = parseBody(endpoint, res, pushResponseSchema, isPushResponse);
    // Rejection messages are sanitised against the values sent: the body is parsed only when needed.
    const needsValues = parsed.results.some((r) => r.status === 'REJECTED' && r.message !== undefined);
    return {
      status: res.status,
      outcomes: toOutcomes(needsValues ? sentTickets(body, ticketIds) : ticketIds.map((ticketId) => ({ ticketId })), parsed.results),
    };
  }

  async fetchChanges(query: { paginationKey: string | null; limit: number }, ctx?: RequestContext): Promise<ChangePage> {
    const params: Record<string, string | number> = { limit: query.limit };
    if (query.paginationKey !== null) params.paginationKey = query.paginationKey;
    const res = await this.send('changes', 0, ctx, (signal, headers) => this.http.get<string>(this.config.paths.changes, { params, signal, headers }));
    const failure = this.failureOf('changes', res, []);
    if (failure) throw failure;
    const body = parseBody('changes', res, changesResponseSchema);
    const next = body.pagination?.nextPageKey;
    return { records: body.result, nextPaginationKey: typeof next === 'string' && next !== '' ? next : null };
  }

  /** Destroys the keep-alive agents this client created (not the ones passed in). */
  close(): void {
    for (const agent of this.ownedAgents) agent.destroy();
  }

  /** Runs one request under our deadline and the caller's signal; converts transport errors. */
  private async send(
    operation: TixngoOperation,
    ticketCount: number,
    ctx: RequestContext | undefined,
    run: (signal: AbortSignal, headers: Record<string, string>) => Promise<AxiosResponse<string>>,
  ): Promise<AxiosResponse<string>> {
    const deadline = AbortSignal.timeout(this.config.requestTimeoutMs);
    const signal = ctx?.signal ? AbortSignal.any([ctx.signal, deadline]) : deadline;
    const headers: Record<string, string> = {};
    if (ctx?.idempotencyKey !== undefined) headers['Idempotency-Key'] = ctx.idempotencyKey;
    try {
      return await run(signal, headers);
    } catch (e) {
      if (!axios.isAxiosError(e) && !axios.isCancel(e)) throw e; // our own bug: let it crash the role
      // Only the code crosses the boundary: the axios error holds the request headers (API key).
      throw classifyTransportFailure({
        operation,
        ticketCount,
        code: typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : undefined,
        timedOut: deadline.aborted && !(ctx?.signal?.aborted ?? false),
        aborted: ctx?.signal?.aborted ?? false,
      });
    }
  }

  private failureOf(operation: TixngoOperation, res: AxiosResponse<string>, ids: readonly string[]) {
    if (res.status >= 200 && res.status <= 299) return null;
    return classifyStatus(res.status, {
      operation,
      ticketIds: ids,
      retryAfter: headerValue(res.headers['retry-after']),
      serverErrorCode: serverErrorCode(res.data),
      nowMs: this.nowMs(),
      maxRetryAfterMs: this.maxRetryAfterMs,
    });
  }

  private own<A extends http.Agent>(agent: A): A {
    this.ownedAgents.push(agent);
    return agent;
  }
}

/**
 * The body as `schema` reads it. `valid`, when given, checks the same rules in place: a body it accepts
 * is returned as parsed from JSON, without zod's copy (for bodies whose fields are only read, never
 * passed on whole); one it refuses goes to zod, which decides and names the first issue.
 */
function parseBody<S extends z.ZodType>(
  operation: TixngoOperation,
  res: AxiosResponse<string>,
  schema: S,
  valid?: (json: unknown) => json is z.infer<S>,
): z.infer<S> {
  let json: unknown;
  try {
    json = typeof res.data === 'string' ? JSON.parse(res.data) : res.data;
  } catch {
    throw badResponse(operation, res.status, 'not JSON');
  }
  if (valid?.(json)) return json;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    // Paths only (keys and indices), never the offending values: they may be holder data.
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? first.path.map(String).join('.') : '(root)';
    throw badResponse(operation, res.status, `${parsed.error.issues.length} schema issue(s), first at ${where}`);
  }
  return parsed.data;
}

/** The tickets of a body this client built, for sanitising rejection messages; ids only if it does not parse. */
function sentTickets(body: Buffer, ticketIds: readonly string[]): readonly { readonly ticketId: string }[] {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { tickets?: unknown };
    if (Array.isArray(parsed.tickets) && parsed.tickets.length === ticketIds.length) {
      return parsed.tickets.map((t, i) => ({ ...(t as object), ticketId: ticketIds[i]! }));
    }
  } catch {
    // fall through: ids only
  }
  return ticketIds.map((ticketId) => ({ ticketId }));
}

function serverErrorCode(data: unknown): string | undefined {
  if (typeof data !== 'string' || data.length > 65_536) return undefined;
  try {
    const parsed = errorResponseSchema.safeParse(JSON.parse(data));
    return parsed.success ? parsed.data.errorCode : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}
