import type { Role } from '../../roles';
import { toSafeError } from '../../shared/errors';
import { ExecutionStore, type Execution, type OrganizationCounts, type RecordCounts } from '../../store/executions';
import { formatCount, formatMs, renderTable } from '../format';
import { readPollerState } from '../poller-state';
import { roleDescriptors } from '../../role-registry';
import { CliFailure, type CliRuntime } from '../runtime';

type Row = (string | number)[];

/** The count cells of a row: received, pushed, skipped (by reason), rejected, dead-lettered. */
function countCells(c: RecordCounts, simulated: boolean): Row {
  const skipped = c.skipped.reduce((s, x) => s + x.count, 0);
  const reasons = [...c.skipped]
    .sort((a, b) => b.count - a.count)
    .map((x) => `${x.reason} ${formatCount(x.count)}`)
    .join(', ');
  return [
    c.received,
    simulated ? `${formatCount(c.pushed)} (sim)` : c.pushed,
    skipped === 0 ? '0' : `${formatCount(skipped)} (${reasons})`,
    c.rejected,
    c.deadLettered,
  ];
}

const finishedAt = (e: Execution) => e.finishedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
const withMode = (e: Execution, status: string) => (e.mode === 'replay' ? `${status} (replay)` : status);

/**
 * Pure: an organization's status within a batch: ERROR when its own tickets were rejected or its records
 * dead-lettered; otherwise WARNING when the batch retried transient failures (counted per batch), else OK.
 */
export function organizationStatus(e: Execution, o: RecordCounts): Execution['status'] {
  return o.rejected + o.deadLettered > 0 ? 'ERROR' : e.retries > 0 ? 'WARNING' : 'OK';
}

/** The organization of a sub-row: its code, or that the records could not be decoded. */
const organizationLabel = (o: OrganizationCounts) => o.organization ?? '(not decoded)';

/** Pure: one row of the S-360-style execution table. */
export function executionRow(e: Execution): Row {
  return [finishedAt(e), formatMs(e.durationMs), ...countCells(e, e.simulated), withMode(e, e.status)];
}

/**
 * Pure: the sub-rows of a batch that held several organizations' records (their own counts and status,
 * under the batch's row); none for a batch of one organization.
 */
export function organizationRows(e: Execution): Row[] {
  const organizations = e.organizations ?? [];
  if (organizations.length < 2) return [];
  return organizations.map((o) => [`  ${organizationLabel(o)}`, '', ...countCells(o, e.simulated), organizationStatus(e, o)]);
}

/** Pure: a batch's row counting only `organization`'s records (undefined: the batch held none). */
export function executionRowOf(e: Execution, organization: string): Row | undefined {
  const o = e.organizations?.find((x) => x.organization === organization);
  return o ? [finishedAt(e), formatMs(e.durationMs), ...countCells(o, e.simulated), withMode(e, organizationStatus(e, o))] : undefined;
}

/**
 * `status`: per role, its consumer lag and its last executions (closed batches, newest first), and
 * the holder-sync poller's key and lease. A batch may hold several S-360 organizations' records (the
 * topics are shared): each then gets a sub-row with its own counts; with `organization`, only the
 * batches holding that organization's records are listed, with its counts only. Prints everything it
 * can reach; exits 1 when a part could not be read.
 */
export async function status(rt: CliRuntime, opts: { role?: Role; limit: number; organization?: string }): Promise<void> {
  const problems: string[] = [];
  const { db } = await rt.mongo();
  const executions = new ExecutionStore(db, rt.config.status.historyLimit);

  for (const entry of roleDescriptors().filter((d) => !opts.role || d.role === opts.role)) {
    if (entry.kind === 'poller') {
      rt.out.line(`Role ${entry.role} (change-feed poller)`);
      try {
        const state = await readPollerState(db);
        for (const l of state.lines) rt.out.line(`  ${l}`);
      } catch (e) {
        problems.push(`poller state: ${toSafeError(e).message}`);
        rt.out.line('  poller state: unavailable');
      }
      continue; // listed last: the blank line after the loop ends its block
    }
    const groupId = entry.settings(rt.config).groupId;
    rt.out.line(`Role ${entry.role} (consumer group ${groupId})`);
    try {
      const admin = await rt.admin();
      const lag = await admin.lag(
        groupId,
        entry.inputs(rt.config.topics).map((i) => i.topic),
      );
      const total = lag.reduce((s, p) => s + p.lag, 0n);
      const never = lag.every((p) => p.committed === null);
      const parts = lag
        .filter((p) => p.lag > 0n)
        .map((p) => `${p.topic}[${p.partition}] ${formatCount(p.lag)}`)
        .join(', ');
      rt.out.line(
        `  consumer lag: ${formatCount(total)} record(s)${never ? ' (the group never committed: it has not run yet)' : ''}${parts ? ` (${parts})` : ''}`,
      );
    } catch (e) {
      problems.push(`consumer lag of ${entry.role}: ${toSafeError(e).message}`);
      rt.out.line(`  consumer lag: unavailable (${toSafeError(e).code ?? toSafeError(e).name})`);
    }
    const org = opts.organization;
    const last = await executions.latest(entry.role, opts.limit, org);
    if (last.length === 0) {
      rt.out.line(org === undefined ? '  executions: none recorded yet' : `  executions with records of organization ${org}: none recorded`);
    } else {
      rt.out.line(
        org === undefined
          ? `  last ${last.length} execution(s), newest first:`
          : `  last ${last.length} execution(s) with records of organization ${org}, newest first (its records only):`,
      );
      const rows = org === undefined ? last.flatMap((e) => [executionRow(e), ...organizationRows(e)]) : last.map((e) => executionRowOf(e, org)!);
      const table = renderTable(['FINISHED AT', 'DURATION', 'RECEIVED', 'PUSHED', 'SKIPPED (BY REASON)', 'REJECTED', 'DEAD-LETTERED', 'STATUS'], rows);
      rt.out.line(table.replace(/^/gm, '  '));
      // The codes of the errors shown: the organization's own with --organization.
      const shown = last.flatMap((e) => (org === undefined ? [e] : (e.organizations ?? []).filter((o) => o.organization === org)));
      const codes = [...new Set(shown.filter((c) => c.rejected + c.deadLettered > 0).flatMap((c) => c.errorCodes.map((x) => x.code)))];
      if (codes.length > 0) {
        rt.out.line(`  ERROR: tickets rejected or records dead-lettered (${codes.join(', ')}): dlq list --role ${entry.role}`);
      }
    }
    rt.out.line('');
  }
  rt.out.line('');
  rt.out.line('STATUS: OK = clean batch; WARNING = transient failures were retried; ERROR = tickets rejected or records dead-lettered.');
  if (problems.length > 0) throw new CliFailure(`some of the status could not be read:\n  ${problems.join('\n  ')}`);
}
