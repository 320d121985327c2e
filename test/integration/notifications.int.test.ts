import { SmtpMailer } from '../../src/notify/mailer';
import { MailNotifier } from '../../src/notify/notifier';
import type { RunningSimulator } from '../../src/simulator/simulator';
import { aPrintedTicket } from '../../src/tools/sample-events';
import { expectNoSecretOrHolderData } from '../support/cli';
import {
  bridgeEnv,
  createTestTopics,
  produceAvro,
  produceRaw,
  setFaults,
  startTestBridge,
  startTestSimulator,
  testLogger,
  type TestTopics,
} from '../support/harness';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';
import { waitFor } from '../support/wait-for';

describe('failure notifications (real SMTP server, Kafka, store, simulator)', () => {
  let simulator: RunningSimulator;
  let smtp: TestSmtpServer;
  let topics: TestTopics;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    simulator = await startTestSimulator();
    smtp = await startSmtpServer({ user: 'alerts', password: 'smtp-pa55word' });
    topics = await createTestTopics(3);
  });

  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await smtp.close();
    await simulator.close();
  });

  async function start(overrides: Record<string, string>) {
    const env = bridgeEnv(topics, simulator, {
      NOTIFY_SMTP_URL: smtp.url,
      NOTIFY_RECIPIENTS: 'ops@ops.test,oncall@ops.test',
      NOTIFY_FROM: 'bridge@ops.test',
      ...overrides,
    });
    const b = await startTestBridge(env);
    let stopped = false;
    const stop = async () => {
      if (!stopped) await b.bridge.stop();
      stopped = true;
    };
    stops.push(stop);
    return { ...b, stop };
  }

  const allMail = () => smtp.mails.map((m) => m.raw).join('\n');

  it('mails rejected tickets and dead letters as a digest, at most once per role per window', async () => {
    const windowMs = 5000;
    await start({ NOTIFY_WINDOW_MS: String(windowMs) });
    const tickets = Array.from({ length: 10 }, (_, i) => aPrintedTicket({}, i + 1));
    const refuse = (ts: typeof tickets) =>
      setFaults(simulator, {
        rejectTickets: { tickets: ts.map((t) => ({ ticketId: t.ticketId, errorCode: 'INVALID_SEAT', message: `seat of ${t.buyer!.lastName} unknown` })) },
      });
    await refuse([tickets[2]!, tickets[3]!]);
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', tickets);

    const first = await waitFor(() => smtp.mails[0], { timeoutMs: 30_000 });
    expect(first.subject).toBe('[tixngo-bridge] inject: 2 rejected by TIXnGO');
    expect([...first.to].sort()).toEqual(['oncall@ops.test', 'ops@ops.test']);
    expect(first.from).toBe('bridge@ops.test');
    expect(first.text).toContain('2 ticket(s) rejected by TIXnGO, now in the dead-letter topic: TIXNGO_INVALID_SEAT x2');
    expect(first.text).toContain('dlq list --role inject --code TIXNGO_INVALID_SEAT');
    expect(first.text).toContain('status --role inject');

    // More failures within the window: held back, then summarised in one mail.
    const more = [aPrintedTicket({}, 50), aPrintedTicket({}, 51), aPrintedTicket({}, 52)];
    await refuse(more);
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', more);
    await produceRaw(topics.printedEligible, [{ key: 'x', value: Buffer.from('not avro') }]);
    await waitFor(() => simulator.state.requests({ endpoint: 'inject' }).some((r) => r.ticketIds.includes(more[2]!.ticketId)));
    expect(smtp.mails).toHaveLength(1);
    const second = await waitFor(() => smtp.mails[1], { timeoutMs: 30_000 });
    expect(second.at - first.at).toBeGreaterThanOrEqual(windowMs - 100);
    expect(second.subject).toBe('[tixngo-bridge] inject: 3 rejected by TIXnGO, 1 dead-lettered');
    expect(second.text).toContain('1 record(s) could not be processed (invalid input) and were dead-lettered: AVRO_BAD_FRAME x1');
    expect(smtp.mails).toHaveLength(2);
    expectNoSecretOrHolderData(allMail());
    expect(allMail()).not.toContain('smtp-pa55word');
  });

  it('mails a transient failure once it lasts longer than NOTIFY_TRANSIENT_AFTER_MS, and loses nothing', async () => {
    await setFaults(simulator, { override: { status: 503, endpoints: ['inject'] } });
    await start({ NOTIFY_TRANSIENT_AFTER_MS: '1000', RETRY_MAX_MS: '300' });
    await produceAvro(topics.printedEligible, 'ticket-printed-eligible', [aPrintedTicket({}, 1)]);
    const mail = await waitFor(() => smtp.mails[0], { timeoutMs: 30_000 });
    expect(mail.subject).toMatch(/^\[tixngo-bridge\] inject: TIXNGO_HTTP_503 failing for \d+ s$/);
    expect(mail.text).toContain('the bridge keeps retrying and loses nothing');
    expect(mail.text).toContain('  doctor');
    await fetch(`${simulator.origin}/_sim/faults`, { method: 'DELETE' });
    await waitFor(() => simulator.state.totals().byEndpoint.inject.ticketsAccepted === 1);
    expectNoSecretOrHolderData(allMail());
  });

  it('mails that a role stopped at the dead-letter limit', async () => {
    // Produced before the start, so that the first batch holds all five and the limit is hit before any is dead-lettered.
    await produceRaw(
      topics.printedEligible,
      Array.from({ length: 5 }, (_, i) => ({ key: `bad-${i}`, value: Buffer.from(`garbage ${i}`) })),
    );
    const { fatal, stop } = await start({ DLQ_MAX_CONSECUTIVE: '3' });
    await waitFor(() => fatal.length > 0, { timeoutMs: 30_000 });
    // The process stops on a fatal error (main.ts); stopping sends what is pending at once.
    await stop();
    const mail = await waitFor(() => smtp.mails.find((m) => m.subject.includes('role stopped')), { timeoutMs: 10_000 });
    expect(mail.subject).toBe('[tixngo-bridge] inject: role stopped (DLQ_LIMIT_EXCEEDED)');
    expect(mail.text).toContain('The role STOPPED: DLQ_LIMIT_EXCEEDED');
    expect(mail.text).toContain('dlq list --role inject');
  });

  it('mails poller errors reported by the holder-sync poller (reportPollerError)', async () => {
    const notifier = new MailNotifier(
      new SmtpMailer(smtp.url, 'bridge@ops.test', ['ops@ops.test']),
      { instanceId: 'pod-1', windowMs: 60_000, transientAfterMs: 60_000, gatherMs: 200 },
      testLogger(),
    );
    stops.push(() => notifier.stop());
    for (let i = 0; i < 3; i++) notifier.reportPollerError({ code: 'TIXNGO_HTTP_500' });
    const mail = await waitFor(() => smtp.mails[0], { timeoutMs: 10_000 });
    expect(mail.subject).toBe('[tixngo-bridge] holder-sync: 3 poller error(s)');
    expect(mail.text).toContain('The change-feed poller failed 3 time(s): TIXNGO_HTTP_500 x3');
    notifier.reportPollerError({ code: 'TIXNGO_HTTP_500' });
    await notifier.stop(); // pending at shutdown: sent whatever the window
    expect(smtp.mails).toHaveLength(2);
    expect(smtp.mails[1]!.subject).toBe('[tixngo-bridge] holder-sync: 1 poller error(s)');
  });
});
