import { startSimulator, type RunningSimulator } from './simulator';

/** The HTTP side of the simulator additions (127.0.0.1 only): whole-request refusals and `/_sim/history`. */
describe('simulator HTTP: whole-request refusals and history', () => {
  const apiKey = 'unit-test-api-key-1234';
  let sim: RunningSimulator;
  beforeEach(async () => {
    sim = await startSimulator({ apiKey, host: '127.0.0.1', port: 0 });
  });
  afterEach(() => sim.close());

  const ticket = (ticketId: string, generation: number) => ({
    ticketId,
    event: { id: 'EV-1', startTime: '2030-06-01T20:00:00+02:00', expirationDate: '2030-06-02T02:00:00+02:00' },
    purchaseDetails: {},
    security: { barcode: `B-${ticketId}-${generation}` },
    spectatorDetails: {},
    ticketDetails: { main: [], hidden: [{ key: 'S360_GENERATION', value: String(generation) }] },
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${sim.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey, ...headers },
      body: JSON.stringify(body),
    });
  const setFaults = (faults: unknown) =>
    fetch(`${sim.origin}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });

  it('refuses a request naming a listed ticket as a whole, applies nothing of it, and lets the others through', async () => {
    expect((await setFaults({ rejectRequests: { ticketIds: ['T-2'], status: 413 } })).status).toBe(200);
    const refused = await post('/organizer/tickets', { tickets: [ticket('T-1', 0), ticket('T-2', 0)] });
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ errorCode: 'INVALID_REQUEST' });
    expect(sim.state.ticket('T-1')).toBeUndefined();
    expect(sim.state.requests({ endpoint: 'inject' })[0]).toMatchObject({ status: 413, fault: 'status', ticketIds: ['T-1', 'T-2'], accepted: 0 });
    const ok = await post('/organizer/tickets', { tickets: [ticket('T-1', 0), ticket('T-3', 0)] });
    expect(ok.status).toBe(200);
    expect(sim.state.totals().byEndpoint.inject).toMatchObject({ requests: 2, handled: 1, failed: 1, ticketsAccepted: 2 });
  });

  it('serves the per-ticket history with generations and delete reasons, for all or some tickets', async () => {
    await post('/organizer/tickets', { tickets: [ticket('A', 0), ticket('B', 0)] });
    await post('/organizer/tickets/delete', { tickets: [{ ticketId: 'A', reason: 'REPRINT', showDeletedTicket: false }] });
    await post('/organizer/tickets', { tickets: [ticket('A', 1)] });
    const all = (await (await fetch(`${sim.origin}/_sim/history`)).json()) as { tickets: { ticketId: string }[] };
    expect(all.tickets.map((t) => t.ticketId)).toEqual(['A', 'B']);
    const some = await (await fetch(`${sim.origin}/_sim/history?ticketId=A`)).json();
    expect(some).toEqual({
      tickets: [
        {
          ticketId: 'A',
          status: 'INJECTED',
          generation: 1,
          ops: [
            { op: 'inject', generation: 0, seq: 1 },
            { op: 'delete', generation: 0, seq: 3, reason: 'REPRINT' },
            { op: 'inject', generation: 1, seq: 4 },
          ],
        },
      ],
    });
    const received = (await (await fetch(`${sim.origin}/_sim/received?ticketId=A&payloads=false`)).json()) as { tickets: { operations: unknown[] }[] };
    expect(received.tickets[0]!.operations[1]).toMatchObject({ op: 'delete', generation: 0, reason: 'REPRINT' });
  });

  it('answers a replayed Idempotency-Key from memory, whatever the content now (docs/tixngo-api.md)', async () => {
    await post('/organizer/tickets', { tickets: [ticket('A', 0)] }, { 'idempotency-key': 'k-1' });
    const again = await post('/organizer/tickets', { tickets: [ticket('A', 1)] }, { 'idempotency-key': 'k-1' });
    expect(again.status).toBe(200);
    expect(sim.state.history({ ticketIds: ['A'] })[0]).toMatchObject({ generation: 0, ops: [{ op: 'inject', generation: 0 }] });
    expect(sim.state.replayed).toBe(1);
  });
});
