import { FaultPlan, seededRandom } from './faults';

function plan(config: unknown): FaultPlan {
  const p = new FaultPlan();
  p.set(config);
  return p;
}

describe('faults', () => {
  describe('FaultPlan.decide', () => {
    it('passes everything when no fault is set', () => {
      expect(new FaultPlan().decide('inject')).toEqual({ latencyMs: 0, answerDelayMs: 0, action: { kind: 'pass' }, source: null });
    });

    it('consumes the shared script in order, then passes', () => {
      const p = plan({ script: [{ status: 503 }, { status: 429, retryAfterSeconds: 1 }, { hang: true }, { drop: true }] });
      const kinds = ['inject', 'delete', 'control', 'changes', 'inject'].map((e) => p.decide(e as 'inject').action);
      expect(kinds).toEqual([
        { kind: 'status', status: 503, body: expect.stringContaining('SIMULATED_FAULT'), contentType: 'application/json' },
        { kind: 'status', status: 429, retryAfter: '1', body: expect.any(String), contentType: 'application/json' },
        { kind: 'hang' },
        { kind: 'drop' },
        { kind: 'pass' },
      ]);
      expect(p.view().remaining.script).toBe(0);
    });

    it('serves an endpoint its own queue before the shared one', () => {
      const p = plan({ script: [{ status: 500 }], scriptByEndpoint: { changes: [{ status: 502 }] } });
      expect(p.decide('inject').action).toMatchObject({ status: 500 });
      expect(p.decide('changes').action).toMatchObject({ status: 502 });
      expect(p.decide('changes').action).toEqual({ kind: 'pass' });
    });

    it('applies the override to every matching request, after the script', () => {
      const p = plan({ script: [{ pass: true }], override: { status: 401, endpoints: ['inject'] } });
      expect(p.decide('inject')).toMatchObject({ action: { kind: 'pass' }, source: 'script' });
      expect(p.decide('inject')).toMatchObject({ action: { status: 401 }, source: 'override' });
      expect(p.decide('inject')).toMatchObject({ action: { status: 401 }, source: 'override' });
      expect(p.decide('delete')).toMatchObject({ action: { kind: 'pass' } });
    });

    it.each([
      [{ override: { hang: true } }, { kind: 'hang' }],
      [{ override: { drop: true, endpoints: ['inject'] } }, { kind: 'drop' }],
      [{ override: { status: 200, rawBody: 'not json' } }, { kind: 'status', status: 200, body: 'not json', contentType: 'text/plain' }],
      [{ override: { status: 200, body: { results: 'x' } } }, { kind: 'status', status: 200, body: '{"results":"x"}', contentType: 'application/json' }],
      [{ override: { status: 503, retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT', retryAfterSeconds: 4 } }, { retryAfter: 'Wed, 21 Oct 2015 07:28:00 GMT' }],
    ])('turns %j into %j', (config, action) => {
      expect(plan(config).decide('inject').action).toMatchObject(action);
    });

    it('adds latency to the matching endpoints whatever the action', () => {
      const p = plan({ latency: { ms: 250, endpoints: ['inject', 'changes'] }, script: [{ status: 503 }] });
      expect(p.decide('inject')).toMatchObject({ latencyMs: 250, action: { status: 503 } });
      expect(p.decide('changes')).toMatchObject({ latencyMs: 250, action: { kind: 'pass' } });
      expect(p.decide('delete')).toMatchObject({ latencyMs: 0 });
    });

    it('fails a seeded, reproducible share of requests with the error rate', () => {
      const draw = () => {
        const p = plan({ seed: 7, errorRate: { ratio: 0.3, status: 502, retryAfterSeconds: 2 } });
        return Array.from({ length: 1000 }, () => p.decide('inject').action);
      };
      const first = draw();
      const failures = first.filter((a) => a.kind === 'status');
      expect(failures.length).toBeGreaterThan(250);
      expect(failures.length).toBeLessThan(350);
      expect(failures[0]).toMatchObject({ status: 502, retryAfter: '2' });
      expect(draw()).toEqual(first);
    });

    it.each([0, 1])('fails none or all with ratio %i', (ratio) => {
      const p = plan({ errorRate: { ratio } });
      const failed = Array.from({ length: 50 }, () => p.decide('delete').action.kind === 'status').filter(Boolean).length;
      expect(failed).toBe(ratio * 50);
    });

    it('starts the queues and the RNG over when set again', () => {
      const p = plan({ script: [{ status: 503 }] });
      p.decide('inject');
      p.set({ script: [{ status: 503 }] });
      expect(p.view().remaining.script).toBe(1);
    });
  });

  describe('FaultPlan.set', () => {
    it.each([
      ['an unknown key', { latencyMs: 5 }],
      ['an unknown endpoint', { latency: { ms: 5, endpoints: ['purge'] } }],
      ['a 4xx error rate', { errorRate: { ratio: 0.5, status: 429 } }],
      ['a ratio above 1', { errorRate: { ratio: 2 } }],
      ['a step that is two things', { script: [{ hang: true, drop: true }] }],
      ['a status out of range', { script: [{ status: 700 }] }],
    ])('refuses %s', (_name, config) => {
      expect(() => new FaultPlan().set(config)).toThrow();
    });
  });

  describe('FaultPlan.rejectionFor', () => {
    const p = plan({
      rejectTickets: { tickets: [{ ticketId: 'T-2', errorCode: 'INVALID_FIELD', message: 'bad seat' }, { ticketId: 'T-3' }], endpoints: ['inject'] },
    });

    it.each([
      ['T-2', 'inject', { errorCode: 'INVALID_FIELD', message: 'bad seat' }],
      ['T-3', 'inject', { errorCode: 'SIMULATED_REJECTION', message: 'rejected by the simulator' }],
      ['T-1', 'inject', undefined],
      ['T-2', 'delete', undefined],
    ] as const)('%s on %s → %j', (ticketId, endpoint, expected) => {
      expect(p.rejectionFor(endpoint, ticketId)).toEqual(expected);
    });
  });

  describe('seededRandom', () => {
    it('repeats the same sequence for the same seed, in [0, 1)', () => {
      const a = seededRandom(42);
      const b = seededRandom(42);
      const xs = Array.from({ length: 100 }, () => a());
      expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
      expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    });
  });
});

describe('FaultPlan answerDelay', () => {
  it('holds the answer of matching endpoints only, after applying', () => {
    const plan = new FaultPlan();
    plan.set({ answerDelay: { ms: 1500, endpoints: ['inject'] } });
    expect(plan.decide('inject')).toMatchObject({ answerDelayMs: 1500, action: { kind: 'pass' } });
    expect(plan.decide('delete')).toMatchObject({ answerDelayMs: 0 });
  });
});

describe('faults: latency ranges and whole-request rejections', () => {
  it('draws latency in [ms, maxMs], reproducibly for a seed, without moving the error-rate draws', () => {
    const draws = (seed: number) => {
      const p = plan({ seed, latency: { ms: 20, maxMs: 80 } });
      return Array.from({ length: 200 }, () => p.decide('inject').latencyMs);
    };
    const a = draws(7);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...a)).toBeLessThanOrEqual(80);
    expect(new Set(a).size).toBeGreaterThan(20);
    expect(draws(7)).toEqual(a);
    expect(draws(8)).not.toEqual(a);
    const withRange = plan({ seed: 3, latency: { ms: 20, maxMs: 80 }, errorRate: { ratio: 0.5 } });
    const without = plan({ seed: 3, errorRate: { ratio: 0.5 } });
    const kinds = (p: FaultPlan) => Array.from({ length: 50 }, () => p.decide('inject').action.kind);
    expect(kinds(withRange)).toEqual(kinds(without));
  });

  it('refuses a maxMs below ms', () => {
    expect(() => plan({ latency: { ms: 50, maxMs: 10 } })).toThrow(/maxMs/);
  });

  it('refuses a whole request naming a listed ticket with the configured status, on the configured endpoints', () => {
    const p = plan({ rejectRequests: { ticketIds: ['T-2'], status: 422, endpoints: ['inject'] } });
    expect(p.requestRejectionFor('inject', ['T-1', 'T-3'])).toBeUndefined();
    expect(p.requestRejectionFor('inject', ['T-1', 'T-2'])).toEqual({
      kind: 'status',
      status: 422,
      body: expect.stringContaining('INVALID_REQUEST'),
      contentType: 'application/json',
    });
    expect(p.requestRejectionFor('delete', ['T-2'])).toBeUndefined();
    expect(plan({ rejectRequests: { ticketIds: ['T-2'] } }).requestRejectionFor('control', ['T-2'])).toMatchObject({ status: 400 });
  });

  it('accepts only 400, 413 and 422 for a whole-request rejection', () => {
    expect(() => plan({ rejectRequests: { ticketIds: ['T'], status: 500 } })).toThrow();
    expect(() => plan({ rejectRequests: { ticketIds: [] } })).toThrow();
  });
});
