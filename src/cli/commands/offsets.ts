import { INACTIVE_GROUP_STATES, type GroupInfo } from '../../kafka/admin';
import type { Role } from '../../roles';
import { parseZonedDateTime } from '../datetime';
import { formatCount, renderTable } from '../format';
import { planReset, sum, type ResetPlanRow } from '../offset-plan';
import { consumerRoleOf } from '../cli-roles';
import { CliFailure, type CliRuntime } from '../runtime';

export interface OffsetsResetOptions {
  readonly role: Role;
  readonly toDatetime: string;
  readonly dryRun: boolean;
  readonly allowSkip: boolean;
}

/** How to stop a role, in plain words, for the refusal of an active group. */
export function howToStop(role: string, group: GroupInfo, sessionTimeoutMs: number): string {
  const members = group.members.map((m) => `${m.clientId} on ${m.host}`).join('; ');
  return [
    `the consumer group ${group.groupId} is active (state ${group.state}, ${group.members.length} member(s)${members ? `: ${members}` : ''}).`,
    'Kafka refuses to move the offsets of a group that is consuming, and so does this command. Stop the role first:',
    `  - Kubernetes: kubectl scale deploy/<release>-tixngo-bridge-${role} --replicas=0 (with KEDA autoscaling, annotate the`,
    `    ScaledObject autoscaling.keda.sh/paused-replicas="0"), then wait until its pods are gone;`,
    '  - elsewhere: stop the bridge process that runs this role (SIGTERM, or Ctrl-C).',
    `A member that died without leaving is dropped by Kafka after KAFKA_SESSION_TIMEOUT_MS (${sessionTimeoutMs} ms).`,
    'Then run this command again, and start the role again afterwards. (A replay needs no stop: see `replay --help`.)',
  ].join('\n');
}

export async function offsetsReset(rt: CliRuntime, opts: OffsetsResetOptions): Promise<void> {
  const entry = consumerRoleOf(opts.role);
  const when = parseZonedDateTime(opts.toDatetime);
  if (!when.ok) throw new CliFailure(`--to-datetime: ${when.problem}`, 2);
  const groupId = entry.settings(rt.config).groupId;
  const topics = entry.inputs(rt.config.topics).map((i) => i.topic);
  const admin = await rt.admin();
  const existing = await admin.listTopics();
  for (const t of topics) if (!existing.has(t)) throw new CliFailure(`topic ${t} does not exist (check TOPIC_* settings)`);

  const group = await admin.describeGroup(groupId);
  const active = !INACTIVE_GROUP_STATES.includes(group.state);
  const plans = new Map<string, ResetPlanRow[]>();
  for (const topic of topics) {
    const [ends, committed, targets] = await Promise.all([
      admin.topicOffsets(topic),
      admin.committedOffsets(groupId, topic),
      admin.offsetsForTime(topic, when.ms),
    ]);
    plans.set(topic, planReset(ends, committed, targets));
  }

  rt.out.line(`Role ${opts.role}, consumer group ${groupId} (${group.state}), reset to ${when.iso} (first record at or after that time)`);
  for (const [topic, rows] of plans) {
    rt.out.line('');
    rt.out.line(`Topic ${topic}`);
    rt.out.line(
      renderTable(
        ['PARTITION', 'CURRENT', 'TARGET', 'LOG START', 'LOG END', 'RE-READ', 'SKIPPED'],
        rows.map((r) => [r.partition, r.current ?? '-', r.target, r.low, r.high, r.reRead, r.skipped]),
      ),
    );
  }
  const all = [...plans.values()].flat();
  const reRead = sum(all.map((r) => r.reRead));
  const skipped = sum(all.map((r) => r.skipped));
  rt.out.line('');
  rt.out.line(`Total: ${formatCount(reRead)} record(s) read again, ${formatCount(skipped)} record(s) never read jumped over.`);
  if (all.some((r) => r.current === null)) rt.out.line('CURRENT "-": the group never committed there; it would start at the log start.');

  if (opts.dryRun) {
    if (active) rt.out.note(`note: the reset itself would be refused now: ${howToStop(opts.role, group, rt.config.kafka.sessionTimeoutMs)}`);
    if (skipped > 0n && !opts.allowSkip) rt.out.note('note: the reset itself would need --allow-skip (see SKIPPED).');
    rt.out.line('Dry run: nothing was changed.');
    return;
  }
  if (active) throw new CliFailure(`refusing to reset: ${howToStop(opts.role, group, rt.config.kafka.sessionTimeoutMs)}`);
  if (skipped > 0n && !opts.allowSkip) {
    throw new CliFailure(
      `refusing to reset: the target is AFTER the group's position on some partitions, so ${formatCount(skipped)} record(s) the role ` +
        'never read would be jumped over and never delivered. Check the date and zone; if skipping them is what you want ' +
        '(e.g. a role that never ran must start at this date), run again with --allow-skip.',
    );
  }

  for (const [topic, rows] of plans) {
    const moves = new Map(rows.filter((r) => r.current !== r.target).map((r) => [r.partition, r.target]));
    try {
      await admin.setGroupOffsets(groupId, topic, moves);
    } catch (e) {
      // Someone started the role between our check and the reset.
      const now = await admin.describeGroup(groupId).catch(() => group);
      if (!INACTIVE_GROUP_STATES.includes(now.state)) throw new CliFailure(`refusing to reset: ${howToStop(opts.role, now, rt.config.kafka.sessionTimeoutMs)}`);
      throw e;
    }
  }
  rt.out.line(
    `Done: group ${groupId} is reset. When the role starts it reads ${formatCount(reRead)} record(s) again; tickets the ledger shows ` +
      'as delivered are skipped (ALREADY_*), nothing is sent twice. To re-send delivered tickets on purpose, use `replay --force`.',
  );
}
