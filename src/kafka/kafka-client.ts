import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Config } from '../config/load-config';
import type { Logger } from '../ops/logger';
import { BridgeError, FatalError, TransientError } from '../shared/errors';

/**
 * Builds the kafkajs client from configuration: TLS and SASL are settings, never code changes.
 * `retries` bounds kafkajs' own retries of a request (the support CLI uses few, to answer quickly).
 */
export function createKafka(
  config: Pick<Config['kafka'], 'brokers' | 'clientId' | 'connectionTimeoutMs' | 'ssl' | 'sasl'>,
  log: Logger,
  opts: { retries?: number } = {},
): Kafka {
  const kafkaConfig: KafkaConfig = {
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => logKafka(log, entry),
    retry: { initialRetryTime: 300, maxRetryTime: 30_000, retries: opts.retries ?? 8 },
  };
  if (config.ssl) kafkaConfig.ssl = { rejectUnauthorized: config.ssl.rejectUnauthorized, ...(config.ssl.ca ? { ca: [config.ssl.ca] } : {}) };
  if (config.sasl) {
    kafkaConfig.sasl = {
      mechanism: config.sasl.mechanism,
      username: config.sasl.username,
      password: config.sasl.password,
    } as KafkaConfig['sasl'];
  }
  return new Kafka(kafkaConfig);
}

/** A plain client for the tools (topic creation, demo producer): brokers only, no TLS or SASL. */
export function createPlainKafka(brokers: readonly string[], clientId: string, log: Logger): Kafka {
  return createKafka({ brokers, clientId, connectionTimeoutMs: 3_000 }, log);
}

/**
 * Passing states of the cluster that kafkajs retries or rejoins by itself, yet its Connection logs at
 * error: a broker starting (the controller electing leaders, the group coordinator loading
 * `__consumer_offsets`) and a group rebalancing (a replica joining or leaving; the joins are counted in
 * tixngo_bridge_group_joins_total). The messages of kafkajs' error table (src/protocol/error.js), which
 * its logs carry in `error`; a unit test checks them against that table.
 */
export const PASSING_BROKER_STATES: Readonly<Record<string, string>> = {
  GROUP_LOAD_IN_PROGRESS: "The coordinator is loading and hence can't process requests for this group",
  GROUP_COORDINATOR_NOT_AVAILABLE: 'The group coordinator is not available',
  NOT_COORDINATOR_FOR_GROUP: 'This is not the correct coordinator for this group',
  LEADER_NOT_AVAILABLE: 'There is no leader for this topic-partition as we are in the middle of a leadership election',
  REBALANCE_IN_PROGRESS: 'The group is rebalancing, so a rejoin is needed',
};
const PASSING_BROKER_MESSAGES = new Set(Object.values(PASSING_BROKER_STATES));

/** The level a kafkajs log entry is written at (pure). */
export function kafkaLogLevel(level: logLevel, message: string, fields: Readonly<Record<string, unknown>>): 'error' | 'warn' | 'debug' {
  // Understood and accepted: the bridge bounds kafkajs' retries and retries publishes itself.
  if (message.startsWith('Limiting retries for the idempotent producer')) return 'debug';
  if (typeof fields.error === 'string' && PASSING_BROKER_MESSAGES.has(fields.error)) return 'debug';
  if (level === logLevel.ERROR) return 'error';
  if (level === logLevel.WARN) return 'warn';
  return 'debug';
}

function logKafka(log: Logger, { namespace, level, log: entry }: LogEntry): void {
  const { message, timestamp: _t, logger: _l, ...rest } = entry as LogEntry['log'] & { logger?: unknown };
  const fields = { component: 'kafkajs', namespace, ...pickSafe(rest) };
  log[kafkaLogLevel(level, message, fields)](fields, message);
}

/** Only scalar fields of kafkajs log entries: they never carry message payloads, but be sure. */
function pickSafe(rest: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  }
  return out;
}

/**
 * Protocol errors kafkajs marks not retriable because the request cannot be repeated as it was, yet
 * the bridge's own retry of the whole operation clears: the group moved on (the consumer rejoins by
 * itself), a broker or the controller is changing, the idempotent producer's session must start over.
 */
export const RECOVERABLE_KAFKA_ERRORS: ReadonlySet<string> = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'UNKNOWN_MEMBER_ID',
  'MEMBER_ID_REQUIRED',
  'BROKER_NOT_AVAILABLE',
  'STALE_CONTROLLER_EPOCH',
  'STALE_BROKER_EPOCH',
  'REASSIGNMENT_IN_PROGRESS',
  'OPERATION_NOT_ATTEMPTED',
  'UNKNOWN',
  'KAFKAJS_UNKNOWN_ERROR_CODE',
  'INVALID_PRODUCER_EPOCH',
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
]);

/**
 * The Kafka adapter's one conversion point into the bridge taxonomy (admin, consumer, producer):
 * - an error already in the taxonomy (thrown by our own handler) and a bug (not a kafkajs error) stay as they are;
 * - a kafkajs error it calls retriable, one whose own retries ran out (`KafkaJSNumberOfRetriesExceeded`)
 *   and one of `RECOVERABLE_KAFKA_ERRORS` (also when kafkajs wrapped it) are transient, coded by the
 *   outer error's name (`KAFKA_CONNECTIONERROR`);
 * - any other kafkajs error is fatal, coded by its protocol error type when it has one
 *   (`KAFKA_TOPIC_AUTHORIZATION_FAILED`): retrying cannot help, the role stops.
 */
export function toKafkaError(e: unknown, what: string): Error {
  if (e instanceof BridgeError) return e;
  if (!(e instanceof Error)) return new Error(String(e));
  if (!/^KafkaJS/.test(e.name)) return e;
  const chain = causes(e);
  const type = chain.map((c) => (c as { type?: unknown }).type).find((t): t is string => typeof t === 'string');
  const retriable =
    (e as { retriable?: unknown }).retriable !== false ||
    chain.some((c) => c.name === 'KafkaJSNumberOfRetriesExceeded') ||
    (type !== undefined && RECOVERABLE_KAFKA_ERRORS.has(type));
  const message = `${what}: ${e.message}`;
  if (retriable) return new TransientError(`KAFKA_${e.name.replace(/^KafkaJS/, '').toUpperCase()}`, message, undefined, { cause: e });
  return new FatalError(`KAFKA_${type ?? e.name.replace(/^KafkaJS/, '').toUpperCase()}`, message, { cause: e });
}

/** The error and its causes, outermost first (kafkajs wraps errors it gives up on). */
function causes(e: Error): Error[] {
  const chain: Error[] = [];
  for (let c: unknown = e; c instanceof Error && chain.length < 5 && !chain.includes(c); c = c.cause) chain.push(c);
  return chain;
}
