import {
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  logLevel,
} from 'kafkajs';
import { BridgeError, PoisonMessageError } from '../shared/errors';
import { kafkaLogLevel, PASSING_BROKER_STATES, toKafkaError } from './kafka-client';

/** A protocol error as kafkajs builds it from a broker's error code (its own table decides `retriable`). */
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as { createErrorFromCode(code: number): Error };
const protocol = (code: number) => new KafkaJSProtocolError(createErrorFromCode(code));
/** What kafkajs' retrier throws when it meets an error it must not retry. */
const gaveUp = (e: Error) => new (KafkaJSNonRetriableError as new (e: Error, opts: { cause: Error }) => Error)(e, { cause: e });
/** What it throws when its own retries of a retriable error ran out. */
const ranOut = (e: Error) => new KafkaJSNumberOfRetriesExceeded(e, { retryCount: 8, retryTime: 30_000 } as never);

describe('kafka-client', () => {
  describe('kafkaLogLevel', () => {
    const response = 'Response GroupCoordinator(key: 10, version: 2)';

    it.each([
      ['the group coordinator loading', logLevel.ERROR, response, PASSING_BROKER_STATES.GROUP_LOAD_IN_PROGRESS, 'debug'],
      ['no group coordinator yet', logLevel.ERROR, response, PASSING_BROKER_STATES.GROUP_COORDINATOR_NOT_AVAILABLE, 'debug'],
      ['asking the wrong coordinator', logLevel.ERROR, response, PASSING_BROKER_STATES.NOT_COORDINATOR_FOR_GROUP, 'debug'],
      ['a leader election', logLevel.ERROR, 'Response Metadata(key: 3, version: 6)', PASSING_BROKER_STATES.LEADER_NOT_AVAILABLE, 'debug'],
      ['a rebalance', logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', PASSING_BROKER_STATES.REBALANCE_IN_PROGRESS, 'debug'],
      ['an authentication failure', logLevel.ERROR, 'Response SaslAuthenticate(key: 36, version: 1)', 'Authentication failed', 'error'],
      ['a crash', logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded: connect ECONNREFUSED', undefined, 'error'],
      ['a warning', logLevel.WARN, 'Connection timeout', undefined, 'warn'],
      ['info', logLevel.INFO, 'Starting', undefined, 'debug'],
      ['the idempotent producer retry limit', logLevel.WARN, 'Limiting retries for the idempotent producer to Number.MAX_SAFE_INTEGER', undefined, 'debug'],
    ])('writes %s at the right level', (_what, level, message, error, expected) => {
      expect(kafkaLogLevel(level, message, error === undefined ? {} : { error })).toBe(expected);
    });

    it("names the messages of kafkajs' own error table, so a kafkajs upgrade that changes them fails here", () => {
      // kafkajs exports no types for its error table; it is read here only to check the copy above.
      const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: { type: string; message: string }[] };
      const table = Object.fromEntries(errorCodes.map((e) => [e.type, e.message]));
      for (const [type, message] of Object.entries(PASSING_BROKER_STATES)) expect({ type, message }).toEqual({ type, message: table[type] });
    });
  });

  describe('toKafkaError', () => {
    it.each<[string, 'transient' | 'fatal', string, Error]>([
      ['a connection error', 'transient', 'KAFKA_CONNECTIONERROR', new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')],
      ['a request timeout', 'transient', 'KAFKA_REQUESTTIMEOUTERROR', new KafkaJSRequestTimeoutError('Request Metadata(key: 3, version: 6) timed out')],
      ['a plain kafkajs error (retriable by default)', 'transient', 'KAFKA_ERROR', new KafkaJSError('Not connected')],
      ['a retriable protocol error (LEADER_NOT_AVAILABLE)', 'transient', 'KAFKA_PROTOCOLERROR', protocol(5)],
      ['a retriable protocol error (NOT_COORDINATOR)', 'transient', 'KAFKA_PROTOCOLERROR', protocol(16)],
      ["kafkajs' own retries ran out", 'transient', 'KAFKA_NUMBEROFRETRIESEXCEEDED', ranOut(new KafkaJSConnectionError('down'))],
      ['a rebalance under way at commit (not retriable for kafkajs)', 'transient', 'KAFKA_PROTOCOLERROR', protocol(27)],
      ['an illegal generation after a rebalance', 'transient', 'KAFKA_PROTOCOLERROR', protocol(22)],
      ['an unknown member id, wrapped by the retrier', 'transient', 'KAFKA_NONRETRIABLEERROR', gaveUp(protocol(25))],
      ['a broker not available', 'transient', 'KAFKA_PROTOCOLERROR', protocol(8)],
      ['an out-of-order sequence of the idempotent producer', 'transient', 'KAFKA_PROTOCOLERROR', protocol(45)],
      ['a topic authorization failure', 'fatal', 'KAFKA_TOPIC_AUTHORIZATION_FAILED', protocol(29)],
      ['a group authorization failure, wrapped by the retrier', 'fatal', 'KAFKA_GROUP_AUTHORIZATION_FAILED', gaveUp(protocol(30))],
      ['a SASL authentication failure', 'fatal', 'KAFKA_SASL_AUTHENTICATION_FAILED', protocol(58)],
      ['a message too large', 'fatal', 'KAFKA_MESSAGE_TOO_LARGE', protocol(10)],
      ['an unsupported version', 'fatal', 'KAFKA_UNSUPPORTED_VERSION', protocol(35)],
      ['a refused argument', 'fatal', 'KAFKA_NONRETRIABLEERROR', new KafkaJSNonRetriableError('Invalid topic undefined')],
    ])('%s: %s, coded %s', (_, kind, code, error) => {
      const converted = toKafkaError(error, 'offset commit failed');
      expect(converted).toBeInstanceOf(BridgeError);
      expect({ kind: (converted as BridgeError).kind, code: (converted as BridgeError).code }).toEqual({ kind, code });
      expect(converted.message).toBe(`offset commit failed: ${error.message}`);
      expect(converted.cause).toBe(error);
    });

    it.each([
      ['a bug', new TypeError('x is undefined')],
      ['an error of the taxonomy, thrown by our own handler', new PoisonMessageError('AVRO_DECODE', 'bad bytes')],
    ])('leaves %s as it is', (_, error) => {
      expect(toKafkaError(error, 'reading t')).toBe(error);
    });

    it('wraps what is not an Error', () => {
      expect(toKafkaError('boom', 'x')).toEqual(new Error('boom'));
    });
  });
});
