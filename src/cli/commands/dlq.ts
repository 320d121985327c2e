import { randomBytes } from 'node:crypto';
import { readTopicRanges, type PartitionRange } from '../../kafka/admin';
import { DLQ_HEADERS } from '../../kafka/dead-letter';
import type { MessageHeaders, SourceMessage } from '../../contracts/source';
import { KafkaEventPublisher, type OutgoingMessage } from '../../kafka/producer';
import type { Role } from '../../roles';
import { parseZonedDateTime } from '../datetime';
import { formatCount, formatCounts, renderTable } from '../format';
import type { Config } from '../../config/load-config';
import { ROLE_REGISTRY, roleDescriptors } from '../../role-registry';
import { CliFailure, type CliRuntime } from '../runtime';

/** One dead-letter record as the CLI shows it: metadata only, the payload stays bytes. */
export interface DeadLetterView {
  readonly dlqTopic: string;
  readonly partition: number;
  readonly offset: string;
  readonly role: string;
  readonly code: string;
  readonly kind: string;
  readonly ticketId: string;
  readonly failedAt: string;
  readonly sourceTopic: string;
  readonly sourcePartition: string;
  readonly sourceOffset: string;
  readonly message: SourceMessage;
}

export function headerText(headers: MessageHeaders, name: string): string | undefined {
  const v = headers[name];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

/** Pure: the view of a dead-letter record, from its `x-dlq-*` headers. */
export function toView(dlqTopic: string, m: SourceMessage): DeadLetterView {
  const h = (n: string) => headerText(m.headers, n) ?? '-';
  return {
    dlqTopic,
    partition: m.partition,
    offset: m.offset,
    role: h(DLQ_HEADERS.role),
    code: h(DLQ_HEADERS.errorCode),
    kind: h(DLQ_HEADERS.errorKind),
    ticketId: headerText(m.headers, DLQ_HEADERS.ticketId) ?? m.key?.toString('utf8') ?? '-',
    failedAt: h(DLQ_HEADERS.failedAt),
    sourceTopic: h(DLQ_HEADERS.sourceTopic),
    sourcePartition: h(DLQ_HEADERS.sourcePartition),
    sourceOffset: h(DLQ_HEADERS.sourceOffset),
    message: m,
  };
}

export interface DlqFilter {
  readonly role?: Role;
  readonly codes?: readonly string[];
  readonly since?: string;
  readonly ticketId?: string;
}

/**
 * The dead-letter topics of a role (of every role without one): `<source topic><TOPIC_DLQ_SUFFIX>` for
 * each topic the role registry names as its dead letters' source.
 */
export function deadLetterTopics(config: Config, role?: Role): string[] {
  const roles = role ? [ROLE_REGISTRY[role]] : roleDescriptors();
  const sources = roles.flatMap((d) => d.deadLetterSources(config.topics));
  return [...new Set(sources.map((t) => `${t}${config.topics.dlqSuffix}`))];
}

/** Reads the dead-letter topics of the selected role(s), from `since` (or the beginning) to their end now. */
async function readDeadLetters(rt: CliRuntime, filter: DlqFilter): Promise<DeadLetterView[]> {
  const since = filter.since === undefined ? undefined : parseZonedDateTime(filter.since);
  if (since && !since.ok) throw new CliFailure(`--since: ${since.problem}`, 2);
  const admin = await rt.admin();
  const existing = await admin.listTopics();
  const dlqTopics = deadLetterTopics(rt.config, filter.role);
  const missing = dlqTopics.filter((t) => !existing.has(t));
  if (missing.length === dlqTopics.length) throw new CliFailure(`no dead-letter topic exists (${missing.join(', ')})`);
  for (const t of missing) rt.out.note(`note: dead-letter topic ${t} does not exist; skipped`);

  const out: DeadLetterView[] = [];
  for (const topic of dlqTopics.filter((t) => existing.has(t))) {
    const ends = await admin.topicOffsets(topic);
    const starts = since?.ok ? await admin.offsetsForTime(topic, since.ms) : undefined;
    const ranges: PartitionRange[] = ends.map((p) => ({ partition: p.partition, from: starts?.get(p.partition) ?? p.low, to: p.high }));
    await readTopicRanges(rt.kafka(), {
      topic,
      groupId: `${rt.config.kafka.groupIdPrefix}-cli-dlq-${randomBytes(4).toString('hex')}`,
      ranges,
      onRecords: async (records) => {
        for (const m of records) {
          const v = toView(topic, m);
          if (filter.role && v.role !== filter.role) continue;
          if (filter.codes && filter.codes.length > 0 && !filter.codes.includes(v.code)) continue;
          if (filter.ticketId && v.ticketId !== filter.ticketId) continue;
          out.push(v);
        }
      },
      timeoutMs: 600_000,
    });
  }
  return out.sort((a, b) => a.failedAt.localeCompare(b.failedAt) || a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

export async function dlqList(rt: CliRuntime, filter: DlqFilter & { limit: number }): Promise<void> {
  const letters = await readDeadLetters(rt, filter);
  if (letters.length === 0) {
    rt.out.line('No dead-letter record matches.');
    return;
  }
  const shown = letters.slice(-filter.limit);
  rt.out.line(
    renderTable(
      ['FAILED AT', 'ROLE', 'DLQ RECORD', 'TICKET', 'CODE', 'KIND', 'SOURCE RECORD'],
      shown.map((v) => [
        v.failedAt,
        v.role,
        `${v.dlqTopic}[${v.partition}]@${v.offset}`,
        clip(v.ticketId),
        v.code,
        v.kind,
        `${v.sourceTopic}[${v.sourcePartition}]@${v.sourceOffset}`,
      ]),
    ),
  );
  if (shown.length < letters.length) rt.out.line(`(the last ${shown.length} of ${letters.length}; --limit shows more)`);
  const byCode: Record<string, number> = {};
  const byRole: Record<string, number> = {};
  for (const v of letters) {
    byCode[v.code] = (byCode[v.code] ?? 0) + 1;
    byRole[v.role] = (byRole[v.role] ?? 0) + 1;
  }
  rt.out.line('');
  rt.out.line(`${formatCount(letters.length)} record(s); by role: ${formatCounts(byRole)}; by code: ${formatCounts(byCode)}`);
  rt.out.line('Details: dlq show --role <role> --partition <p> --offset <o>; after a fix: dlq replay --role <role> --code <code>');
}

export async function dlqShow(rt: CliRuntime, opts: { role: Role; partition: number; offset: string; topic?: string }): Promise<void> {
  const inputs = ROLE_REGISTRY[opts.role].deadLetterSources(rt.config.topics);
  const source = opts.topic ?? (inputs.length === 1 ? inputs[0]! : undefined);
  if (!source || !inputs.includes(source)) throw new CliFailure(`--topic: one of ${inputs.join(', ')}`, 2);
  if (!/^\d+$/.test(opts.offset)) throw new CliFailure('--offset: a record offset (a whole number)', 2);
  const topic = `${source}${rt.config.topics.dlqSuffix}`;
  const admin = await rt.admin();
  if (!(await admin.listTopics()).has(topic)) throw new CliFailure(`dead-letter topic ${topic} does not exist`);
  const ends = (await admin.topicOffsets(topic)).find((p) => p.partition === opts.partition);
  const offset = BigInt(opts.offset);
  if (!ends || offset < ends.low || offset >= ends.high) {
    throw new CliFailure(
      `no record at ${topic}[${opts.partition}]@${opts.offset}${ends ? ` (the partition holds offsets ${ends.low} to ${ends.high - 1n})` : ''}`,
    );
  }
  let found: SourceMessage | undefined;
  await readTopicRanges(rt.kafka(), {
    topic,
    groupId: `${rt.config.kafka.groupIdPrefix}-cli-dlq-${randomBytes(4).toString('hex')}`,
    ranges: [{ partition: opts.partition, from: offset, to: offset + 1n }],
    onRecords: async (records) => {
      found = records[0];
    },
    timeoutMs: 60_000,
  });
  if (!found) throw new CliFailure(`no record at ${topic}[${opts.partition}]@${opts.offset} (compacted or deleted)`);
  const v = toView(topic, found);
  rt.out.line(`Dead letter ${topic}[${v.partition}]@${v.offset}, written ${new Date(Number(found.timestamp)).toISOString()}`);
  rt.out.line(`  key: ${found.key === null ? '(none)' : clip(found.key.toString('utf8'), 80)}`);
  rt.out.line(`  value: ${describeValue(found.value)}`);
  rt.out.line('  dead-letter headers:');
  for (const name of Object.values(DLQ_HEADERS)) {
    const text = headerText(found.headers, name);
    if (text !== undefined) rt.out.line(`    ${name}: ${text}`);
  }
  const others = Object.keys(found.headers).filter((n) => !n.startsWith('x-dlq-'));
  if (others.length > 0) {
    rt.out.line('  original headers (values not shown, they may hold personal data):');
    for (const n of others) rt.out.line(`    ${n}: ${byteSize(found.headers[n])} bytes`);
  }
  rt.out.line(`To re-drive it after a fix: dlq replay --role ${opts.role} --code ${v.code} --ticket ${v.ticketId}`);
}

/**
 * Re-drives dead letters: each selected record's original key, value and headers (without the
 * `x-dlq-*` ones) are produced again to its source topic, so it goes through the role's normal
 * pipeline and ledger (a ticket delivered meanwhile is skipped, a still-bad record is dead-lettered
 * again).
 */
export async function dlqReplay(rt: CliRuntime, filter: DlqFilter & { role: Role; codes: readonly string[]; dryRun: boolean }): Promise<void> {
  const entry = ROLE_REGISTRY[filter.role];
  if (entry.kind !== 'consumer') throw new CliFailure(entry.noRedrive);
  const inputs = new Set(entry.inputs(rt.config.topics).map((i) => i.topic));
  const letters = await readDeadLetters(rt, filter);
  const byCode: Record<string, number> = {};
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const v of letters) {
    if (!inputs.has(v.sourceTopic)) continue; // never write anywhere but the role's own input
    byCode[v.code] = (byCode[v.code] ?? 0) + 1;
    const list = byTopic.get(v.sourceTopic) ?? [];
    list.push(toOriginal(v.message));
    byTopic.set(v.sourceTopic, list);
  }
  const n = [...byTopic.values()].reduce((s, l) => s + l.length, 0);
  if (n === 0) {
    rt.out.line('No dead-letter record matches: nothing to re-drive.');
    return;
  }
  rt.out.line(`${formatCount(n)} dead-letter record(s) of role ${filter.role} match (${formatCounts(byCode)}).`);
  if (filter.dryRun) {
    rt.out.line('Dry run: nothing was produced.');
    return;
  }
  const publisher = new KafkaEventPublisher(rt.kafka());
  try {
    for (const [topic, messages] of byTopic) {
      for (let i = 0; i < messages.length; i += 500) await publisher.publish(topic, messages.slice(i, i + 500));
      rt.out.line(`Produced ${formatCount(messages.length)} record(s) to ${topic}.`);
    }
  } finally {
    await publisher.disconnect().catch(() => undefined);
  }
  rt.out.line(
    'They go through the normal pipeline: tickets already delivered are skipped, records that still fail are dead-lettered again. ' +
      `Follow them with: status --role ${filter.role}; trace <ticketId>.`,
  );
}

/** Pure: the record as it was before it was dead-lettered (original key, value and headers). */
export function toOriginal(m: SourceMessage): OutgoingMessage {
  const headers: Record<string, Buffer | string | (Buffer | string)[]> = {};
  for (const [name, value] of Object.entries(m.headers)) {
    if (name.startsWith('x-dlq-') || value === undefined) continue;
    headers[name] = value;
  }
  return { key: m.key, value: m.value ?? Buffer.alloc(0), headers };
}

/** Pure: size and, for a Confluent Avro frame, the schema id; never the bytes themselves. */
export function describeValue(value: Buffer | null): string {
  if (value === null) return '(none)';
  if (value.length >= 5 && value[0] === 0) return `${value.length} bytes, Confluent Avro frame with schema id ${value.readInt32BE(1)} (content not shown)`;
  return `${value.length} bytes, not a Confluent Avro frame (content not shown)`;
}

function byteSize(v: MessageHeaders[string]): number {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.reduce((s, x) => s + (Buffer.isBuffer(x) ? x.length : Buffer.byteLength(String(x))), 0);
}

function clip(s: string, n = 40): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
