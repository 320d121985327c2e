import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AvroCodec } from '../../src/kafka/avro-codec';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator';
import { aCancellation, aControl, aPrintedTicket } from '../../src/tools/sample-events';
import { spawnBridge, type BridgeProcess } from '../support/bridge-process';
import { readTopic } from '../support/kafka-inspect';
import { bridgeEnv, committedTotal, produceAvro, services, useStackFixture, withMongo } from '../support/harness';
import { unique } from '../support/unique';
import { waitFor } from '../support/wait-for';

/**
 * One S-360 platform, two organizations on the same topics, each with its own TIXnGO account (two
 * simulators, two API keys): a ticket only ever reaches its own organization's account, with its own
 * point of sales in the write-back; a release for one organization skips the other's events.
 */
describe('organizations (real stack, two TIXnGO accounts)', () => {
  const fx = useStackFixture(3);
  const KEY_A = `key-of-a-${unique('k')}`;
  const KEY_B = `key-of-b-${unique('k')}`;
  let simA: RunningSimulator;
  let simB: RunningSimulator;
  let procs: BridgeProcess[];

  beforeEach(async () => {
    simA = await startSimulator({ apiKey: KEY_A, host: '127.0.0.1', port: 0 });
    simB = await startSimulator({ apiKey: KEY_B, host: '127.0.0.1', port: 0 });
    procs = [];
  });
  afterEach(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await Promise.all(procs.map((p) => p.exited));
    await simA.close();
    await simB.close();
  });

  /** The release's environment without a TIXnGO account of its own (the file gives them). */
  function envWithoutAccount(over: Record<string, string>): Record<string, string> {
    const env = bridgeEnv(fx.topics, fx.simulator, {
      CANCEL_SHIPMENT_MODES: 'MOBILE',
      CONTROL_SHIPMENT_MODES: 'MOBILE',
      INJECT_LINGER_MS: '100',
      CANCEL_LINGER_MS: '100',
      CONTROL_LINGER_MS: '100',
      ...over,
    });
    delete env.TIXNGO_BASE_URL;
    delete env.TIXNGO_API_KEY;
    delete env.BRIDGE_ORGANIZATIONS;
    return env;
  }

  function organizationsFile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'orgs-'));
    const file = join(dir, 'organizations.yaml');
    writeFileSync(
      file,
      [
        'organizations:',
        '  - codes: [ORG_A]',
        '    settings:',
        `      TIXNGO_BASE_URL: ${simA.url}`,
        `      TIXNGO_API_KEY: ${KEY_A}`,
        '      HOLDER_SYNC_ORGANIZER_ID: organizer-a',
        '      INJECT_POS_CODE: POS-A',
        '  - codes: [ORG_B]',
        '    settings:',
        `      TIXNGO_BASE_URL: ${simB.url}`,
        `      TIXNGO_API_KEY: ${KEY_B}`,
        '      HOLDER_SYNC_ORGANIZER_ID: organizer-b',
        '      INJECT_POS_CODE: POS-B',
        '',
      ].join('\n'),
    );
    return file;
  }

  const ticketsOf = (org: string, from: number, n: number) => Array.from({ length: n }, (_, i) => aPrintedTicket({ organizationCode: org }, from + i));
  const ids = (ts: readonly { ticketId: string }[]) => ts.map((t) => t.ticketId).sort();
  const receivedIds = (sim: RunningSimulator) =>
    sim.state
      .received({ payloads: false })
      .tickets.map((t) => t.ticketId)
      .sort();

  it("each organization's tickets, deletions and controls reach only its own TIXnGO account, with its own write-back codes", async () => {
    const env = envWithoutAccount({ BRIDGE_ORGANIZATIONS_FILE: organizationsFile() });
    procs.push(spawnBridge(env, ['inject,cancel,control']));
    const a = ticketsOf('ORG_A', 1, 15);
    const b = ticketsOf('ORG_B', 101, 15);
    // Interleaved on the same topics.
    await produceAvro(
      fx.topics.printedEligible,
      'ticket-printed-eligible',
      a.flatMap((t, i) => [t, b[i]!]),
    );
    await waitFor(() => simA.state.totals().tickets === 15 && simB.state.totals().tickets === 15, {
      timeoutMs: 60_000,
      describe: () => procs[0]!.output().slice(-2000),
    });
    await produceAvro(
      fx.topics.cancelled,
      'ticket-cancelled',
      [...a.slice(0, 5), ...b.slice(0, 5)].map((t) => aCancellation(t.ticketId, { organizationCode: t.organizationCode })),
    );
    await produceAvro(
      fx.topics.controlled,
      'ticket-controlled',
      [...a.slice(5, 10), ...b.slice(5, 10)].map((t) => aControl(t.ticketId, { organizationCode: t.organizationCode })),
    );
    await waitFor(
      () => [simA, simB].every((s) => s.state.totals().byEndpoint.delete.ticketsAccepted === 5 && s.state.totals().byEndpoint.control.ticketsAccepted === 5),
      { timeoutMs: 60_000, describe: () => [simA.state.totals(), simB.state.totals()] },
    );

    expect(receivedIds(simA)).toEqual(ids(a));
    expect(receivedIds(simB)).toEqual(ids(b));
    for (const [sim, own] of [
      [simA, a],
      [simB, b],
    ] as const) {
      const requests = sim.state.requests();
      const allowed = new Set(own.map((t) => t.ticketId));
      expect(requests.flatMap((r) => r.ticketIds).every((id) => allowed.has(id))).toBe(true);
      expect(requests.every((r) => r.status === 200)).toBe(true); // its own API key every time
    }

    // The write-back names each organization's point of sales.
    const codec = new AvroCodec({ url: services().registryUrl });
    const printed = await Promise.all(
      (await readTopic(fx.topics.printed)).map(async (r) => (await codec.decode(r.value, 'ticket-printed')) as { ticketId: string; posCode: string }),
    );
    expect(printed).toHaveLength(30);
    for (const p of printed) expect(p.posCode).toBe(a.some((t) => t.ticketId === p.ticketId) ? 'POS-A' : 'POS-B');
  });

  it("a release for one organization skips the other's events with a counted reason, and moves on", async () => {
    const env = bridgeEnv(fx.topics, simA, { BRIDGE_ORGANIZATIONS: 'ORG_A', TIXNGO_API_KEY: KEY_A, INJECT_LINGER_MS: '100', HTTP_PORT: '0' });
    procs.push(spawnBridge(env, ['inject']));
    const a = ticketsOf('ORG_A', 1, 10);
    const b = ticketsOf('ORG_B', 101, 10);
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', [...a, ...b]);
    const groupId = `${env.KAFKA_GROUP_ID_PREFIX}-inject`;
    await waitFor(async () => (await committedTotal(groupId, fx.topics.printedEligible)) === 20, {
      timeoutMs: 60_000,
      describe: () => procs[0]!.output().slice(-2000),
    });

    expect(receivedIds(simA)).toEqual(ids(a));
    expect(simB.state.totals().requests).toBe(0);
    // The skip is counted in the batch history (written beside the pipeline, shortly after the commit).
    const skippedForOrganization = async () => {
      const executions = await withMongo(env.MONGODB_DATABASE!, (db) =>
        db.collection<{ skipped: { reason: string; count: number }[] }>('executions').find({}).toArray(),
      );
      return executions.flatMap((e) => e.skipped).reduce((n, s) => n + (s.reason === 'ORGANIZATION_NOT_SERVED' ? s.count : 0), 0);
    };
    await waitFor(async () => (await skippedForOrganization()) === 10, { describe: skippedForOrganization });
  });

  it('refuses to start without knowing whom it serves', async () => {
    const env = bridgeEnv(fx.topics, simA);
    delete env.BRIDGE_ORGANIZATIONS;
    const proc = spawnBridge(env, ['inject']);
    procs.push(proc);
    expect((await proc.exited).code).toBe(2);
    expect(proc.output()).toMatch(/BRIDGE_ORGANIZATIONS: required/);
  });
});
