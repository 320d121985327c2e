import { CliFailure } from '../cli/runtime';
import { RegistryRequestError } from '../kafka/registry-rest';
import { SchemaNotRegisteredError } from '../kafka/avro-codec';
import { DlqLimitExceeded } from '../pipeline/engine';
import { AbortedError, BridgeError, ConfigError, errorCode, FatalError, PoisonMessageError, RejectedError, TransientError, type ErrorKind } from './errors';

describe('errors: one taxonomy', () => {
  it.each<[string, Error, ErrorKind, string]>([
    ['a dependency away', new TransientError('TIXNGO_HTTP_503', 'x'), 'transient', 'TransientError'],
    ['tickets refused', new RejectedError('TIXNGO_HTTP_422', 'x', ['T1']), 'rejected', 'RejectedError'],
    ['a record that can never be processed', new PoisonMessageError('AVRO_DECODE', 'x'), 'poison', 'PoisonMessageError'],
    ['a bad setting', new ConfigError([{ key: 'K', problem: 'p' }]), 'config', 'ConfigError'],
    ['the dead-letter limit', new DlqLimitExceeded('10 in a row'), 'fatal', 'DlqLimitExceeded'],
    ['an output schema not registered', new SchemaNotRegisteredError('x'), 'fatal', 'SchemaNotRegisteredError'],
    ['a stop on purpose', new AbortedError('PIPELINE_STOPPED', 'stopped'), 'aborted', 'AbortedError'],
    ["a support command's refusal", new CliFailure('x', 2), 'fatal', 'CliFailure'],
    ['an unexpected registry answer', new RegistryRequestError(500, 'x'), 'fatal', 'RegistryRequestError'],
  ])('%s is a BridgeError of kind %s, named %s', (_, error, kind, name) => {
    expect(error).toBeInstanceOf(BridgeError);
    expect((error as BridgeError).kind).toBe(kind);
    expect(error.name).toBe(name);
  });

  it.each<[string, Error, string]>([
    ['the code of a bridge error', new DlqLimitExceeded('x'), 'DLQ_LIMIT_EXCEEDED'],
    ['the code of a fatal error', new FatalError('KAFKA_TOPIC_AUTHORIZATION_FAILED', 'x'), 'KAFKA_TOPIC_AUTHORIZATION_FAILED'],
    ['the name of a bug', new TypeError('x'), 'TypeError'],
    ['the name of a foreign error, whatever its code', Object.assign(new Error('x'), { code: 'ECONNRESET' }), 'Error'],
  ])('errorCode is %s', (_, error, code) => {
    expect(errorCode(error)).toBe(code);
  });
});
