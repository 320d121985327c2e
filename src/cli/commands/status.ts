import type { Role } from '../../roles';
import { toSafeError } from '../../shared/errors';
import { ExecutionStore, type Execution } from '../../store/executions';
import { formatCount, formatMs, renderTable } from '../format';
import { readPollerState } from '../poller-state';
import { consumerRole, consumerRoles, type ConsumerRoleEntry } from '../role-catalog';
import { CliFailure, type CliRuntime } from '../runtime';

/** Pure: one row of the S-360-style execution table. */
export function executionRow(e: Execution): (string | number)[] {
  const skipped = e.skipped.reduce((s, x) => s + x.count, 0);
  const reasons = [...e.skipped].sort((a, b) => b.count - a.count).map((x) => `${x.reason} ${formatCount(x.count)}`).join(', ');
  return [
    e.finishedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    formatMs(e.durationMs),
    e.received,
    e.simulated ? `${formatCount(e.pushed)} (sim)` : e.pushed,
    skipped === 0 ? '0' : `${formatCount(skipped)} (${reasons})`,
    e.rejected,
    e.deadLettered,
    e.mode === 'replay' ? `${e.status} (replay)` : e.status,
  ];
}

/**
 * `status`: per role, its consumer lag and its last executions (closed batches, newest first), and
 * the holder-sync poller's key and lease. Prints everything it can reach; exits 1 when a part could
 * not be read.
 */
export async function status(rt: CliRuntime, opts: { role?: Role; limit: number }): Promise<void> {
  const entries: ConsumerRoleEntry[] = opts.role && opts.role !== 'holder-sync' ? [consumerRole(opts.role)] : opts.role ? [] : consumerRoles();
  const problems: string[] = [];
  const { db } = await rt.mongo();
  const executions = new ExecutionStore(db, rt.config.status.historyLimit);

  for (const entry of entries) {
    const groupId = entry.settings(rt.config).groupId;
    rt.out.line(`Role ${entry.role} (consumer group ${groupId})`);
    try {
      const admin = await rt.admin();
      const lag = await admin.lag(groupId, entry.inputTopics(rt.config));
      const total = lag.reduce((s, p) => s + p.lag, 0n);
      const never = lag.every((p) => p.committed === null);
      const parts = lag.filter((p) => p.lag > 0n).map((p) => `${p.topic}[${p.partition}] ${formatCount(p.lag)}`).join(', ');
      rt.out.line(`  consumer lag: ${formatCount(total)} record(s)${never ? ' (the group never committed: it has not run yet)' : ''}${parts ? ` (${parts})` : ''}`);
    } catch (e) {
      problems.push(`consumer lag of ${entry.role}: ${toSafeError(e).message}`);
      rt.out.line(`  consumer lag: unavailable (${toSafeError(e).code ?? toSafeError(e).name})`);
    }
    const last = await executions.latest(entry.role, opts.limit);
    if (last.length === 0) {
      rt.out.line('  executions: none recorded yet');
    } else {
      rt.out.line(`  last ${last.length} execution(s), newest first:`);
      const table = renderTable(['FINISHED AT', 'DURATION', 'RECEIVED', 'PUSHED', 'SKIPPED (BY REASON)', 'REJECTED', 'DEAD-LETTERED', 'STATUS'], last.map(executionRow));
      rt.out.line(table.replace(/^/gm, '  '));
      const errors = last.filter((e) => e.status === 'ERROR');
      if (errors.length > 0) {
        const codes = [...new Set(errors.flatMap((e) => e.errorCodes.map((c) => c.code)))];
        rt.out.line(`  ERROR: tickets rejected or records dead-lettered (${codes.join(', ')}): dlq list --role ${entry.role}`);
      }
    }
    rt.out.line('');
  }

  if (!opts.role || opts.role === 'holder-sync') {
    rt.out.line('Role holder-sync (change-feed poller)');
    try {
      const state = await readPollerState(db);
      for (const l of state.lines) rt.out.line(`  ${l}`);
    } catch (e) {
      problems.push(`poller state: ${toSafeError(e).message}`);
      rt.out.line('  poller state: unavailable');
    }
  }
  rt.out.line('');
  rt.out.line('STATUS: OK = clean batch; WARNING = transient failures were retried; ERROR = tickets rejected or records dead-lettered.');
  if (problems.length > 0) throw new CliFailure(`some of the status could not be read:\n  ${problems.join('\n  ')}`);
}
