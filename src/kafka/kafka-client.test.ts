import { logLevel } from 'kafkajs';
import { kafkaLogLevel, PASSING_BROKER_STATES } from './kafka-client';

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

    it('names the messages of kafkajs\' own error table, so a kafkajs upgrade that changes them fails here', () => {
      // kafkajs exports no types for its error table; it is read here only to check the copy above.
      const { errorCodes } = require('kafkajs/src/protocol/error') as { errorCodes: { type: string; message: string }[] };
      const table = Object.fromEntries(errorCodes.map((e) => [e.type, e.message]));
      for (const [type, message] of Object.entries(PASSING_BROKER_STATES)) expect({ type, message }).toEqual({ type, message: table[type] });
    });
  });
});
