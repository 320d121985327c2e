import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aCancellation } from '../../src/tools/sample-events';
import { TicketLedger } from '../../src/store/ticket-ledger';
import { expectNoSecretOrHolderData, runCli } from '../support/cli';
import { API_KEY, bridgeEnv, committedTotal, produceAvro, startTestBridge, useStackFixture, withMongo } from '../support/harness';
import { idOf, opsTable } from '../support/tickets';
import { waitFor } from '../support/wait-for';

/**
 * `ledger import` through the CLI process against the real store: tickets injected into TIXnGO before
 * go-live (straight into the simulator, as the S-360 batch jobs did) become known to the ledger, so
 * the cancel role deletes them.
 */
describe('cli: ledger import (real store, simulator, cancel role)', () => {
  const fx = useStackFixture(3);
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-import-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const fileOf = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const countIn = (stdout: string, label: string) => Number(new RegExp(`${label}:\\s+([\\d,]+)`).exec(stdout)?.[1]?.replace(/,/g, ''));
  /** The ledger's injection facts (the cancel role adds its own kinds). */
  const ledgerFacts = (database: string) => withMongo(database, (db) => new TicketLedger(db).collection.countDocuments({ kind: 'inject' }));

  /** Injects tickets into the simulator over its HTTP API, as the S-360 batch jobs or the back office did before go-live. */
  async function injectBeforeGoLive(ticketIds: readonly string[]): Promise<void> {
    const res = await fetch(`${fx.simulator.url}/organizer/tickets`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({
        tickets: ticketIds.map((ticketId) => ({
          ticketId,
          event: { id: 'EV-BATCH', startTime: '2030-06-01T20:00:00+02:00', expirationDate: '2030-06-02T04:00:00+02:00' },
          purchaseDetails: {},
          security: { barcode: `BC-${ticketId}` },
          spectatorDetails: {},
        })),
      }),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { results: { status: string }[] }).results.map((r) => r.status)).toEqual(ticketIds.map(() => 'OK'));
  }

  it('dry run counts, --apply writes, a second --apply writes nothing, and a cancellation of an imported ticket is pushed once', async () => {
    const env = bridgeEnv(fx.topics, fx.simulator, { BRIDGE_ROLE: 'cancel', CANCEL_SHIPMENT_MODES: 'MOBILE', CANCEL_LINGER_MS: '200' });
    const { bridge, config } = await startTestBridge(env);
    fx.cleanup(() => bridge.stop());
    const [before, imported, other] = [idOf(1), idOf(2), idOf(3)];
    await injectBeforeGoLive([before, imported, other]);

    // Before the import the ledger knows none of them: a cancellation is skipped (NOT_INJECTED).
    await produceAvro(fx.topics.cancelled, 'ticket-cancelled', [aCancellation(before, { shipmentMode: 'MOBILE' })]);
    await waitFor(async () => (await committedTotal(config.cancel.groupId, fx.topics.cancelled)) === 1);
    expect(fx.simulator.state.totals().byEndpoint.delete.requests).toBe(0);

    const file = fileOf(
      'injected.csv',
      [
        'ticketId,generation,injectedAt',
        `${before},0,2026-11-30T18:00:00+01:00`,
        `${imported},0,2026-11-30T18:00:01+01:00`,
        '',
        `${other},0,`,
        `${imported},0,2026-11-30T18:00:01+01:00`,
        `${other},minus one,`,
        `${other},0,2030-02-30T10:00:00Z`,
        '',
      ].join('\r\n'),
    );
    const counts = (stdout: string) => ({
      lines: /Lines read:\s+(\S+) \((\d+) header, (\d+) blank\)/.exec(stdout)?.slice(1),
      written: /new facts:\s+(\d+) (written|would be written)/.exec(stdout)?.slice(1),
      known: /already known:\s+(\d+)/.exec(stdout)?.[1],
      duplicates: /duplicates:\s+(\d+)/.exec(stdout)?.[1],
      invalid: /invalid:\s+(\d+)/.exec(stdout)?.[1],
    });

    const dry = await runCli(['ledger', 'import', file], env);
    expect({ code: dry.code, ...counts(dry.stdout) }).toEqual({
      code: 0,
      lines: ['8', '1', '1'],
      written: ['3', 'would be written'],
      known: '0',
      duplicates: '1',
      invalid: '2',
    });
    expect(dry.stdout).toContain('line 7: BAD_GENERATION');
    expect(dry.stdout).toContain('line 8: BAD_INJECTED_AT: not a real date or time');
    expect(await ledgerFacts(env.MONGODB_DATABASE!)).toBe(0);

    const applied = await runCli(['ledger', 'import', file, '--apply'], env);
    expect({ code: applied.code, ...counts(applied.stdout) }).toEqual({
      code: 0,
      lines: ['8', '1', '1'],
      written: ['3', 'written'],
      known: '0',
      duplicates: '1',
      invalid: '2',
    });
    expect(await ledgerFacts(env.MONGODB_DATABASE!)).toBe(3);

    const again = await runCli(['ledger', 'import', file, '--apply'], env);
    expect({ code: again.code, ...counts(again.stdout) }).toEqual({
      code: 0,
      lines: ['8', '1', '1'],
      written: ['0', 'written'],
      known: '3',
      duplicates: '1',
      invalid: '2',
    });
    expect(await ledgerFacts(env.MONGODB_DATABASE!)).toBe(3);

    // Now the cancel role knows the ticket is in TIXnGO: its cancellation is pushed, exactly once.
    await produceAvro(fx.topics.cancelled, 'ticket-cancelled', [aCancellation(imported, { shipmentMode: 'MOBILE' })]);
    await waitFor(() => fx.simulator.state.totals().byEndpoint.delete.ticketsAccepted === 1);
    await waitFor(async () => (await committedTotal(config.cancel.groupId, fx.topics.cancelled)) === 2);
    expect(opsTable(fx.simulator.state, [before, imported, other])).toEqual({
      [before]: 'inject@?',
      [imported]: 'inject@? delete@?(ORDER_CANCELLED)',
      [other]: 'inject@?',
    });
    expect(fx.simulator.state.received({ payloads: false }).duplicates.delete).toEqual([]);

    // From standard input (a pod's read-only filesystem: kubectl exec -i … < file): the same counts.
    const piped = await runCli(['ledger', 'import', '-'], env, { stdinFile: file });
    expect({ code: piped.code, ...counts(piped.stdout) }).toEqual({
      code: 0,
      lines: ['8', '1', '1'],
      written: ['0', 'would be written'],
      known: '3',
      duplicates: '1',
      invalid: '2',
    });
    expect(piped.stdout).toContain('ledger import standard input (CSV, comma-separated)');

    const trace = await runCli(['trace', imported], env);
    expect(trace.stdout).toMatch(/inject\s+0\s+-\s+-\s+in TIXnGO before go-live \(ledger import\)/);
    expectNoSecretOrHolderData(dry.stdout + dry.stderr + applied.stdout + again.stdout + trace.stdout);
  });

  it('an --apply killed midway and run again writes exactly the facts that are missing', async () => {
    const env = bridgeEnv(fx.topics, fx.simulator);
    const n = 30_000;
    const file = fileOf('injected.ndjson', Array.from({ length: n }, (_, i) => `{"ticketId":"K${i}","generation":${i % 2}}\n`).join(''));
    const cut = await runCli(['ledger', 'import', file, '--apply'], env, {
      onSpawn: (child) =>
        void waitFor(async () => (await ledgerFacts(env.MONGODB_DATABASE!)) >= 3000, { intervalMs: 50, timeoutMs: 60_000 }).then(() => child.kill('SIGKILL')),
    });
    expect(cut.signal).toBe('SIGKILL');
    // The server may still complete an insert the killed process had sent: count once it is done.
    let last = -1;
    const before = await waitFor(
      async () => {
        const count = await ledgerFacts(env.MONGODB_DATABASE!);
        const settled = count === last;
        last = count;
        return settled ? { count } : undefined;
      },
      { intervalMs: 1000 },
    ).then((s) => s.count);
    expect(before).toBeLessThan(n);

    const rerun = await runCli(['ledger', 'import', file, '--apply'], env, { timeoutMs: 180_000 });
    expect(rerun.code).toBe(0);
    expect({
      written: countIn(rerun.stdout, 'new facts'),
      known: countIn(rerun.stdout, 'already known'),
      facts: await ledgerFacts(env.MONGODB_DATABASE!),
    }).toEqual({
      written: n - before,
      known: before,
      facts: n,
    });
  }, 240_000);

  it('streams: 500,000 lines are judged within a 64 MB heap, which holding the lines alone would exceed', async () => {
    // Reading the whole file first (the lines as strings) dies here with "heap out of memory";
    // test/bench/ledger-import.bench.ts measures the RSS of a 1,000,000-line import as the image runs it.
    const env = { ...bridgeEnv(fx.topics, fx.simulator), NODE_OPTIONS: '--max-old-space-size=64 --max-semi-space-size=2' };
    const n = 500_000;
    const file = fileOf(
      'large.csv',
      `ticketId,generation,injectedAt\n${Array.from({ length: n }, (_, i) => `${500_000_000 + i},${i % 3},2026-11-30T18:00:00Z\n`).join('')}`,
    );
    const r = await runCli(['ledger', 'import', file], env, { timeoutMs: 240_000 });
    expect({ code: r.code, signal: r.signal, new: countIn(r.stdout, 'new facts'), invalid: countIn(r.stdout, 'invalid') }).toEqual({
      code: 0,
      signal: null,
      new: n,
      invalid: 0,
    });
  }, 300_000);

  it('refuses a malformed file naming the line, and bad usage with exit 2; nothing is written', async () => {
    const env = bridgeEnv(fx.topics, fx.simulator);
    const latin1 = fileOf('latin1.csv', Buffer.concat([Buffer.from('ticketId\n1001\n'), Buffer.from('caf\xe9\n', 'latin1')]));
    const noColumn = fileOf('nocolumn.csv', 'ticket,generation\n1001,0\n');
    const runs = {
      latin1: await runCli(['ledger', 'import', latin1, '--apply'], env),
      noColumn: await runCli(['ledger', 'import', noColumn, '--apply'], env),
      missing: await runCli(['ledger', 'import', join(dir, 'absent.csv')], env),
      anyWithoutOrganization: await runCli(['ledger', 'import', noColumn], { ...env, BRIDGE_ORGANIZATIONS: '*' }),
      notServed: await runCli(['ledger', 'import', noColumn, '--organization', 'ORG9'], env),
    };
    expect(Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, { code: r.code, stdout: r.stdout, stderr: r.stderr.trim() }]))).toEqual({
      latin1: { code: 1, stdout: '', stderr: expect.stringMatching(/^error: latin1\.csv: line 3: is not valid UTF-8 .*; nothing was written$/) },
      noColumn: {
        code: 1,
        stdout: '',
        stderr: expect.stringMatching(
          /^error: nocolumn\.csv: line 1: not a CSV header naming the columns \(ticketId, generation, injectedAt, organizationCode; ticketId required\)/,
        ),
      },
      missing: { code: 1, stdout: '', stderr: expect.stringMatching(/^error: cannot read .*absent\.csv: no such file$/) },
      anyWithoutOrganization: { code: 2, stdout: '', stderr: expect.stringContaining('--organization <code> is required') },
      notServed: { code: 2, stdout: '', stderr: 'error: --organization ORG9: this release does not serve it (it serves ORG1)' },
    });
    expect(await ledgerFacts(env.MONGODB_DATABASE!)).toBe(0);
  });
});
