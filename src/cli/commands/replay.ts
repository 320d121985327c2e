import { randomBytes } from 'node:crypto';
import type { PartitionRange } from '../../kafka/admin';
import { AvroCodec } from '../../kafka/avro-codec';
import { KafkaEventPublisher } from '../../kafka/producer';
import { BatchHistory } from '../../observe/batch-history';
import { Health } from '../../ops/health';
import { createMetrics } from '../../ops/metrics';
import type { OffsetToCommit } from '../../contracts/source';
import type { RunningRole } from '../../consumer-role';
import type { BatchReport } from '../../contracts/report';
import type { PipelineEvents } from '../../pipeline/report';
import type { Role } from '../../roles';
import { toSafeError } from '../../shared/errors';
import type { Config } from '../../config/load-config';
import { checkOutputSchemas, type ConsumerRole, type ConsumerRoleDescriptor, type RoleAdapters } from '../../role-registry';
import { ExecutionStore } from '../../store/executions';
import { HolderStore } from '../../store/holder-store';
import { MongoOutbox } from '../../store/outbox';
import { LedgerRecorder } from '../../delivery/recorder';
import { TicketLedger } from '../../store/ticket-ledger';
import { TicketTraceStore } from '../../store/ticket-trace';
import { TixngoAccounts } from '../../tixngo/accounts';
import { consumerRoleOf } from '../cli-roles';
import { parseZonedDateTime } from '../datetime';
import { formatCount, formatCounts, formatMs, formatProgress, renderTable } from '../format';
import { planReplay, sum, type ReplayRange } from '../offset-plan';
import { forecastReplay, type ReplayForecast } from '../replay-analysis';
import { CliFailure, type CliRuntime } from '../runtime';

export interface ReplayOptions {
  readonly role: Role;
  readonly from: string;
  readonly to?: string;
  readonly dryRun: boolean;
  readonly force: boolean;
}

/**
 * `replay`: a one-shot catch-up of one role from a date, through the role's own pipeline under a
 * temporary consumer group, up to the end offsets taken at start (or `--to`). The role's main group
 * is never touched; the temporary group is deleted at the end. Tickets the ledger shows as delivered
 * are skipped unless `--force`.
 */
export async function replay(rt: CliRuntime, opts: ReplayOptions): Promise<void> {
  const entry = consumerRoleOf(opts.role);
  const from = parseZonedDateTime(opts.from);
  if (!from.ok) throw new CliFailure(`--from: ${from.problem}`, 2);
  const to = opts.to === undefined ? undefined : parseZonedDateTime(opts.to);
  if (to && !to.ok) throw new CliFailure(`--to: ${to.problem}`, 2);
  if (to?.ok && to.ms <= from.ms) throw new CliFailure('--to must be later than --from', 2);
  if (opts.dryRun && opts.force) rt.out.note('note: --dry-run: nothing is sent, --force only changes what the forecast calls "would be sent".');

  // The plan: per partition, the first offset at --from and the end taken now (or at --to).
  const admin = await rt.admin();
  const topics = entry.inputs(rt.config.topics).map((i) => i.topic);
  const existing = await admin.listTopics();
  for (const t of topics) if (!existing.has(t)) throw new CliFailure(`topic ${t} does not exist (check TOPIC_* settings)`);
  const plan = new Map<string, ReplayRange[]>();
  for (const topic of topics) {
    const [ends, starts, stops] = await Promise.all([
      admin.topicOffsets(topic),
      admin.offsetsForTime(topic, from.ms),
      to?.ok ? admin.offsetsForTime(topic, to.ms) : Promise.resolve(undefined),
    ]);
    plan.set(topic, planReplay(ends, starts, stops));
  }
  const total = sum([...plan.values()].flat().map((r) => r.count));
  const window = `from ${from.iso} to ${to?.ok ? to.iso : 'now (the end of each partition at start)'}`;
  rt.out.line(`Replay of role ${opts.role} ${window}`);
  for (const [topic, ranges] of plan) {
    rt.out.line(`Topic ${topic}`);
    rt.out.line(
      renderTable(
        ['PARTITION', 'FROM OFFSET', 'TO OFFSET', 'RECORDS'],
        ranges.map((r) => [r.partition, r.from, r.to, r.count]),
      ),
    );
  }
  if (total === 0n) {
    rt.out.line('Nothing to replay: no record in that time range.');
    return;
  }

  const mongo = await rt.mongo();
  const kafka = rt.kafka();
  const codec = new AvroCodec(rt.config.schemaRegistry);
  const publisher = new KafkaEventPublisher(kafka);
  const accounts = new TixngoAccounts(rt.config.organizations);
  const adapters: RoleAdapters = {
    config: rt.config,
    ledger: new TicketLedger(mongo.db),
    holders: new HolderStore(mongo.db),
    codec,
    publisher,
  };
  try {
    let forecast: ReplayForecast | undefined;
    if (opts.dryRun || opts.force) {
      forecast = await forecastReplay({
        kafka,
        forecaster: entry.forecaster(adapters),
        groupIdPrefix: `${rt.config.kafka.groupIdPrefix}-${opts.role}`,
        ranges: new Map([...plan].map(([t, rs]) => [t, rs.map((r): PartitionRange => ({ partition: r.partition, from: r.from, to: r.to }))])),
        onProgress: (n) => rt.out.progress(`reading: ${formatProgress({ done: n, total: Number(total), elapsedMs: 0 }).split(',')[0]}`),
      });
      printForecast(rt, forecast, opts.force);
    }
    if (opts.dryRun) {
      rt.out.line('Dry run: nothing was sent and nothing was changed.');
      return;
    }
    if (opts.force && forecast && forecast.alreadyDelivered > 0) {
      rt.out.line(
        `--force: ${formatCount(forecast.alreadyDelivered)} ticket(s) that TIXnGO already has will be sent AGAIN ` +
          "(each may notify its holder's phone). Starting now; Ctrl-C stops cleanly.",
      );
    }
    const config = opts.force && forecast ? withForcedTickets(rt.config, entry.role, forecast.deliveredTicketIds) : rt.config;
    await runReplay(rt, entry, { ...adapters, config }, accounts, plan, Number(total), opts.role);
  } finally {
    accounts.close();
    await publisher.disconnect().catch(() => undefined);
  }
}

function printForecast(rt: CliRuntime, f: ReplayForecast, force: boolean): void {
  rt.out.line('');
  rt.out.line(`Forecast (${formatCount(f.records)} record(s), ${formatCount(f.tickets)} ticket(s)):`);
  rt.out.line(`  would be sent:                    ${formatCount(force ? f.wouldSend + f.alreadyDelivered : f.wouldSend)}`);
  rt.out.line(
    `  already delivered (ledger):       ${formatCount(f.alreadyDelivered)}${force ? ' (sent AGAIN with --force)' : ' (skipped; --force re-sends them)'}`,
  );
  rt.out.line(`  skipped for other reasons:        ${formatCounts(f.skipped)}`);
  rt.out.line(`  invalid records (dead-lettered):  ${formatCounts(f.invalid)}`);
}

async function runReplay(
  rt: CliRuntime,
  entry: ConsumerRoleDescriptor,
  adapters: RoleAdapters,
  accounts: TixngoAccounts,
  plan: ReadonlyMap<string, readonly ReplayRange[]>,
  total: number,
  role: Role,
): Promise<void> {
  const config = adapters.config;
  // The role's start-up checks (e.g. output schemas registered) before anything is created.
  await checkOutputSchemas(entry, adapters.codec, config.topics);
  const groupId = `${config.kafka.groupIdPrefix}-${role}-replay-${new Date()
    .toISOString()
    .replace(/[-:T.Z]/g, '')
    .slice(0, 14)}-${randomBytes(3).toString('hex')}`;
  const admin = await rt.admin();
  const stopAtOffsets: OffsetToCommit[] = [];
  for (const [topic, ranges] of plan) {
    await admin.setGroupOffsets(groupId, topic, new Map(ranges.map((r) => [r.partition, r.from])));
    for (const r of ranges) if (r.count > 0n) stopAtOffsets.push({ topic, partition: r.partition, offset: r.to.toString() });
  }
  rt.out.line('');
  rt.out.line(`Replaying through temporary consumer group ${groupId} (the role's own group ${entry.settings(config).groupId} is not touched)`);

  const mongo = await rt.mongo();
  const executions = new ExecutionStore(mongo.db, config.status.historyLimit);
  const history = new BatchHistory(
    executions,
    new TicketTraceStore(mongo.db),
    { mode: 'replay', instanceId: config.instanceId, groupId, traceRetentionMs: config.status.traceRetentionDays * 86_400_000 },
    rt.log,
  );
  const totals = { received: 0, pushed: 0, simulated: false, rejected: 0, deadLettered: 0, skipped: {} as Record<string, number>, retrying: '' };
  const startedAt = Date.now();
  let fatal: (e: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (fatal = resolve));
  const events: PipelineEvents = {
    onBatch: (r: BatchReport) => {
      history.record(r);
      totals.received += r.received;
      totals.pushed += r.pushed;
      totals.simulated ||= r.simulated;
      totals.rejected += r.rejected;
      totals.deadLettered += r.deadLettered;
      for (const [k, n] of Object.entries(r.skipped)) totals.skipped[k] = (totals.skipped[k] ?? 0) + n;
      totals.retrying = '';
      rt.out.progress(`${formatProgress({ done: totals.received, total, elapsedMs: Date.now() - startedAt })}; pushed ${formatCount(totals.pushed)}`);
    },
    onRetry: (info) => {
      totals.retrying = info.code;
      rt.out.progress(
        `${formatProgress({ done: totals.received, total, elapsedMs: Date.now() - startedAt })}; retrying ${info.code} (attempt ${info.attempt})`,
      );
    },
    onFatal: (e) => fatal(e),
  };
  const interrupted = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const outbox = new MongoOutbox(mongo.db);
  await outbox.ensureIndexes();
  let running: RunningRole | undefined;
  let outcome: { kind: 'done' } | { kind: 'failed'; error: Error } | { kind: 'interrupted'; signal: string };
  try {
    running = await entry.start(
      {
        ...adapters,
        kafka: rt.kafka(),
        outbox,
        accounts: (code) => accounts.account(code),
        recorder: new LedgerRecorder(adapters.ledger, adapters.publisher, adapters.codec),
        metrics: createMetrics(),
        health: new Health(),
        log: rt.log,
        events,
      },
      { groupId, stopAtOffsets },
    );
    outcome = await Promise.race([
      running.finished!.then(() => ({ kind: 'done' as const })),
      failed.then((error) => ({ kind: 'failed' as const, error })),
      interrupted.then((signal) => ({ kind: 'interrupted' as const, signal })),
    ]);
  } catch (e) {
    outcome = { kind: 'failed', error: e instanceof Error ? e : new Error(String(e)) };
  }
  await running?.stop(config.shutdown.drainDeadlineMs).catch((e) => rt.out.note(`warning: the replay did not stop cleanly: ${toSafeError(e).message}`));
  await history.stop();
  rt.out.endProgress();
  const deleted = await admin.deleteGroup(groupId).then(
    () => true,
    () => false,
  );

  rt.out.line(`Replayed ${formatCount(totals.received)} of ${formatCount(total)} record(s) in ${formatMs(Date.now() - startedAt)}:`);
  rt.out.line(`  pushed:         ${formatCount(totals.pushed)}${totals.simulated ? ' (simulated)' : ''}`);
  rt.out.line(`  skipped:        ${formatCounts(totals.skipped)}`);
  rt.out.line(`  rejected:       ${formatCount(totals.rejected)}`);
  rt.out.line(`  dead-lettered:  ${formatCount(totals.deadLettered)}`);
  rt.out.line(
    deleted ? `Temporary group ${groupId} deleted.` : `Temporary group ${groupId} could not be deleted; delete it with kafka-consumer-groups --delete.`,
  );
  if (totals.rejected + totals.deadLettered > 0) rt.out.line(`Dead letters: dlq list --role ${role}`);
  if (outcome.kind === 'failed') {
    throw new CliFailure(`the replay stopped: ${toSafeError(outcome.error).message}. Run it again to continue: delivered tickets are skipped.`);
  }
  if (outcome.kind === 'interrupted') {
    throw new CliFailure(
      `interrupted (${outcome.signal}) after ${formatCount(totals.received)} record(s). Run it again to continue: delivered tickets are skipped.`,
      130,
    );
  }
}

/**
 * The configuration with extra `id:<ticketId>` entries in `role`'s force list of every organization
 * (`replay --force`; the ids come from the range read, whatever their organization).
 */
export function withForcedTickets(config: Config, role: ConsumerRole, ticketIds: Iterable<string>): Config {
  const extra = [...ticketIds].map((id) => `id:${id}`);
  const entries = config.organizations.entries.map((o) => ({ ...o, [role]: { ...o[role], force: [...o[role].force, ...extra] } }));
  return { ...config, organizations: { ...config.organizations, entries } };
}
