import type { Kafka } from 'kafkajs';
import type { Config } from '../config/load-config';
import { KafkaAdmin } from '../kafka/admin';
import { createKafka } from '../kafka/kafka-client';
import type { Logger } from '../ops/logger';
import { connectMongo, type MongoConnection } from '../store/mongo';
import { FatalError } from '../shared/errors';

/** Where a command writes: results to stdout, notes and progress to stderr. */
export interface Output {
  /** One line of the command's result (stdout). */
  line(text?: string): void;
  /** A note, warning or error for the operator (stderr). */
  note(text: string): void;
  /** A progress line that replaces the previous one; only shown on a terminal. */
  progress(text: string): void;
  /** Ends a progress line (so the next output starts on a fresh line). */
  endProgress(): void;
}

export function processOutput(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Output {
  let progressShown = false;
  const endProgress = () => {
    if (progressShown) stderr.write('\n');
    progressShown = false;
  };
  return {
    line: (text = '') => {
      endProgress();
      stdout.write(`${text}\n`);
    },
    note: (text) => {
      endProgress();
      stderr.write(`${text}\n`);
    },
    progress: (text) => {
      if (!stderr.isTTY) return;
      stderr.write(`\r\x1b[2K${text}`);
      progressShown = true;
    },
    endProgress,
  };
}

/**
 * The connections a command opens, lazily and once, and closes at the end. Kafka requests are
 * retried a few times only: a support command answers within seconds or says what is wrong.
 */
export class CliRuntime {
  private kafkaClient: Kafka | undefined;
  private adminClient: Promise<KafkaAdmin> | undefined;
  private mongoConnection: Promise<MongoConnection> | undefined;

  constructor(
    readonly config: Config,
    readonly log: Logger,
    readonly out: Output,
    /** kafkajs' own log lines (connection errors, retries): off unless LOG_LEVEL is set; commands report failures themselves. */
    private readonly opts: { kafkaLogs: boolean } = { kafkaLogs: false },
  ) {}

  kafka(): Kafka {
    this.kafkaClient ??= createKafka(this.config.kafka, this.opts.kafkaLogs ? this.log : this.log.child({}, { level: 'silent' }), { retries: 3 });
    return this.kafkaClient;
  }

  admin(): Promise<KafkaAdmin> {
    this.adminClient ??= KafkaAdmin.connect(this.kafka());
    return this.adminClient;
  }

  mongo(): Promise<MongoConnection> {
    this.mongoConnection ??= connectMongo({ ...this.config.mongo, appName: 'tixngo-bridge-cli' });
    return this.mongoConnection;
  }

  async close(): Promise<void> {
    const admin = this.adminClient;
    const mongo = this.mongoConnection;
    this.adminClient = undefined;
    this.mongoConnection = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
    await mongo?.then((m) => m.close()).catch(() => undefined);
  }
}

/** A command's refusal or failure, said in plain words; exit code 1. */
export class CliFailure extends FatalError {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super('CLI_FAILURE', message);
  }
}
