import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareTicketIds } from '../../src/pipeline/ticket-order';
import { AvroCodec } from '../../src/kafka/avro-codec';
import { aPrintedTicket } from '../../src/tools/sample-events';
import { spawnBridge } from '../support/bridge-process';
import {
  bridgeEnv,
  committedTotal,
  produceAvro,
  produceRaw,
  readAll,
  services,
  setFaults,
  startTestBridge,
  topicSize,
  useStackFixture,
  withMongo,
} from '../support/harness';
import { waitFor } from '../support/wait-for';

describe('inject role (real Kafka, registry, MongoDB-compatible store and simulator)', () => {
  const fx = useStackFixture(3);

  async function start(overrides: Record<string, string> = {}) {
    const env = bridgeEnv(fx.topics, fx.simulator, overrides);
    const b = await startTestBridge(env);
    fx.cleanup(() => b.bridge.stop());
    return { ...b, env };
  }

  it('pushes a few thousand mixed events exactly once if eligible, never if not, each request ordered and capped', async () => {
    const holder = {
      firstName: 'Kim',
      lastName: 'Holder',
      email: null,
      birthDate: null,
      idNumber: null,
      countryCode: null,
      birthRegion: null,
      birthPlace: null,
    };
    const eligible = Array.from({ length: 2000 }, (_, i) => aPrintedTicket({ beneficiary: holder }, i + 1));
    const vip = Array.from({ length: 300 }, (_, i) => aPrintedTicket({ tariffCode: 'VIP', beneficiary: holder }, 10_000 + i));
    const noHolder = Array.from({ length: 200 }, (_, i) => aPrintedTicket({ beneficiary: null }, 20_000 + i));
    const skipped = [aPrintedTicket({ beneficiary: holder }, 30_001), aPrintedTicket({ beneficiary: holder }, 30_002)];
    const forcedVip = aPrintedTicket({ tariffCode: 'VIP', beneficiary: holder }, 40_001);
    const duplicates = eligible.slice(0, 100);
    const { config, fatal, bridge } = await start({
      INJECT_FILTER_TARIFFS: 'ADULT,CHILD',
      INJECT_MANDATORY_HOLDER_FIELDS: 'FIRSTNAME,LASTNAME',
      INJECT_SKIP: `id:${skipped[0]!.ticketId}, ${skipped[1]!.taxNumber}`,
      INJECT_FORCE: `id:${forcedVip.ticketId}`,
      INJECT_BATCH_SIZE: '500',
      INJECT_MAX_TICKETS_PER_REQUEST: '200',
    });
    const all = [...eligible, ...vip, ...noHolder, ...skipped, forcedVip, ...duplicates];
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', all);

    const wanted = new Set([...eligible, forcedVip].map((t) => t.ticketId));
    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted >= wanted.size, {
      timeoutMs: 120_000,
      describe: () => fx.simulator.state.totals(),
    });
    await waitFor(async () => (await committedTotal(config.inject.groupId, fx.topics.printedEligible)) === all.length, { timeoutMs: 60_000 });

    const received = fx.simulator.state.received({ payloads: false });
    expect(received.duplicates.inject).toEqual([]);
    expect(new Set(received.tickets.filter((t) => t.injectCount > 0).map((t) => t.ticketId))).toEqual(wanted);
    const requests = fx.simulator.state.requests({ endpoint: 'inject' });
    for (const r of requests) {
      expect([...r.ticketIds].sort(compareTicketIds)).toEqual(r.ticketIds);
      expect(r.ticketIds.length).toBeLessThanOrEqual(200);
      expect(r.idempotencyKey).toBeTruthy();
    }
    const skippedBy = Object.fromEntries((await bridge.metrics.skipped.get()).values.map((v) => [v.labels.reason, v.value]));
    expect(skippedBy).toMatchObject({ FILTER_TARIFF: 300, MISSING_HOLDER_FIRSTNAME: 200, SKIP_LIST: 2 });
    expect((skippedBy.ALREADY_INJECTED ?? 0) + (skippedBy.SUPERSEDED_IN_BATCH ?? 0)).toBe(100);

    const printed = await readAll(fx.topics.printed, wanted.size);
    expect(new Set(printed.map((p) => p.key))).toEqual(wanted);
    const codec = new AvroCodec({ url: services().registryUrl });
    const first = (await codec.decode(printed[0]!.value, 'ticket-printed')) as Record<string, unknown>;
    expect(first).toMatchObject({ salesChannelCode: 'BRIDGE', posCode: 'POS-TIXNGO', simulated: false });

    const ledgerCount = await withMongo(config.mongo.database, (db) => db.collection('ticket_ledger').countDocuments({ kind: 'inject' }));
    expect(ledgerCount).toBe(wanted.size);
    expect(fatal).toEqual([]);
  });

  function templateFile(template: Record<string, string>): string {
    const file = join(mkdtempSync(join(tmpdir(), 'tpl-')), 'template.json');
    writeFileSync(file, JSON.stringify(template));
    return file;
  }

  it("renders the ticket template's formatting options as S-360's editor writes them: dates in the venue's zone and language", async () => {
    await start({
      INJECT_TEMPLATE_FILE: templateFile({
        'event.name':
          '${Performance_hostTeam} - ${Performance_opposingTeam}, ${Performance_startDate;format=EEEE d MMMM yyyy;language=${Institution_language}}',
        'ticketDetails.main.0.key': 'Anpfiff',
        'ticketDetails.main.0.value': '${Performance_startDate;format=dd.MM.yyyy HH:mm;language=de}',
        'ticketDetails.main.1.key': 'Preis',
        'ticketDetails.main.1.value': '${Amount_unitAmount;format=#,##0.00;language=de} ${Amount_currency}',
      }),
    });
    const zurich = aPrintedTicket(
      { templateVariables: { Performance_hostTeam: 'Host FC', Performance_opposingTeam: 'Guest FC', Institution_language: 'fr' } },
      1,
    );
    const newYork = aPrintedTicket({ event: { ...aPrintedTicket().event, timeZone: 'America/New_York' } }, 2);
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', [zurich, newYork]);
    await waitFor(() => [zurich, newYork].every((t) => fx.simulator.state.ticket(t.ticketId)?.injectCount === 1));

    type Sent = { event: { name: string; startTime: string }; ticketDetails: { main: { key: string; value: string }[] } };
    const sent = (id: string) => fx.simulator.state.ticket(id)!.lastPayload as Sent;
    // 2027-06-12T18:00Z: 20:00 in Zurich, 14:00 in New York.
    expect(sent(zurich.ticketId).event).toMatchObject({ name: 'Host FC - Guest FC, samedi 12 juin 2027', startTime: '2027-06-12T20:00:00+02:00' });
    expect(sent(zurich.ticketId).ticketDetails.main.slice(0, 2)).toEqual([
      { key: 'Anpfiff', value: '12.06.2027 20:00' },
      { key: 'Preis', value: '95,00 CHF' },
    ]);
    expect(sent(newYork.ticketId).event.name).toBe('Host FC - Guest FC, Saturday 12 June 2027');
    expect(sent(newYork.ticketId).ticketDetails.main[0]).toEqual({ key: 'Anpfiff', value: '12.06.2027 14:00' });
  });

  it('refuses to start, exit code 2, on a placeholder option it does not know, naming INJECT_TEMPLATE_FILE and the placeholder', async () => {
    const file = templateFile({ 'event.name': '${Performance_startDate;format=dd.MM.yyyy;colour=red}' });
    const proc = spawnBridge(bridgeEnv(fx.topics, fx.simulator, { INJECT_TEMPLATE_FILE: file }));
    expect((await proc.exited).code).toBe(2);
    expect(proc.output()).toContain('INJECT_TEMPLATE_FILE: "event.name": ${Performance_startDate;format=dd.MM.yyyy;colour=red}: unknown option "colour"');
    expect(fx.simulator.state.requests()).toEqual([]);
  });

  it('delivers batches side by side, yet never has a ticket in two at once nor pushes a generation twice', async () => {
    const latencyMs = 200;
    await setFaults(fx.simulator, { latency: { ms: latencyMs, endpoints: ['inject'] } });
    // Each ticket three times, in this order on its partition: generation 0, the same record again, generation 1.
    const first = Array.from({ length: 120 }, (_, i) => aPrintedTicket({}, i + 1));
    const reprints = first.map((t) => ({ ...t, reprintGeneration: 1 }));
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', [...first, ...first, ...reprints]);
    const { config, fatal } = await start({ INJECT_BATCH_SIZE: '20', INJECT_BATCHES_IN_FLIGHT: '3', INJECT_LINGER_MS: '50' });
    await waitFor(async () => (await committedTotal(config.inject.groupId, fx.topics.printedEligible)) === 360, { timeoutMs: 60_000 });

    for (const t of fx.simulator.state.received().tickets) {
      // Generation 0 at most once and generation 1 once, last: the repeated record was never pushed again.
      expect(t.injectCount).toBeLessThanOrEqual(2);
      expect((t.lastPayload as { ticketDetails: { hidden: { value: string }[] } }).ticketDetails.hidden).toEqual([{ key: 'S360_GENERATION', value: '1' }]);
    }
    expect(fx.simulator.state.received({ payloads: false }).tickets).toHaveLength(120);
    const requests = fx.simulator.state.requests({ endpoint: 'inject' }).map((r) => ({ ids: new Set(r.ticketIds), at: Date.parse(r.at) }));
    let overlapping = 0;
    for (const [i, a] of requests.entries()) {
      for (const b of requests.slice(i + 1)) {
        if (Math.abs(a.at - b.at) >= latencyMs) continue;
        overlapping++; // b arrived while a was still being answered: neither may hold a ticket of the other
        expect([...a.ids].filter((id) => b.ids.has(id))).toEqual([]);
      }
    }
    expect(overlapping).toBeGreaterThan(0);
    expect(fatal).toEqual([]);
  });

  it('in simulation mode runs and records everything but sends nothing and writes nothing back', async () => {
    const { config } = await start({ INJECT_SIMULATE: 'true', INJECT_SALES_CHANNEL_CODE: '', INJECT_POS_CODE: '' });
    const tickets = Array.from({ length: 50 }, (_, i) => aPrintedTicket({}, i + 1));
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', tickets);
    await waitFor(async () => (await committedTotal(config.inject.groupId, fx.topics.printedEligible)) === 50);
    const facts = await withMongo(config.mongo.database, (db) => db.collection('ticket_ledger').find({}).toArray());
    expect(facts).toHaveLength(50);
    expect(facts.every((f) => f.kind === 'inject-simulated')).toBe(true);
    expect(fx.simulator.state.requests()).toEqual([]);
    // The write-back happens before the commit, so after the commit an empty topic stays empty.
    expect(await topicSize(fx.topics.printed)).toBe(0);
  });

  it('dead-letters poison records with their reason and keeps the partition flowing', async () => {
    const { config, fatal } = await start();
    await produceRaw(fx.topics.printedEligible, [
      { key: 'bad-1', value: Buffer.from('not avro at all') },
      { key: 'bad-2', value: Buffer.from([0, 0, 0, 0x7f, 0x7f, 1, 2, 3]) },
    ]);
    const good = [aPrintedTicket({}, 1), aPrintedTicket({ currency: 'francs' }, 2), aPrintedTicket({}, 3)];
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', good);

    const dlq = await readAll(`${fx.topics.printedEligible}.dlq`, 3);
    expect(dlq.map((d) => d.headers['x-dlq-error-code']).sort()).toEqual(['AVRO_BAD_FRAME', 'AVRO_UNKNOWN_SCHEMA', 'EVENT_INVALID_FIELD']);
    const bad1 = dlq.find((d) => d.key === 'bad-1')!;
    expect(bad1.value?.toString()).toBe('not avro at all');
    expect(bad1.headers).toMatchObject({ 'x-dlq-source-topic': fx.topics.printedEligible, 'x-dlq-role': 'inject' });
    expect(bad1.headers['x-dlq-source-offset']).toMatch(/^\d+$/);

    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted === 2);
    await waitFor(async () => (await committedTotal(config.inject.groupId, fx.topics.printedEligible)) === 5);
    expect(fatal).toEqual([]);
  });

  it('stops the role at the dead-letter limit, before dead-lettering or committing the batch', async () => {
    // Produced before the start, so that the first batch holds all ten.
    await produceRaw(
      fx.topics.printedEligible,
      Array.from({ length: 10 }, (_, i) => ({ key: `bad-${i}`, value: Buffer.from(`garbage ${i}`) })),
    );
    const { config, fatal } = await start({ DLQ_MAX_CONSECUTIVE: '5' });
    await waitFor(() => fatal.length > 0);
    expect(fatal[0]!.name).toBe('DlqLimitExceeded');
    expect(await topicSize(`${fx.topics.printedEligible}.dlq`)).toBe(0);
    expect(await committedTotal(config.inject.groupId, fx.topics.printedEligible)).toBe(0);
  });

  it('sends tickets TIXnGO rejects to the dead-letter topic while the rest of the batch goes through', async () => {
    await start();
    const tickets = Array.from({ length: 10 }, (_, i) => aPrintedTicket({}, i + 1));
    await fetch(`${fx.simulator.origin}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rejectTickets: { tickets: [{ ticketId: tickets[3]!.ticketId, errorCode: 'INVALID_SEAT', message: 'seat unknown' }] } }),
    });
    await produceAvro(fx.topics.printedEligible, 'ticket-printed-eligible', tickets);
    await waitFor(() => fx.simulator.state.totals().byEndpoint.inject.ticketsAccepted === 9);
    const dlq = await readAll(`${fx.topics.printedEligible}.dlq`, 1);
    expect(dlq[0]!.key).toBe(tickets[3]!.ticketId);
    expect(dlq[0]!.headers['x-dlq-error-code']).toBe('TIXNGO_INVALID_SEAT');
    expect(dlq[0]!.headers['x-dlq-error-kind']).toBe('rejected');
  });
});
