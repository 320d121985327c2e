import { HOLDERS_COLLECTION, storedHistory } from '../../store/holder-store';
import { TicketLedger, type Fact, type FactKind } from '../../store/ticket-ledger';
import { TicketTraceStore, type TraceEntry } from '../../store/ticket-trace';
import { renderTable } from '../format';
import { CliFailure, type CliRuntime } from '../runtime';

/** The holder fields `trace` reads: states and versions only, never the people. */
interface HolderSummary {
  readonly _id: string;
  /** The TIXnGO organizer whose feed reported it (absent on states stored before organizers were kept apart). */
  readonly organizerId?: string;
  readonly status?: string;
  readonly version?: number;
  readonly changedAt?: Date;
  readonly observedAt?: Date;
  readonly history?: readonly { readonly status?: string; readonly version?: number; readonly changedAt?: Date }[];
}

/** A holder document as stored: its history an array (older versions) or packed (`storedHistory` reads both). */
type StoredHolderSummary = Omit<HolderSummary, 'history'> & { readonly history?: unknown; readonly historyEncoding?: unknown };

/** A stored holder document with its history read, whichever form it was stored in. */
function readableHolder(stored: StoredHolderSummary): HolderSummary {
  const { history: _packed, historyEncoding: _encoding, ...summary } = stored;
  const history = storedHistory(stored);
  return history === undefined ? summary : { ...summary, history };
}

const iso = (d: Date | undefined) => (d instanceof Date ? d.toISOString() : '-');
const short = (s: string | undefined, n = 36) => (s === undefined ? '-' : s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * `trace <ticketId> [--organization <code>]`: the ticket's story from what the bridge stored: each
 * record seen (its S-360 organization, topic, partition, offset, when its batch was handled, outcome
 * and reason), the ledger's facts (what TIXnGO accepted, under which request id), dead letters, the
 * holder state from holder-sync (status and version only) and the printed write-back. The store keeps
 * each organization's tickets apart; with `organization`, only that organization's records and facts
 * are shown. Ids, codes and times only: no names, no e-mail addresses, no payloads.
 */
export async function trace(rt: CliRuntime, ticketId: string, opts: { organization?: string } = {}): Promise<void> {
  const { db } = await rt.mongo();
  const org = opts.organization;
  const [all, byOrganization, holders] = await Promise.all([
    new TicketTraceStore(db).of(ticketId),
    new TicketLedger(db).findByTicketId(ticketId),
    // A ticket id is unique within a TIXnGO organizer only: its states in every organizer (and one
    // stored before states were kept per organizer, whose `_id` is the ticket id).
    db
      .collection<StoredHolderSummary>(HOLDERS_COLLECTION)
      .find(
        { $or: [{ ticketId }, { _id: ticketId }] },
        // The history whole: it is stored packed (one Binary) by holder-sync, no path inside it can be projected.
        { projection: { organizerId: 1, status: 1, version: 1, changedAt: 1, observedAt: 1, history: 1, historyEncoding: 1 } },
      )
      .limit(20)
      .toArray(),
  ]);
  const holder = holders.length > 0 ? holders.map(readableHolder) : null;
  const entries = org === undefined ? all : all.filter((e) => e.organization === org);
  const facts = [...byOrganization].flatMap(([o, list]) => (org === undefined || o === org ? list : [])).sort((a, b) => a.at.getTime() - b.at.getTime());
  if (org !== undefined && entries.length === 0 && facts.length === 0) {
    const others = [...new Set([...all.flatMap((e) => (e.organization ? [e.organization] : [])), ...byOrganization.keys()])].sort();
    throw new CliFailure(
      `nothing stored about ticket ${short(ticketId, 80)} of organization ${org}: no record of it was handled (within the trace retention) and no ledger fact. ` +
        (others.length > 0 ? `Stored for this ticket id: organization(s) ${others.join(', ')}.` : 'Check the id and the organization code.'),
    );
  }
  if (entries.length === 0 && facts.length === 0 && !holder) {
    throw new CliFailure(
      `nothing stored about ticket ${short(ticketId, 80)}: no record of it was handled (within the trace retention), ` +
        'no ledger fact and no holder state. Check the id; older records may still be in Kafka (dlq list, replay --dry-run).',
    );
  }
  rt.out.line(org === undefined ? `Ticket ${ticketId}` : `Ticket ${ticketId} of organization ${org}`);
  printRecords(rt, entries);
  const undecoded = org === undefined ? 0 : all.filter((e) => e.organization === undefined).length;
  if (undecoded > 0)
    rt.out.line(
      `  (${undecoded} more record(s) under this id could not be decoded, so their organization is unknown: trace without --organization shows them)`,
    );
  printFacts(rt, facts);
  printDeadLetters(rt, entries);
  printHolder(rt, holder);
  printWriteBack(rt, facts);
}

function printRecords(rt: CliRuntime, entries: readonly TraceEntry[]): void {
  rt.out.line('');
  rt.out.line(`Records seen (${entries.length}):`);
  if (entries.length === 0) {
    rt.out.line('  none within the trace retention (STATUS_TRACE_RETENTION_DAYS)');
    return;
  }
  rt.out.line(
    renderTable(
      ['HANDLED AT', 'ORGANIZATION', 'ROLE', 'TOPIC', 'PARTITION', 'OFFSET', 'OUTCOME', 'REASON', 'REQUEST ID'],
      entries.map((e) => [
        iso(e.at),
        e.organization ?? '-',
        e.mode === 'replay' ? `${e.role} (replay)` : e.role,
        e.topic,
        e.partition,
        e.offset,
        e.simulated ? `${e.outcome} (simulated)` : e.outcome,
        e.reason ?? '-',
        e.requestId ?? '-',
      ]),
    ),
  );
}

const FACT_MEANING: Readonly<Record<FactKind, string>> = {
  inject: 'TIXnGO accepted the injection',
  'inject-simulated': 'simulated injection (nothing sent)',
  'cancel-seen': 'cancellation received',
  'cancel-pushed': 'TIXnGO accepted the deletion',
  'cancel-simulated': 'simulated deletion (nothing sent)',
  'control-seen': 'control received',
  'control-pushed': 'TIXnGO accepted the control',
  'control-simulated': 'simulated control (nothing sent)',
};

/** What a fact means, saying where an injection the bridge did not push comes from. */
function meaningOf(f: Fact): string {
  if (f.kind === 'inject' && f.source === 'imported') return 'in TIXnGO before go-live (ledger import)';
  if (f.kind === 'inject' && f.source === 'core') return 'in TIXnGO: the core printed it through the TIXnGO point of sales';
  return FACT_MEANING[f.kind] ?? '-';
}

function printFacts(rt: CliRuntime, facts: readonly Fact[]): void {
  rt.out.line('');
  rt.out.line(`Ledger (${facts.length} fact(s)):`);
  if (facts.length === 0) {
    rt.out.line('  none: TIXnGO never accepted anything for this ticket through the bridge');
    return;
  }
  rt.out.line(
    renderTable(
      ['AT', 'ORGANIZATION', 'FACT', 'GENERATION', 'DETAIL', 'REQUEST ID', 'MEANING'],
      facts.map((f) => [iso(f.at), f.organization ?? '-', f.kind, f.generation, short(f.detail, 24), f.requestId ?? '-', meaningOf(f)]),
    ),
  );
}

function printDeadLetters(rt: CliRuntime, entries: readonly TraceEntry[]): void {
  const dead = entries.filter((e) => e.outcome === 'rejected' || e.outcome === 'dead-lettered');
  rt.out.line('');
  rt.out.line(`Dead letters (${dead.length}):`);
  if (dead.length === 0) {
    rt.out.line('  none');
    return;
  }
  for (const e of dead) {
    const why =
      e.outcome === 'rejected'
        ? `rejected by TIXnGO (${e.reason ?? '?'}${e.requestId ? `, request ${e.requestId}` : ''})`
        : `invalid input (${e.reason ?? '?'})`;
    rt.out.line(
      `  ${iso(e.at)} ${e.role}${e.organization ? ` (organization ${e.organization})` : ''}: ${why}; record ${e.topic}[${e.partition}]@${e.offset} is in ${e.topic}${rt.config.topics.dlqSuffix}`,
    );
  }
  rt.out.line(`  see: dlq list --role ${dead[0]!.role} --code ${dead[0]!.reason ?? '<code>'}`);
}

function printHolder(rt: CliRuntime, states: readonly HolderSummary[] | null): void {
  rt.out.line('');
  if (!states) {
    rt.out.line('Holder state (holder-sync): none stored');
    return;
  }
  for (const h of states) {
    // The organizer is named only where it tells states apart (several) or is known.
    const of = h.organizerId !== undefined && states.length > 1 ? ` of TIXnGO organizer ${h.organizerId}` : '';
    rt.out.line(`Holder state (holder-sync)${of}: ${h.status ?? '?'} version ${h.version ?? '?'}, changed ${iso(h.changedAt)}, observed ${iso(h.observedAt)}`);
    const steps = (h.history ?? []).map((s) => `${s.status ?? '?'} v${s.version ?? '?'} (${iso(s.changedAt)})`);
    if (steps.length > 0) rt.out.line(`  history: ${steps.join(' → ')}`);
  }
}

function printWriteBack(rt: CliRuntime, facts: readonly Fact[]): void {
  const injected = facts.filter((f) => f.kind === 'inject');
  rt.out.line('');
  if (injected.length === 0) {
    rt.out.line(`Printed write-back (${rt.config.topics.printed}): none (not injected through the bridge, or only simulated)`);
    return;
  }
  for (const f of injected) {
    rt.out.line(`Printed write-back (${rt.config.topics.printed}): published for generation ${f.generation} after TIXnGO accepted it at ${iso(f.at)}`);
  }
}
