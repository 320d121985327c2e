import { aCancellation, aPrintedTicket } from '../../src/tools/sample-events';
import { expectNoSecretOrHolderData, runCli } from '../support/cli';
import { bridgeEnv, committedTotal, produceAvro, startTestBridge, useStackFixture } from '../support/harness';
import { waitFor } from '../support/wait-for';

/**
 * The runbook's "recover missing cancellations": the cancel role ran with a wrong shipment-mode
 * filter, so two cancellations were skipped and the tickets stayed in the wallets.
 */
describe('cli: recovering missing cancellations with trace and replay (real stack and simulator)', () => {
  const fx = useStackFixture(3);

  it('trace shows why a deletion is missing; replay --role cancel pushes the missing ones and skips the done one', async () => {
    const env = bridgeEnv(fx.topics, fx.simulator, { BRIDGE_ROLE: 'inject,cancel', CANCEL_SHIPMENT_MODES: 'PAPER', CANCEL_LINGER_MS: '200' });
    const { bridge, config } = await startTestBridge(env);
    fx.cleanup(() => bridge.stop());
    const tickets = [1, 2, 3].map((n) => aPrintedTicket({}, n));
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', tickets);
    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted === 3);
    const from = new Date(Date.now() - 1000).toISOString();
    const cancellations = [
      aCancellation(tickets[0]!.ticketId, { shipmentMode: 'MOBILE' }),
      aCancellation(tickets[1]!.ticketId, { shipmentMode: 'MOBILE' }),
      aCancellation(tickets[2]!.ticketId, { shipmentMode: 'PAPER' }),
    ];
    await produceAvro(fx.topics.cancelled, 'ticket-cancelled', cancellations);
    await waitFor(async () => (await committedTotal(config.cancel.groupId, fx.topics.cancelled)) === 3);
    expect(fx.simulator.state.totals().byEndpoint.delete.ticketsAccepted).toBe(1);

    const cliEnv = { ...env, CANCEL_SHIPMENT_MODES: 'MOBILE,PAPER' };
    const trace = await runCli(['trace', tickets[0]!.ticketId], cliEnv);
    expect(trace.stdout).toMatch(/cancel\s+\S+ticket-cancelled\s+\d\s+\d+\s+skipped\s+FILTER_SHIPMENT_MODE/);

    const dry = await runCli(['replay', '--role', 'cancel', '--from', from, '--dry-run'], cliEnv);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would be sent:\s+2\n/);
    expect(dry.stdout).toMatch(/already delivered \(ledger\):\s+1 /);

    const r = await runCli(['replay', '--role', 'cancel', '--from', from], cliEnv);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pushed:\s+2\n/);
    expect(r.stdout).toMatch(/skipped:\s+ALREADY_DELETED 1\n/);
    const deletes = fx.simulator.state.totals().byEndpoint.delete;
    expect(deletes.ticketsAccepted).toBe(3);
    expect(fx.simulator.state.received().duplicates.delete ?? []).toEqual([]);
    const after = await runCli(['trace', tickets[0]!.ticketId], cliEnv);
    expect(after.stdout).toMatch(/cancel \(replay\)\s+\S+\s+\d\s+\d+\s+pushed/);
    expect(after.stdout).toMatch(/cancel-pushed\s+0\s+ORDER_CANCELLED\s+[0-9a-f-]{36}\.\d+\s+TIXnGO accepted the deletion/);
    expectNoSecretOrHolderData(trace.stdout + dry.stdout + r.stdout + after.stdout);
  });
});
