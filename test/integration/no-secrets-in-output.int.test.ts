import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator';
import { aPrintedTicket } from '../../src/tools/sample-events';
import { spawnBridge, type BridgeProcess } from '../support/bridge-process';
import { runCli } from '../support/cli';
import { bridgeEnv, committedTotal, createTestTopics, produceAvro, produceRaw, readAll, setFaults, type TestTopics, withMongo } from '../support/harness';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { waitFor } from '../support/wait-for';
import { holderStateId } from '../../src/store/holder-store';

/** Recognisable values that must never appear in a log line, a CLI output or an e-mail. */
const PLANTED = {
  apiKey: 'PLANTED-API-KEY-7c1e93d5a0b24f68',
  smtpPassword: 'PLANTED-SMTP-PASSWORD-55a9',
  firstName: 'Zebulonia',
  lastName: 'Quixotewright',
  email: 'zebulonia.quixotewright@planted-holder.test',
  buyerEmail: 'ozymandias.buyer@planted-holder.test',
  buyerLastName: 'Ozymandiasson',
  idNumber: 'PLANTEDID4242',
  birthDate: '1901-07-13',
  phone: '+41 79 555 01 99',
} as const;

const holder = {
  firstName: PLANTED.firstName,
  lastName: PLANTED.lastName,
  email: PLANTED.email,
  birthDate: PLANTED.birthDate,
  idNumber: PLANTED.idNumber,
  countryCode: 'CH',
  birthRegion: 'Planted Region',
  birthPlace: 'Planted Place',
};
const buyer = {
  contactId: 'C-PLANTED',
  title: 'F',
  firstName: PLANTED.firstName,
  lastName: PLANTED.buyerLastName,
  email: PLANTED.buyerEmail,
  phone: PLANTED.phone,
  languageCode: 'en',
};
const planted = (n: number, overrides: Parameters<typeof aPrintedTicket>[0] = {}) =>
  aPrintedTicket({ buyer, beneficiary: holder, culturalContact: { ...buyer, contactId: 'C-PLANTED-2' }, ...overrides }, n);

/**
 * Runs the bridge as a process at LOG_LEVEL=debug through success, rejection (TIXnGO echoing the
 * holder's name), poison input (carrying holder data), a transient outage and the dead-letter path,
 * with failure mails on; runs every CLI command at LOG_LEVEL=debug against what it stored; then scans
 * every log line, every CLI output and every e-mail for the planted key, password and holder data.
 */
describe('no secret and no holder data in logs, CLI output or e-mails', () => {
  let simulator: RunningSimulator;
  let smtp: TestSmtpServer;
  let topics: TestTopics;
  let proc: BridgeProcess | undefined;

  beforeAll(async () => {
    simulator = await startSimulator({ apiKey: PLANTED.apiKey, host: '127.0.0.1', port: 0 });
    smtp = await startSmtpServer({ user: 'alerts', password: PLANTED.smtpPassword });
    topics = await createTestTopics(3);
  });

  afterAll(async () => {
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGKILL');
      await proc.exited;
    }
    await smtp?.close();
    await simulator?.close();
  });

  it('finds none of them anywhere', async () => {
    const env = bridgeEnv(topics, simulator, {
      TIXNGO_API_KEY: PLANTED.apiKey,
      LOG_LEVEL: 'debug',
      NOTIFY_SMTP_URL: smtp.url,
      NOTIFY_RECIPIENTS: 'ops@ops.test',
      NOTIFY_WINDOW_MS: '1000',
      NOTIFY_TRANSIENT_AFTER_MS: '1000',
      RETRY_MAX_MS: '300',
      STATUS_LAG_INTERVAL_MS: '500',
      INJECT_MANDATORY_HOLDER_FIELDS: 'FIRSTNAME,LASTNAME',
    });
    const groupId = `${env.KAFKA_GROUP_ID_PREFIX}-inject`;
    const outputs: string[] = [];
    const ok = Array.from({ length: 10 }, (_, i) => planted(i + 1));
    const refused = [planted(20), planted(21)];
    const invalid = planted(30, { currency: PLANTED.lastName }); // schema-valid, semantically invalid
    const late = planted(40);

    proc = spawnBridge(env);
    // TIXnGO refuses two tickets and quotes the holder's name and e-mail in its reason.
    await setFaults(simulator, {
      rejectTickets: {
        tickets: refused.map((t) => ({
          ticketId: t.ticketId,
          errorCode: 'INVALID_HOLDER',
          message: `holder ${PLANTED.firstName} ${PLANTED.lastName} <${PLANTED.email}> refused`,
        })),
      },
    });
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', [...ok, ...refused, invalid]);
    await produceRaw(topics.printedEligible, [{ key: 'poison-1', value: Buffer.from(`{"firstName":"${PLANTED.firstName}","email":"${PLANTED.email}"}`) }]);
    await waitFor(async () => (await committedTotal(groupId, topics.printedEligible)) === 14, {
      timeoutMs: 60_000,
      describe: () => proc!.output().slice(-1500),
    });

    // A transient outage long enough to be mailed, then recovery.
    await setFaults(simulator, { override: { status: 503, endpoints: ['inject'] } });
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', [late]);
    await waitFor(() => smtp.mails.some((m) => m.subject.includes('TIXNGO_HTTP_503')), { timeoutMs: 30_000 });
    await fetch(`${simulator.origin}/_sim/faults`, { method: 'DELETE' });
    await waitFor(async () => (await committedTotal(groupId, topics.printedEligible)) === 15, { timeoutMs: 30_000 });
    await waitFor(() => smtp.mails.some((m) => m.subject.includes('rejected')), { timeoutMs: 30_000 });
    await readAll(`${topics.printedEligible}.dlq`, 4);

    // What holder-sync would have stored for a ticket, names included.
    await withMongo(env.MONGODB_DATABASE!, (db) =>
      db.collection<{ _id: string } & Record<string, unknown>>('ticket_holders').insertOne({
        _id: holderStateId('default', ok[0]!.ticketId),
        organizerId: 'default',
        ticketId: ok[0]!.ticketId,
        status: 'DOWNLOADED',
        version: 2,
        changedAt: new Date(),
        observedAt: new Date(),
        walletOwner: {
          firstName: PLANTED.firstName,
          lastName: PLANTED.lastName,
          email: PLANTED.email,
          idNumber: PLANTED.idNumber,
          birthDate: PLANTED.birthDate,
        },
        ticketHolder: null,
        previousOwner: null,
        history: [{ status: 'DOWNLOADED', version: 2, changedAt: new Date() }],
      }),
    );

    // Every support command, at LOG_LEVEL=debug.
    const cliEnv = { ...env };
    const list = await runCli(['dlq', 'list'], cliEnv);
    const records = [...list.stdout.matchAll(/\.dlq\[(\d+)\]@(\d+)/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(records.length).toBe(4);
    const runs = [
      list,
      ...(await Promise.all(records.map(([p, o]) => runCli(['dlq', 'show', '--role', 'inject', '--partition', p, '--offset', o], cliEnv)))),
      await runCli(['status'], cliEnv),
      await runCli(['trace', ok[0]!.ticketId], cliEnv),
      await runCli(['trace', refused[0]!.ticketId], cliEnv),
      await runCli(['trace', invalid.ticketId], cliEnv),
      await runCli(['replay', '--role', 'inject', '--from', new Date(Date.now() - 3_600_000).toISOString(), '--dry-run'], cliEnv),
      await runCli(['replay', '--role', 'inject', '--from', new Date(Date.now() - 3_600_000).toISOString()], cliEnv),
      await runCli(['dlq', 'replay', '--role', 'inject', '--code', 'TIXNGO_INVALID_HOLDER', '--dry-run'], cliEnv),
      await runCli(['doctor'], cliEnv),
      await runCli(['offsets', 'reset', '--role', 'inject', '--to-datetime', new Date().toISOString(), '--dry-run'], cliEnv),
    ];
    for (const r of runs) outputs.push(r.stdout, r.stderr);
    expect(runs.filter((r) => r.code !== 0).map((r) => r.stderr.slice(-500))).toEqual([]);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    outputs.push(proc.output());
    const everything = [...outputs, ...smtp.mails.map((m) => m.raw)].join('\n');

    // The scan is meaningful: debug logs, CLI output and mails were all produced.
    expect(proc.output()).toContain('batch handled');
    expect(proc.output()).toContain('transient failure, retrying');
    for (const code of ['TIXNGO_INVALID_HOLDER', 'AVRO_BAD_FRAME', 'EVENT_INVALID_FIELD', 'TIXNGO_HTTP_503']) expect(everything).toContain(code);
    expect(smtp.mails.length).toBeGreaterThanOrEqual(1);
    for (const [what, value] of Object.entries(PLANTED)) {
      const at = everything.indexOf(value);
      if (at >= 0) throw new Error(`planted ${what} found in the output: …${everything.slice(Math.max(0, at - 300), at + 100)}…`);
    }
  });
});
