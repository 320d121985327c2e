import type { TicketTrace } from '../contracts/report';

/**
 * Failure digests (pure): what happened to a role, grouped and counted, and when a mail about it may
 * go out. At most one mail per role per window: the first incident after a quiet window is mailed
 * after a short gathering delay (so the counts of one batch arrive together), later ones are
 * summarised in the next mail once the window has passed.
 *
 * Incidents carry roles, S-360 organization codes, error codes, counts and durations only: no ticket
 * holder data, no secrets, no free text from outside the bridge. Codes are reduced to `[A-Z0-9_.-]`
 * before they are rendered.
 */

/** Counts by S-360 organization, then error code; `''` for records whose organization is unknown (not decoded). */
export type CountsByOrganization = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** Tickets or records that failed, by error code and by organization. */
export interface FailedRecords {
  readonly count: number;
  readonly codes: Readonly<Record<string, number>>;
  readonly byOrganization: CountsByOrganization;
}

export type Incident =
  /** Tickets TIXnGO refused (per ticket, or the whole request). */
  | ({ readonly kind: 'rejected'; readonly role: string } & FailedRecords)
  /** Input that can never be processed (poison), parked in the dead-letter topic. */
  | ({ readonly kind: 'dead-lettered'; readonly role: string } & FailedRecords)
  /** A dependency failing for longer than the configured time, still being retried. */
  | { readonly kind: 'transient'; readonly role: string; readonly code: string; readonly failingForMs: number }
  /** The holder-sync poller could not read or handle a page of the change feed. */
  | { readonly kind: 'poller-error'; readonly role: string; readonly code: string }
  /** The role stopped (e.g. the dead-letter limit) and needs an operator. */
  | { readonly kind: 'role-stopped'; readonly role: string; readonly code: string };

export interface Digest {
  readonly role: string;
  readonly firstAt: number;
  readonly lastAt: number;
  readonly rejected: FailedRecords;
  readonly deadLettered: FailedRecords;
  readonly transient: Readonly<Record<string, { readonly longestMs: number; readonly reports: number }>>;
  readonly pollerErrors: Readonly<Record<string, number>>;
  readonly stopped: readonly string[];
}

interface PendingFailures {
  count: number;
  codes: Record<string, number>;
  byOrganization: Record<string, Record<string, number>>;
}

interface Pending {
  firstAt: number;
  lastAt: number;
  rejected: PendingFailures;
  deadLettered: PendingFailures;
  transient: Record<string, { longestMs: number; reports: number }>;
  pollerErrors: Record<string, number>;
  stopped: string[];
}

export interface DigestPolicy {
  /** At most one mail per role per window. */
  readonly windowMs: number;
  /** How long the first incident of a quiet role waits for others before it is mailed. */
  readonly gatherMs: number;
}

/** Pure: a batch's records of one fate, by error code and by organization (`''`: not decoded, unknown). */
export function failedRecords(tickets: readonly TicketTrace[], outcome: 'rejected' | 'dead-lettered'): FailedRecords {
  const codes: Record<string, number> = {};
  const byOrganization: Record<string, Record<string, number>> = {};
  let count = 0;
  for (const t of tickets) {
    if (t.outcome !== outcome) continue;
    const code = t.reason ?? 'UNKNOWN';
    const mine = (byOrganization[t.organization ?? ''] ??= {});
    codes[code] = (codes[code] ?? 0) + 1;
    mine[code] = (mine[code] ?? 0) + 1;
    count++;
  }
  return { count, codes, byOrganization };
}

export class DigestPlanner {
  private readonly pending = new Map<string, Pending>();
  private readonly lastSentAt = new Map<string, number>();

  constructor(private readonly policy: DigestPolicy) {}

  add(incident: Incident, nowMs: number): void {
    const p = this.pendingOf(incident.role, nowMs);
    p.lastAt = Math.max(p.lastAt, nowMs);
    switch (incident.kind) {
      case 'rejected':
      case 'dead-lettered': {
        const bucket = incident.kind === 'rejected' ? p.rejected : p.deadLettered;
        bucket.count += incident.count;
        for (const [code, n] of Object.entries(incident.codes)) bucket.codes[code] = (bucket.codes[code] ?? 0) + n;
        for (const [organization, codes] of Object.entries(incident.byOrganization)) {
          const mine = (bucket.byOrganization[organization] ??= {});
          for (const [code, n] of Object.entries(codes)) mine[code] = (mine[code] ?? 0) + n;
        }
        break;
      }
      case 'transient': {
        const t = (p.transient[incident.code] ??= { longestMs: 0, reports: 0 });
        t.longestMs = Math.max(t.longestMs, incident.failingForMs);
        t.reports++;
        break;
      }
      case 'poller-error':
        p.pollerErrors[incident.code] = (p.pollerErrors[incident.code] ?? 0) + 1;
        break;
      case 'role-stopped':
        if (!p.stopped.includes(incident.code)) p.stopped.push(incident.code);
        break;
    }
  }

  /** When the next digest may be mailed (epoch ms), or undefined when nothing is pending. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const [role, p] of this.pending) {
      const due = this.dueAt(role, p);
      if (next === undefined || due < next) next = due;
    }
    return next;
  }

  /** The digests that may be mailed now; they count as sent at `nowMs` (see `putBack` for failures). */
  takeDue(nowMs: number): Digest[] {
    const out: Digest[] = [];
    for (const [role, p] of this.pending) {
      if (this.dueAt(role, p) > nowMs) continue;
      out.push(this.take(role, p, nowMs));
    }
    return out;
  }

  /** Everything pending, whatever the window: at shutdown, so that a stopped role is always reported. */
  takeAll(nowMs: number): Digest[] {
    return [...this.pending].map(([role, p]) => this.take(role, p, nowMs));
  }

  /** A digest that could not be sent: merged back into what is pending, to go with the next mail. */
  putBack(d: Digest): void {
    const p = this.pendingOf(d.role, d.firstAt);
    p.firstAt = Math.min(p.firstAt, d.firstAt);
    p.lastAt = Math.max(p.lastAt, d.lastAt);
    this.add({ kind: 'rejected', role: d.role, ...d.rejected }, d.lastAt);
    this.add({ kind: 'dead-lettered', role: d.role, ...d.deadLettered }, d.lastAt);
    for (const [code, t] of Object.entries(d.transient)) {
      const mine = (p.transient[code] ??= { longestMs: 0, reports: 0 });
      mine.longestMs = Math.max(mine.longestMs, t.longestMs);
      mine.reports += t.reports;
    }
    for (const [code, n] of Object.entries(d.pollerErrors)) p.pollerErrors[code] = (p.pollerErrors[code] ?? 0) + n;
    for (const code of d.stopped) if (!p.stopped.includes(code)) p.stopped.push(code);
  }

  private dueAt(role: string, p: Pending): number {
    const gathered = p.firstAt + this.policy.gatherMs;
    const last = this.lastSentAt.get(role);
    return last === undefined ? gathered : Math.max(gathered, last + this.policy.windowMs);
  }

  private take(role: string, p: Pending, nowMs: number): Digest {
    this.pending.delete(role);
    this.lastSentAt.set(role, nowMs);
    return { role, ...p };
  }

  private pendingOf(role: string, nowMs: number): Pending {
    let p = this.pending.get(role);
    if (!p) {
      p = {
        firstAt: nowMs,
        lastAt: nowMs,
        rejected: { count: 0, codes: {}, byOrganization: {} },
        deadLettered: { count: 0, codes: {}, byOrganization: {} },
        transient: {},
        pollerErrors: {},
        stopped: [],
      };
      this.pending.set(role, p);
    }
    return p;
  }
}

export interface RenderContext {
  readonly instanceId: string;
  readonly windowMs: number;
  /** How operators reach the CLI, shown before each command (e.g. `node dist/cli/main.js`). */
  readonly cli: string;
}

/** Pure: the mail for a digest. Roles, codes, counts and durations only. */
export function renderDigest(d: Digest, ctx: RenderContext): { subject: string; text: string } {
  const role = safeCode(d.role);
  const headline: string[] = [];
  const lines: string[] = [];
  const commands = new Set<string>([`status --role ${role}`]);
  const codesOf = (codes: Readonly<Record<string, number>>) =>
    Object.entries(codes)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([c, n]) => `${safeCode(c)} x${n}`)
      .join(', ');
  const topCode = (codes: Readonly<Record<string, number>>) => Object.entries(codes).sort((a, b) => b[1] - a[1])[0]?.[0];
  // Which organization(s) the failed tickets belong to: counts by organization and code.
  const byOrganization = (f: FailedRecords) => {
    const organizations = Object.entries(f.byOrganization).sort((a, b) => (a[0] === '' ? 1 : b[0] === '' ? -1 : a[0].localeCompare(b[0])));
    if (organizations.length === 0) return [];
    const total = (codes: Readonly<Record<string, number>>) => Object.values(codes).reduce((s, n) => s + n, 0);
    return organizations.map(
      ([o, codes]) => `    ${o === '' ? 'organization unknown (not decoded)' : `organization ${safeCode(o)}`}: ${total(codes)} (${codesOf(codes)})`,
    );
  };

  if (d.stopped.length > 0) {
    headline.push(`role stopped (${d.stopped.map(safeCode).join(', ')})`);
    lines.push(
      `- The role STOPPED: ${d.stopped.map(safeCode).join(', ')}. It consumes nothing until it is restarted;` +
        ' its offsets are not committed past what it handled, so nothing is lost meanwhile.',
    );
    commands.add(`dlq list --role ${role}`);
  }
  if (d.rejected.count > 0) {
    headline.push(`${d.rejected.count} rejected by TIXnGO`);
    lines.push(`- ${d.rejected.count} ticket(s) rejected by TIXnGO, now in the dead-letter topic: ${codesOf(d.rejected.codes)}`, ...byOrganization(d.rejected));
    commands.add(`dlq list --role ${role} --code ${safeCode(topCode(d.rejected.codes) ?? '')}`);
  }
  if (d.deadLettered.count > 0) {
    headline.push(`${d.deadLettered.count} dead-lettered`);
    lines.push(
      `- ${d.deadLettered.count} record(s) could not be processed (invalid input) and were dead-lettered: ${codesOf(d.deadLettered.codes)}`,
      ...byOrganization(d.deadLettered),
    );
    commands.add(`dlq list --role ${role} --code ${safeCode(topCode(d.deadLettered.codes) ?? '')}`);
  }
  const transient = Object.entries(d.transient).sort((a, b) => b[1].longestMs - a[1].longestMs);
  if (transient.length > 0) {
    headline.push(`${safeCode(transient[0]![0])} failing for ${formatDuration(transient[0]![1].longestMs)}`);
    for (const [code, t] of transient) {
      lines.push(`- A dependency has been failing for ${formatDuration(t.longestMs)} (${safeCode(code)}); the bridge keeps retrying and loses nothing.`);
    }
    commands.add('doctor');
  }
  const poller = Object.entries(d.pollerErrors);
  if (poller.length > 0) {
    const n = poller.reduce((s, [, c]) => s + c, 0);
    headline.push(`${n} poller error(s)`);
    lines.push(`- The change-feed poller failed ${n} time(s): ${codesOf(d.pollerErrors)}`);
    commands.add('doctor');
  }
  if (d.rejected.count + d.deadLettered.count > 0) commands.add('trace <ticketId> [--organization <code>]');

  const subject = `[tixngo-bridge] ${role}: ${headline.join(', ') || 'failure'}`;
  const text = [
    `tixngo-bridge, role ${role}, instance ${safeCode(ctx.instanceId)}`,
    `Between ${new Date(d.firstAt).toISOString()} and ${new Date(d.lastAt).toISOString()}:`,
    '',
    ...lines,
    '',
    `To investigate, run the support CLI (${ctx.cli} <command>) from any bridge pod:`,
    ...[...commands].map((c) => `  ${c}`),
    ...(d.rejected.count + d.deadLettered.count > 0 ? [`After a fix, re-drive dead letters with: dlq replay --role ${role} --code <code>`] : []),
    '',
    `At most one mail per role every ${formatDuration(ctx.windowMs)}; later failures are summarised in the next one.`,
    'This mail holds no ticket holder data; ticket ids are in the dead-letter topic (dlq list).',
  ].join('\n');
  return { subject, text };
}

/** Codes and roles as shown: anything outside `[A-Za-z0-9_.-]` is replaced, and length is capped. */
export function safeCode(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80);
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}
