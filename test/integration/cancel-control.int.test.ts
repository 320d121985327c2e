import { aCancellation, aControl, aPrintedTicket } from '../../src/tools/sample-events';
import { bridgeEnv, committedTotal, produceAvro, startTestBridge, useStackFixture } from '../support/harness';
import { unique } from '../support/unique';
import { waitFor } from '../support/wait-for';

describe('cancel and control roles (real stack and simulator)', () => {
  const fx = useStackFixture(3);

  async function start(overrides: Record<string, string> = {}) {
    const env = bridgeEnv(fx.topics, fx.simulator, {
      BRIDGE_ROLE: 'inject,cancel,control',
      CANCEL_SHIPMENT_MODES: 'MOBILE',
      CONTROL_SHIPMENT_MODES: 'MOBILE',
      CANCEL_LINGER_MS: '200',
      CONTROL_LINGER_MS: '200',
      ...overrides,
    });
    const b = await startTestBridge(env);
    fx.cleanup(() => b.bridge.stop());
    return { ...b, env };
  }

  const ticket = (id: string) => fx.simulator.state.ticket(id);
  const deletes = () => fx.simulator.state.totals().byEndpoint.delete;

  it('deletes an injected ticket with its reason and the showDeletedTicket rule, only for the configured shipment modes', async () => {
    await start({ CANCEL_VISIBILITY_OVERRIDE_REASONS: 'RESALE' });
    const injected = [1, 2, 3, 4].map((n) => aPrintedTicket({}, n));
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', injected);
    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted === 4);
    await produceAvro(fx.topics.cancelled, 'ticket-cancelled', [
      aCancellation(injected[0]!.ticketId, { reason: 'ORDER_CANCELLED' }),
      aCancellation(injected[1]!.ticketId, { status: 'INVALIDATED', reason: 'RESALE' }),
      aCancellation(injected[2]!.ticketId, { shipmentMode: 'PRINT_AT_HOME' }),
    ]);
    await waitFor(() => deletes().ticketsAccepted === 2);
    expect(ticket(injected[0]!.ticketId)).toMatchObject({
      deleteCount: 1,
      deleteReason: 'ORDER_CANCELLED',
      showDeletedTicket: false,
      status: 'DELETION_PENDING',
    });
    expect(ticket(injected[1]!.ticketId)).toMatchObject({ deleteCount: 1, deleteReason: 'RESALE', showDeletedTicket: true });
    expect(ticket(injected[2]!.ticketId)).toMatchObject({ deleteCount: 0 });
  });

  it('records a cancellation that arrives before its injection, skips that injection and never deletes a ticket TIXnGO lacks', async () => {
    const { bridge, config } = await start();
    const t = aPrintedTicket({}, 7);
    await produceAvro(fx.topics.cancelled, 'ticket-cancelled', [aCancellation(t.ticketId)]);
    await waitFor(async () => (await committedTotal(config.cancel.groupId, fx.topics.cancelled)) === 1);
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', [t]);
    await waitFor(async () => (await committedTotal(config.inject.groupId, fx.topics.printedEligible)) === 1);
    expect(ticket(t.ticketId)).toBeUndefined();
    expect(fx.simulator.state.requests({ endpoint: 'delete' })).toEqual([]);
    const skipped = (await bridge.metrics.skipped.get()).values;
    expect(skipped).toEqual(
      expect.arrayContaining([expect.objectContaining({ labels: { role: 'inject', reason: 'CANCELLED_BEFORE_INJECTION', organization: 'ORG1' }, value: 1 })]),
    );
  });

  it('deletes again only when the invalidation reason changed, or when forced', async () => {
    const t = aPrintedTicket({}, 11);
    const forcedTicket = aPrintedTicket({}, 12);
    const { config } = await start({ CANCEL_FORCE: `id:${forcedTicket.ticketId}` });
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', [t, forcedTicket]);
    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted === 2);
    await produceAvro(fx.topics.cancelled, 'ticket-cancelled', [
      aCancellation(t.ticketId, { status: 'INVALIDATED', reason: 'RESALE' }),
      aCancellation(t.ticketId, { status: 'INVALIDATED', reason: 'RESALE' }),
      aCancellation(forcedTicket.ticketId),
    ]);
    await waitFor(async () => (await committedTotal(config.cancel.groupId, fx.topics.cancelled)) === 3);
    await produceAvro(fx.topics.cancelled, 'ticket-cancelled', [
      aCancellation(t.ticketId, { status: 'INVALIDATED', reason: 'RESALE' }),
      aCancellation(t.ticketId, { status: 'INVALIDATED', reason: 'MOBILE_TAKE_BACK' }),
      aCancellation(forcedTicket.ticketId),
    ]);
    await waitFor(async () => (await committedTotal(config.cancel.groupId, fx.topics.cancelled)) === 6);
    expect(ticket(t.ticketId)).toMatchObject({ deleteCount: 2, deleteReason: 'MOBILE_TAKE_BACK' });
    expect(ticket(forcedTicket.ticketId)).toMatchObject({ deleteCount: 2 });
  });

  it('keeps a control that arrives before the injection and pushes it once the injection succeeds; never twice', async () => {
    const { config } = await start();
    const t = aPrintedTicket({}, 21);
    await produceAvro(fx.topics.controlled, 'ticket-controlled', [aControl(t.ticketId), aControl(t.ticketId)]);
    await waitFor(async () => (await committedTotal(config.control.groupId, fx.topics.controlled)) === 2);
    expect(ticket(t.ticketId)).toBeUndefined();
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', [t]);
    await waitFor(() => ticket(t.ticketId)?.controlCount === 1);
    const ops = ticket(t.ticketId)!.operations.map((o) => o.op);
    expect(ops).toEqual(['inject', 'control']);
    await produceAvro(fx.topics.controlled, 'ticket-controlled', [aControl(t.ticketId)]);
    await waitFor(async () => (await committedTotal(config.control.groupId, fx.topics.controlled)) === 4);
    expect(ticket(t.ticketId)!.controlCount).toBe(1);
  });

  it('torture: interleaved inject, cancel and control for thousands of tickets, roles in separate bridges', async () => {
    const env = bridgeEnv(fx.topics, fx.simulator, {
      CANCEL_SHIPMENT_MODES: 'MOBILE',
      CONTROL_SHIPMENT_MODES: 'MOBILE',
      INJECT_BATCH_SIZE: '250',
      CANCEL_BATCH_SIZE: '250',
      CONTROL_BATCH_SIZE: '250',
      INJECT_LINGER_MS: '50',
      CANCEL_LINGER_MS: '50',
      CONTROL_LINGER_MS: '50',
    });
    const injector = await startTestBridge({ ...env, BRIDGE_ROLE: 'inject', HTTP_PORT: '0' });
    fx.cleanup(() => injector.bridge.stop());
    const others = await startTestBridge({ ...env, BRIDGE_ROLE: 'cancel,control', HTTP_PORT: '0', BRIDGE_INSTANCE_ID: unique('other') });
    fx.cleanup(() => others.bridge.stop());

    const n = 3000;
    const tickets = Array.from({ length: n }, (_, i) => aPrintedTicket({}, 50_000 + i));
    const cancelled = tickets.filter((_, i) => i % 3 === 0);
    const controlled = tickets.filter((_, i) => i % 3 === 1 || i % 5 === 0);
    // Three producers at once, each in its own order: events of one ticket overtake each other.
    const shuffle = <T>(a: T[]) =>
      a
        .map((v) => [Math.random(), v] as const)
        .sort((x, y) => x[0] - y[0])
        .map(([, v]) => v);
    await Promise.all([
      produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', shuffle([...tickets])),
      produceAvro(fx.topics.cancelled, 'ticket-cancelled', shuffle(cancelled.map((t) => aCancellation(t.ticketId)))),
      produceAvro(fx.topics.controlled, 'ticket-controlled', shuffle(controlled.map((t) => aControl(t.ticketId)))),
    ]);

    const done = async () =>
      (await committedTotal(injector.config.inject.groupId, fx.topics.printedEligible)) === n &&
      (await committedTotal(others.config.cancel.groupId, fx.topics.cancelled)) >= cancelled.length &&
      (await committedTotal(others.config.control.groupId, fx.topics.controlled)) >= controlled.length;
    await waitFor(done, { timeoutMs: 240_000, intervalMs: 500, describe: () => fx.simulator.state.totals() });

    // Settled: every injected-and-cancelled ticket ends deleted (hand-backs may still be in flight).
    const cancelledIds = new Set(cancelled.map((t) => t.ticketId));
    await waitFor(
      () =>
        fx.simulator.state
          .received({ payloads: false })
          .tickets.filter((t) => cancelledIds.has(t.ticketId) && t.injectCount > 0)
          .every((t) => t.deleteCount === 1),
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const controlledIds = new Set(controlled.map((t) => t.ticketId));
    await waitFor(
      () =>
        fx.simulator.state
          .received({ payloads: false })
          .tickets.filter((t) => controlledIds.has(t.ticketId) && !cancelledIds.has(t.ticketId))
          .every((t) => t.controlCount === 1),
      { timeoutMs: 120_000, intervalMs: 500 },
    );

    const received = fx.simulator.state.received({ payloads: false });
    expect(received.duplicates).toEqual({ inject: [], delete: [], control: [] });
    expect(received.totals.byEndpoint.delete.ticketsRejected).toBe(0);
    for (const t of received.tickets) {
      const firstInject = t.operations.find((o) => o.op === 'inject');
      const del = t.operations.find((o) => o.op === 'delete');
      if (del) expect(firstInject && firstInject.seq < del.seq).toBe(true);
      if (!cancelledIds.has(t.ticketId)) expect(t.injectCount).toBe(1);
    }
    // Every ticket is accounted for: injected, or skipped because its cancellation came first.
    const injectedIds = new Set(received.tickets.filter((t) => t.injectCount > 0).map((t) => t.ticketId));
    const skippedBefore = tickets.filter((t) => !injectedIds.has(t.ticketId));
    expect(skippedBefore.every((t) => cancelledIds.has(t.ticketId))).toBe(true);
    expect(injector.fatal).toEqual([]);
    expect(others.fatal).toEqual([]);

    // Replaying every topic from the beginning through new consumer groups pushes nothing again.
    const before = fx.simulator.state.requests().length;
    const replay = await startTestBridge({ ...env, BRIDGE_ROLE: 'inject,cancel,control', KAFKA_GROUP_ID_PREFIX: unique('replay'), HTTP_PORT: '0' });
    fx.cleanup(() => replay.bridge.stop());
    await waitFor(
      async () =>
        (await committedTotal(replay.config.inject.groupId, fx.topics.printedEligible)) === n &&
        (await committedTotal(replay.config.cancel.groupId, fx.topics.cancelled)) >= cancelled.length &&
        (await committedTotal(replay.config.control.groupId, fx.topics.controlled)) >= controlled.length,
      { timeoutMs: 240_000, intervalMs: 500 },
    );
    expect(fx.simulator.state.requests().length).toBe(before);
  });
});
