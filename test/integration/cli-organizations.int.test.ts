import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator';
import { aPrintedTicket } from '../../src/tools/sample-events';
import { expectNoSecretOrHolderData, runCli } from '../support/cli';
import {
  bridgeEnv,
  committedTotal,
  createTestTopics,
  produceAvro,
  produceRaw,
  setFaults,
  startTestBridge,
  withMongo,
  type TestTopics,
} from '../support/harness';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { unique } from '../support/unique';
import { waitFor } from '../support/wait-for';

/**
 * One release serving two S-360 organizations (the organizations file, two TIXnGO accounts) reads a
 * topic where their records are mixed, with a third organization's and an undecodable record: `status`,
 * `trace` and the failure mail say whose records were pushed, skipped, rejected or dead-lettered. The
 * two organizations even share a ticket id, which the store keeps apart.
 */
describe('status, trace and failure mails labelled by organization (real stack, two TIXnGO accounts, SMTP)', () => {
  const KEY_A = `key-of-org-a-${unique('k')}`;
  const KEY_B = `key-of-org-b-${unique('k')}`;
  let simA: RunningSimulator;
  let simB: RunningSimulator;
  let smtp: TestSmtpServer;
  let topics: TestTopics;
  let env: Record<string, string>;
  let stop: () => Promise<void>;
  const poisonKey = unique('poison');
  const a = [1, 2, 3, 4].map((n) => aPrintedTicket({ organizationCode: 'ORG_A' }, n));
  const b = [1, 2, 3, 4].map((n) => aPrintedTicket({ organizationCode: 'ORG_B' }, n)); // the same ticket ids as ORG_A's
  const c = aPrintedTicket({ organizationCode: 'ORG_C' }, 50);
  const shared = a[2]!.ticketId; // ORG_A's is pushed, ORG_B's is rejected

  beforeAll(async () => {
    simA = await startSimulator({ apiKey: KEY_A, host: '127.0.0.1', port: 0 });
    simB = await startSimulator({ apiKey: KEY_B, host: '127.0.0.1', port: 0 });
    smtp = await startSmtpServer({ user: 'alerts', password: 'smtp-pa55word' });
    topics = await createTestTopics(1);
    const file = join(mkdtempSync(join(tmpdir(), 'orgs-')), 'organizations.yaml');
    writeFileSync(
      file,
      [
        'organizations:',
        '  - codes: [ORG_A]',
        `    settings: { TIXNGO_BASE_URL: "${simA.url}", TIXNGO_API_KEY: ${KEY_A}, HOLDER_SYNC_ORGANIZER_ID: organizer-a, INJECT_POS_CODE: POS-A }`,
        '  - codes: [ORG_B]',
        `    settings: { TIXNGO_BASE_URL: "${simB.url}", TIXNGO_API_KEY: ${KEY_B}, HOLDER_SYNC_ORGANIZER_ID: organizer-b, INJECT_POS_CODE: POS-B }`,
        '',
      ].join('\n'),
    );
    env = bridgeEnv(topics, simA, {
      BRIDGE_ORGANIZATIONS_FILE: file,
      INJECT_BATCH_SIZE: '100',
      NOTIFY_SMTP_URL: smtp.url,
      NOTIFY_RECIPIENTS: 'ops@ops.test',
      NOTIFY_FROM: 'bridge@ops.test',
    });
    for (const k of ['TIXNGO_BASE_URL', 'TIXNGO_API_KEY', 'BRIDGE_ORGANIZATIONS']) delete env[k];

    // Everything is on the (one-partition) topic before the role starts, so its first fetch, and most
    // likely its first batch, holds every organization's records.
    await setFaults(simB, {
      rejectTickets: { tickets: [{ ticketId: shared, errorCode: 'INVALID_SEAT', message: `seat of ${b[2]!.buyer!.lastName} unknown` }] },
    });
    await produceRaw(topics.printedEligible, [{ key: poisonKey, value: Buffer.from('not avro') }]);
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', [...a.flatMap((t, i) => [t, b[i]!]), c]);
    const { bridge, config } = await startTestBridge(env);
    stop = () => bridge.stop();
    await waitFor(async () => (await committedTotal(config.inject.groupId, topics.printedEligible)) === 10, { timeoutMs: 60_000 });
    const received = () =>
      withMongo(config.mongo.database, async (db) =>
        (await db.collection<{ received: number }>('executions').find({}).toArray()).reduce((n, e) => n + e.received, 0),
      );
    await waitFor(async () => (await received()) === 10);
    await waitFor(() => smtp.mails.length === 1, { timeoutMs: 30_000 });
  });

  afterAll(async () => {
    await stop?.();
    await smtp?.close();
    await simA?.close();
    await simB?.close();
  });

  /** The table rows of `status` whose first cell matches `first` (a date: the batches; a code: their sub-rows). */
  const rows = (stdout: string, first: RegExp) => stdout.split('\n').filter((l) => first.test(l));
  /** Sums a count column (0: RECEIVED … 4: DEAD-LETTERED) over rows; the skipped column is counted by its number. */
  const column = (lines: readonly string[], i: number) =>
    lines
      .map((l) =>
        l
          .trim()
          .replace(/ \([^)]*\)/g, '')
          .split(/\s{2,}/),
      )
      .reduce((n, cells) => n + Number(cells[cells.length - 6 + i]), 0);

  it("each organization delivered to its own account only: ORG_B's ticket with ORG_A's id is rejected by ORG_B's account, ORG_A's pushed", () => {
    expect(
      simA.state
        .received({ payloads: false })
        .tickets.map((t) => t.ticketId)
        .sort(),
    ).toEqual(a.map((t) => t.ticketId).sort());
    expect(
      simB.state
        .received({ payloads: false })
        .tickets.map((t) => t.ticketId)
        .sort(),
    ).toEqual([b[0]!, b[1]!, b[3]!].map((t) => t.ticketId).sort());
  });

  it("status shows each organization's counts under a batch that held several, and --organization only that organization's", async () => {
    const all = await runCli(['status', '--role', 'inject'], env);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(/FINISHED AT\s+DURATION\s+RECEIVED\s+PUSHED\s+SKIPPED \(BY REASON\)\s+REJECTED\s+DEAD-LETTERED\s+STATUS/);
    const batches = rows(all.stdout, /^\s+\d{4}-\d\d-\d\dT/);
    expect(column(batches, 0)).toBe(10);
    // Sub-rows: received, pushed, skipped, rejected, dead-lettered, status of each organization.
    const sub = (label: string) => rows(all.stdout, new RegExp(`^\\s+${label.replace(/[()]/g, '\\$&')}\\s{2,}`));
    expect(sub('ORG_A').length).toBeGreaterThan(0);
    expect([0, 1, 2, 3, 4].map((i) => column(sub('ORG_A'), i))).toEqual([4, 4, 0, 0, 0]);
    expect([0, 1, 2, 3, 4].map((i) => column(sub('ORG_B'), i))).toEqual([4, 3, 0, 1, 0]);
    expect([0, 1, 2, 3, 4].map((i) => column(sub('ORG_C'), i))).toEqual([1, 0, 1, 0, 0]);
    expect([0, 1, 2, 3, 4].map((i) => column(sub('(not decoded)'), i))).toEqual([1, 0, 0, 0, 1]);
    expect(sub('ORG_B').some((l) => /\sERROR$/.test(l))).toBe(true);
    expect(sub('ORG_A').every((l) => /\s(OK|WARNING)$/.test(l))).toBe(true);

    const orgB = await runCli(['status', '--role', 'inject', '--organization', 'ORG_B'], env);
    expect(orgB.code).toBe(0);
    expect(orgB.stdout).toMatch(/last \d+ execution\(s\) with records of organization ORG_B, newest first \(its records only\):/);
    const bRows = rows(orgB.stdout, /^\s+\d{4}-\d\d-\d\dT/);
    expect([0, 1, 2, 3, 4].map((i) => column(bRows, i))).toEqual([4, 3, 0, 1, 0]);
    expect(orgB.stdout).toContain('ERROR: tickets rejected or records dead-lettered (TIXNGO_INVALID_SEAT): dlq list --role inject');
    expect(rows(orgB.stdout, /^\s+(ORG_|\(not decoded)/)).toEqual([]);

    const orgC = await runCli(['status', '--role', 'inject', '--organization', 'ORG_C'], env);
    expect(orgC.stdout).toMatch(/\s1\s+0\s+1 \(ORGANIZATION_NOT_SERVED 1\)\s+0\s+0\s+(OK|WARNING)$/m);
    expect(orgC.stdout).not.toContain('ERROR:');

    const none = await runCli(['status', '--role', 'inject', '--organization', 'ORG_Z'], env);
    expect(none.stdout).toContain('executions with records of organization ORG_Z: none recorded');
    for (const r of [all, orgB, orgC, none]) expectNoSecretOrHolderData(r.stdout + r.stderr);
  });

  it("trace shows the organization of each record and fact; --organization only that organization's", async () => {
    const both = await runCli(['trace', shared], env);
    expect(both.code).toBe(0);
    expect(both.stdout).toContain('Records seen (2):');
    expect(both.stdout).toMatch(/HANDLED AT\s+ORGANIZATION\s+ROLE\s+TOPIC/);
    expect(both.stdout).toMatch(/\sORG_A\s+inject\s+\S+\s+0\s+\d+\s+pushed\s+-\s+[0-9a-f-]{36}/);
    expect(both.stdout).toMatch(/\sORG_B\s+inject\s+\S+\s+0\s+\d+\s+rejected\s+TIXNGO_INVALID_SEAT/);
    expect(both.stdout).toContain('Ledger (1 fact(s)):');
    expect(both.stdout).toMatch(/\sORG_A\s+inject\s+0\s/);

    const orgB = await runCli(['trace', shared, '--organization', 'ORG_B'], env);
    expect(orgB.code).toBe(0);
    expect(orgB.stdout).toContain(`Ticket ${shared} of organization ORG_B`);
    expect(orgB.stdout).toContain('Records seen (1):');
    expect(orgB.stdout).not.toMatch(/\sORG_A\s/);
    expect(orgB.stdout).toContain('Ledger (0 fact(s)):');
    expect(orgB.stdout).toContain('Dead letters (1):');

    const orgA = await runCli(['trace', shared, '--organization', 'ORG_A'], env);
    expect(orgA.stdout).toContain('Records seen (1):');
    expect(orgA.stdout).not.toMatch(/\sORG_B\s/);
    expect(orgA.stdout).toContain('Ledger (1 fact(s)):');
    expect(orgA.stdout).toContain('Dead letters (0):');

    const other = await runCli(['trace', shared, '--organization', 'ORG_C'], env);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(`nothing stored about ticket ${shared} of organization ORG_C`);
    expect(other.stderr).toContain('Stored for this ticket id: organization(s) ORG_A, ORG_B.');

    // A record that could not be decoded has no organization: shown as such, and left out by --organization.
    const poison = await runCli(['trace', poisonKey], env);
    expect(poison.stdout).toMatch(/\s-\s+inject\s+\S+\s+0\s+\d+\s+dead-lettered\s+AVRO_BAD_FRAME/);

    const bad = await runCli(['trace', shared, '--organization', 'ORG A'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--organization: an S-360 organization code');
    for (const r of [both, orgB, orgA, other, poison]) expectNoSecretOrHolderData(r.stdout + r.stderr);
  });

  it('the failure mail says which organization(s) the rejected and dead-lettered records belong to, by code, and nothing personal', () => {
    const [mail] = smtp.mails;
    expect(mail!.subject).toBe('[tixngo-bridge] inject: 1 rejected by TIXnGO, 1 dead-lettered');
    expect(mail!.text).toMatch(
      /1 ticket\(s\) rejected by TIXnGO, now in the dead-letter topic: TIXNGO_INVALID_SEAT x1\r?\n {4}organization ORG_B: 1 \(TIXNGO_INVALID_SEAT x1\)\r?\n/,
    );
    expect(mail!.text).toMatch(/were dead-lettered: AVRO_BAD_FRAME x1\r?\n {4}organization unknown \(not decoded\): 1 \(AVRO_BAD_FRAME x1\)\r?\n/);
    expect(mail!.text).not.toMatch(/organization ORG_A|organization ORG_C/);
    const raw = smtp.mails.map((m) => m.raw).join('\n');
    expectNoSecretOrHolderData(raw);
    for (const secret of [KEY_A, KEY_B, 'smtp-pa55word', b[2]!.buyer!.lastName]) expect(raw).not.toContain(secret);
  });
});
