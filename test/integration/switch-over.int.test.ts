import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aCancellation, aControl, aPrintedTicket } from '../../src/tools/sample-events';
import { spawnBridge, type BridgeProcess } from '../support/bridge-process';
import { runCli } from '../support/cli';
import { API_KEY, bridgeEnv, committedTotal, produceAvro, useStackFixture } from '../support/harness';
import { waitFor } from '../support/wait-for';

/**
 * Going live beside an S-360 that already put tickets in wallets (issue 15): tickets injected into
 * TIXnGO directly (here: straight into the simulator, never through the bridge) are deleted and
 * controlled once the core says it printed them through the organization's TIXnGO point of sales; the
 * force lists push what the ledger cannot place; and a cancellation the role filters out still stops a
 * later injection.
 */
describe('switching over from the S-360 batch jobs (real stack, roles as processes)', () => {
  const fx = useStackFixture(3);
  const POS = 'POS-TIXNGO';
  let procs: BridgeProcess[] = [];

  afterEach(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    procs = [];
  });

  function start(overrides: Record<string, string> = {}): Record<string, string> {
    const env = bridgeEnv(fx.topics, fx.simulator, {
      INJECT_POS_CODE: POS,
      CANCEL_SHIPMENT_MODES: 'MOBILE',
      CONTROL_SHIPMENT_MODES: 'MOBILE',
      INJECT_LINGER_MS: '100',
      CANCEL_LINGER_MS: '100',
      CONTROL_LINGER_MS: '100',
      ...overrides,
    });
    procs.push(spawnBridge(env, ['inject,cancel,control']));
    return env;
  }

  /** Tickets put into TIXnGO by someone else (S-360's batch jobs before go-live): straight into the simulator. */
  async function alreadyInWallets(ids: readonly string[]): Promise<void> {
    const tickets = ids.map((ticketId) => ({
      ticketId,
      event: { id: 'EVT-1', name: 'Cup Final', startTime: '2030-06-12T20:00:00+02:00', expirationDate: '2030-06-12T23:59:00+02:00' },
      purchaseDetails: {},
      security: { barcode: `OLD-${ticketId}` },
      spectatorDetails: {},
    }));
    const res = await fetch(`${fx.simulator.url}/organizer/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ tickets }),
    });
    expect(res.status).toBe(200);
  }

  const ticket = (id: string) => fx.simulator.state.ticket(id);
  const committed = (env: Record<string, string>, role: string, topic: string, n: number) =>
    waitFor(async () => (await committedTotal(`${env.KAFKA_GROUP_ID_PREFIX}-${role}`, topic)) === n, { timeoutMs: 60_000 });

  it('deletes and controls tickets the core printed through the TIXnGO point of sales, though the bridge never pushed them', async () => {
    const ids = [1, 2, 3, 4].map((n) => aPrintedTicket({}, n).ticketId);
    await alreadyInWallets(ids);
    const env = start();
    const printedAt = new Date(Date.UTC(2026, 0, 5, 10));
    await produceAvro(fx.topics.cancelled, 'ticket-cancelled', [
      aCancellation(ids[0]!, { printedPosCode: POS, printedAt }),
      aCancellation(ids[1]!, { printedPosCode: 'SOME-OTHER-POS', printedAt }),
    ]);
    await produceAvro(fx.topics.controlled, 'ticket-controlled', [
      aControl(ids[2]!, { printedPosCode: POS, printedAt }),
      aControl(ids[3]!), // the core says nothing of its print state
    ]);
    await committed(env, 'cancel', fx.topics.cancelled, 2);
    await committed(env, 'control', fx.topics.controlled, 2);
    await waitFor(() => ticket(ids[0]!)?.deleteCount === 1 && ticket(ids[2]!)?.controlCount === 1, { timeoutMs: 30_000 });
    expect(ticket(ids[0]!)).toMatchObject({ deleteCount: 1, injectCount: 1 }); // deleted; never re-injected
    expect(ticket(ids[1]!)).toMatchObject({ deleteCount: 0 }); // printed elsewhere: not ours to delete
    expect(ticket(ids[2]!)).toMatchObject({ controlCount: 1 });
    expect(ticket(ids[3]!)).toMatchObject({ controlCount: 0 }); // unknown to the bridge: waits for an injection
    // The bridge now knows them as injected: the core's eligible events for them are not pushed again.
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', [aPrintedTicket({}, 3)]);
    await committed(env, 'inject', fx.topics.printedEligible, 1);
    expect(ticket(ids[2]!)?.injectCount).toBe(1);
  });

  it('deletes and controls tickets imported with ledger import, as the runbook says: dry run, --apply, then the roles', async () => {
    const ids = [31, 32, 33].map((n) => aPrintedTicket({}, n).ticketId);
    await alreadyInWallets(ids);
    // Step 2: the export (CSV, the organization named on the command line); step 3: the runbook's command.
    const dir = mkdtempSync(join(tmpdir(), 'switch-over-'));
    fx.cleanup(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'injected.csv');
    writeFileSync(file, `ticketId,generation,injectedAt\n${ids.map((id) => `${id},0,2026-11-30T18:00:00+01:00`).join('\n')}\n`);
    const cliEnv = bridgeEnv(fx.topics, fx.simulator);
    const newFacts = (stdout: string) => /new facts:\s+(\d+) (written|would be written)/.exec(stdout)?.slice(1);
    const dry = await runCli(['ledger', 'import', file, '--organization', 'ORG1'], cliEnv);
    expect({ code: dry.code, newFacts: newFacts(dry.stdout) }).toEqual({ code: 0, newFacts: ['3', 'would be written'] });
    const applied = await runCli(['ledger', 'import', file, '--organization', 'ORG1', '--apply'], cliEnv);
    expect({ code: applied.code, newFacts: newFacts(applied.stdout) }).toEqual({ code: 0, newFacts: ['3', 'written'] });
    const again = await runCli(['ledger', 'import', file, '--organization', 'ORG1', '--apply'], cliEnv);
    expect({ code: again.code, newFacts: newFacts(again.stdout), known: /already known:\s+(\d+)/.exec(again.stdout)?.[1] }).toEqual({
      code: 0,
      newFacts: ['0', 'written'],
      known: '3',
    });

    // Step 4: the roles, on the same database; the core says nothing of its print state.
    const env = start({ MONGODB_DATABASE: cliEnv.MONGODB_DATABASE! });
    await produceAvro(fx.topics.cancelled, 'ticket-cancelled', [aCancellation(ids[0]!)]);
    await produceAvro(fx.topics.controlled, 'ticket-controlled', [aControl(ids[1]!)]);
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', [aPrintedTicket({}, 33)]);
    await committed(env, 'cancel', fx.topics.cancelled, 1);
    await committed(env, 'control', fx.topics.controlled, 1);
    await committed(env, 'inject', fx.topics.printedEligible, 1);
    await waitFor(() => ticket(ids[0]!)?.deleteCount === 1 && ticket(ids[1]!)?.controlCount === 1, { timeoutMs: 30_000 });
    expect([ticket(ids[0]!), ticket(ids[1]!), ticket(ids[2]!)]).toMatchObject([
      { deleteCount: 1, injectCount: 1 },
      { controlCount: 1, injectCount: 1 },
      { injectCount: 1 }, // already in TIXnGO: the core's eligible event is not pushed again
    ]);

    // Step 5: trace shows where the bridge's knowledge comes from.
    const trace = await runCli(['trace', ids[1]!], cliEnv);
    expect(trace.stdout).toContain('in TIXnGO before go-live (ledger import)');
  });

  it('pushes forced cancellations and controls the ledger cannot place; refuses to control past a deletion', async () => {
    const ids = [11, 12, 13].map((n) => aPrintedTicket({}, n).ticketId);
    await alreadyInWallets(ids);
    const env = start({ CANCEL_FORCE: `id:${ids[0]}`, CONTROL_FORCE: `id:${ids[1]},id:${ids[0]}` });
    await produceAvro(fx.topics.cancelled, 'ticket-cancelled', [aCancellation(ids[0]!), aCancellation(ids[2]!)]);
    await committed(env, 'cancel', fx.topics.cancelled, 2);
    await waitFor(() => ticket(ids[0]!)?.deleteCount === 1, { timeoutMs: 30_000 });
    await produceAvro(fx.topics.controlled, 'ticket-controlled', [aControl(ids[1]!), aControl(ids[0]!)]);
    await committed(env, 'control', fx.topics.controlled, 2);
    await waitFor(() => ticket(ids[1]!)?.controlCount === 1, { timeoutMs: 30_000 });
    expect(ticket(ids[2]!)).toMatchObject({ deleteCount: 0 }); // not forced, not known: NOT_INJECTED
    expect(ticket(ids[0]!)).toMatchObject({ deleteCount: 1, controlCount: 0 }); // forced control of a deleted ticket: refused
  });

  it('a cancellation the role filters out still stops a later injection of that ticket', async () => {
    const env = start();
    const t = aPrintedTicket({}, 21);
    await produceAvro(fx.topics.cancelled, 'ticket-cancelled', [aCancellation(t.ticketId, { shipmentMode: 'PRINT_AT_HOME' })]);
    await committed(env, 'cancel', fx.topics.cancelled, 1);
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', [t]);
    await committed(env, 'inject', fx.topics.printedEligible, 1);
    expect(ticket(t.ticketId)).toBeUndefined();
  });
});
