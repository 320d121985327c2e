import { z } from 'zod';

/**
 * Fault injection for the simulated organizer API (pure apart from its own counters). A test sets a
 * `FaultConfig` (HTTP: `POST /_sim/faults`); for every authenticated organizer request the simulator
 * asks `decide(endpoint)` what to do, and `rejectionFor(endpoint, ticketId)` for each ticket.
 *
 * Precedence for one request: the endpoint's script queue, then the shared script queue, then the
 * `override`, then the `errorRate` draw, else `pass`. `latency` is added in every case. Everything is
 * deterministic: scripts are consumed in order and the error-rate draw uses a seeded RNG, drawn only
 * for requests the error rate applies to.
 *
 * A request whose action is not `pass` does not change ticket state (the HTTP layer guarantees it).
 */

export const ENDPOINTS = ['inject', 'delete', 'control', 'changes'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

const endpoints = z.array(z.enum(ENDPOINTS)).min(1).optional();

const statusStep = z
  .object({
    status: z.number().int().min(100).max(599),
    /** Sent as `Retry-After: <n>`. */
    retryAfterSeconds: z.number().int().min(0).optional(),
    /** Sent verbatim as `Retry-After` (an HTTP-date, or garbage to test parsing); wins over seconds. */
    retryAfter: z.string().optional(),
    errorCode: z.string().optional(),
    message: z.string().optional(),
    /** JSON body to send instead of `{ errorCode, message }` (e.g. a malformed 200). */
    body: z.unknown().optional(),
    /** Raw text body (not JSON), wins over `body`. */
    rawBody: z.string().optional(),
  })
  .strict();
const hangStep = z.object({ hang: z.literal(true) }).strict();
const dropStep = z.object({ drop: z.literal(true) }).strict();
const passStep = z.object({ pass: z.literal(true) }).strict();
export const stepSchema = z.union([statusStep, hangStep, dropStep, passStep]);
export type FaultStep = z.infer<typeof stepSchema>;
const overrideSchema = z.union([
  statusStep.extend({ endpoints }),
  hangStep.extend({ endpoints }),
  dropStep.extend({ endpoints }),
  passStep.extend({ endpoints }),
]);

export const faultConfigSchema = z
  .object({
    /** Seed of the error-rate RNG. Default 1. */
    seed: z.number().int().optional(),
    /**
     * Added to every matching request: `ms`, or with `maxMs` a uniform draw in [ms, maxMs] per request
     * (its own seeded RNG, so the error-rate draws stay the same).
     */
    latency: z
      .object({ ms: z.number().int().min(0).max(600_000), maxMs: z.number().int().min(0).max(600_000).optional(), endpoints })
      .strict()
      .refine((l) => l.maxMs === undefined || l.maxMs >= l.ms, { message: 'maxMs must be at least ms', path: ['maxMs'] })
      .optional(),
    /** Applies the request, then waits this long before answering: "TIXnGO did it, the client never heard". */
    answerDelay: z
      .object({ ms: z.number().int().min(0).max(600_000), endpoints })
      .strict()
      .optional(),
    errorRate: z
      .object({
        ratio: z.number().min(0).max(1),
        status: z.number().int().min(500).max(599).default(503),
        retryAfterSeconds: z.number().int().min(0).optional(),
        endpoints,
      })
      .strict()
      .optional(),
    /** Consumed in order by requests to any organizer endpoint (after the endpoint's own queue). */
    script: z.array(stepSchema).optional(),
    /** Consumed in order by requests to that endpoint only. */
    scriptByEndpoint: z
      .object({ inject: z.array(stepSchema), delete: z.array(stepSchema), control: z.array(stepSchema), changes: z.array(stepSchema) })
      .partial()
      .strict()
      .optional(),
    /** Applied to every matching request while set (e.g. all hang, all 401, a malformed 200). */
    override: overrideSchema.optional(),
    /** These tickets are answered `REJECTED` (inside a 200) and not applied; other tickets go through. */
    rejectTickets: z
      .object({
        tickets: z.array(
          z
            .object({ ticketId: z.string(), errorCode: z.string().default('SIMULATED_REJECTION'), message: z.string().default('rejected by the simulator') })
            .strict(),
        ),
        endpoints,
      })
      .strict()
      .optional(),
    /**
     * A request naming any of these tickets is refused as a whole (`status`: 400, 413 or 422) and
     * nothing of it is applied, as TIXnGO does for a request it cannot accept (e.g. one malformed
     * ticket). Checked only for requests that would otherwise pass.
     */
    rejectRequests: z
      .object({
        ticketIds: z.array(z.string()).min(1),
        status: z.union([z.literal(400), z.literal(413), z.literal(422)]).default(400),
        errorCode: z.string().default('INVALID_REQUEST'),
        message: z.string().default('request refused by the simulator'),
        endpoints,
      })
      .strict()
      .optional(),
  })
  .strict();
export type FaultConfig = z.input<typeof faultConfigSchema>;
type ParsedFaultConfig = z.output<typeof faultConfigSchema>;

export type FaultAction =
  | { readonly kind: 'pass' }
  | { readonly kind: 'hang' }
  | { readonly kind: 'drop' }
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly retryAfter?: string;
      /** The exact bytes to send, already serialised. */
      readonly body: string;
      readonly contentType: 'application/json' | 'text/plain';
    };

export interface FaultDecision {
  readonly latencyMs: number;
  /** Delay between applying a passing request and answering it. */
  readonly answerDelayMs: number;
  readonly action: FaultAction;
  /** Where the action came from, for the request log. */
  readonly source: 'script' | 'override' | 'errorRate' | null;
}

export interface FaultView {
  readonly config: ParsedFaultConfig;
  readonly remaining: { readonly script: number; readonly scriptByEndpoint: Record<Endpoint, number> };
}

/** mulberry32: tiny, seedable, good enough to spread simulated failures. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultPlan {
  private config: ParsedFaultConfig = {};
  private shared: FaultStep[] = [];
  private byEndpoint: Record<Endpoint, FaultStep[]> = emptyQueues();
  private random: () => number = seededRandom(1);
  private latencyRandom: () => number = seededRandom(1);

  /** Replaces the whole configuration (queues and RNG start over). Throws a ZodError if invalid. */
  set(config: unknown): FaultView {
    const parsed = faultConfigSchema.parse(config);
    this.config = parsed;
    this.shared = [...(parsed.script ?? [])];
    this.byEndpoint = emptyQueues();
    for (const e of ENDPOINTS) this.byEndpoint[e] = [...(parsed.scriptByEndpoint?.[e] ?? [])];
    this.random = seededRandom(parsed.seed ?? 1);
    this.latencyRandom = seededRandom((parsed.seed ?? 1) ^ 0x5bd1e995);
    return this.view();
  }

  clear(): void {
    this.set({});
  }

  view(): FaultView {
    const scriptByEndpoint = emptyCounts();
    for (const e of ENDPOINTS) scriptByEndpoint[e] = this.byEndpoint[e].length;
    return { config: this.config, remaining: { script: this.shared.length, scriptByEndpoint } };
  }

  decide(endpoint: Endpoint): FaultDecision {
    const c = this.config;
    const latencyMs = c.latency && applies(c.latency.endpoints, endpoint) ? this.latencyOf(c.latency) : 0;
    const answerDelayMs = c.answerDelay && applies(c.answerDelay.endpoints, endpoint) ? c.answerDelay.ms : 0;
    const scripted = this.byEndpoint[endpoint].shift() ?? this.shared.shift();
    if (scripted) return { latencyMs, answerDelayMs, action: toAction(scripted), source: 'script' };
    if (c.override && applies(c.override.endpoints, endpoint)) {
      const { endpoints: _ignored, ...step } = c.override;
      return { latencyMs, answerDelayMs, action: toAction(step as FaultStep), source: 'override' };
    }
    if (c.errorRate && applies(c.errorRate.endpoints, endpoint) && this.random() < c.errorRate.ratio) {
      const { status, retryAfterSeconds } = c.errorRate;
      return {
        latencyMs,
        answerDelayMs,
        action: toAction({ status, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) }),
        source: 'errorRate',
      };
    }
    return { latencyMs, answerDelayMs, action: { kind: 'pass' }, source: null };
  }

  private latencyOf(l: { ms: number; maxMs?: number | undefined }): number {
    if (l.maxMs === undefined || l.maxMs === l.ms) return l.ms;
    return l.ms + Math.floor(this.latencyRandom() * (l.maxMs - l.ms + 1));
  }

  /**
   * The whole-request refusal for a request carrying these tickets on this endpoint (`rejectRequests`),
   * if any of them is listed. Asked only for a request whose decision is `pass`.
   */
  requestRejectionFor(endpoint: Endpoint, ticketIds: readonly string[]): Extract<FaultAction, { kind: 'status' }> | undefined {
    const r = this.config.rejectRequests;
    if (!r || !applies(r.endpoints, endpoint)) return undefined;
    const listed = new Set(r.ticketIds);
    const hit = ticketIds.find((id) => listed.has(id));
    if (hit === undefined) return undefined;
    return toAction({ status: r.status, errorCode: r.errorCode, message: `${r.message} (ticket ${hit})` }) as Extract<FaultAction, { kind: 'status' }>;
  }

  /** The scripted per-ticket rejection for this ticket on this endpoint, if any. */
  rejectionFor(endpoint: Endpoint, ticketId: string): { errorCode: string; message: string } | undefined {
    const r = this.config.rejectTickets;
    if (!r || !applies(r.endpoints, endpoint)) return undefined;
    const hit = r.tickets.find((t) => t.ticketId === ticketId);
    return hit ? { errorCode: hit.errorCode, message: hit.message } : undefined;
  }
}

function toAction(step: FaultStep): FaultAction {
  if ('hang' in step) return { kind: 'hang' };
  if ('drop' in step) return { kind: 'drop' };
  if ('pass' in step) return { kind: 'pass' };
  const retryAfter = step.retryAfter ?? (step.retryAfterSeconds !== undefined ? String(step.retryAfterSeconds) : undefined);
  const json =
    step.body !== undefined ? step.body : { errorCode: step.errorCode ?? 'SIMULATED_FAULT', message: step.message ?? `simulated HTTP ${step.status}` };
  return {
    kind: 'status',
    status: step.status,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
    body: step.rawBody ?? JSON.stringify(json),
    contentType: step.rawBody !== undefined ? 'text/plain' : 'application/json',
  };
}

function applies(list: readonly Endpoint[] | undefined, endpoint: Endpoint): boolean {
  return list === undefined || list.includes(endpoint);
}

function emptyQueues(): Record<Endpoint, FaultStep[]> {
  return { inject: [], delete: [], control: [], changes: [] };
}

function emptyCounts(): Record<Endpoint, number> {
  return { inject: 0, delete: 0, control: 0, changes: 0 };
}
