/**
 * CLI of the Schema Registry TEST DOUBLE (see registry.ts), as scripts/stack.sh runs it:
 *   npx tsx test/support/schema-registry/main.ts --host 127.0.0.1 --port 8081 --data .stack/registry/schemas.json
 * `--data` is optional (in-memory when absent); with it, ids and versions survive a restart.
 * `--compatibility <LEVEL>` sets the initial global level (default BACKWARD) of a new data file.
 */
import { parseArgs } from 'node:util';
import { createSchemaRegistry, isCompatibilityLevel, type CompatibilityLevel } from './registry';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8081' },
      data: { type: 'string' },
      compatibility: { type: 'string', default: 'BACKWARD' },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${values.port}`);
  const level = values.compatibility?.toUpperCase();
  if (!isCompatibilityLevel(level)) throw new Error(`--compatibility: unknown level ${values.compatibility}`);

  const registry = createSchemaRegistry({
    ...(values.data ? { dataFile: values.data } : {}),
    defaultCompatibility: level as CompatibilityLevel,
  });
  const url = await registry.listen(port, values.host);
  process.stdout.write(
    `schema registry test double listening on ${url} (data: ${values.data ?? 'in memory'}, ` +
      `${Object.keys(registry.state.subjects).length} subjects, next id ${registry.state.nextId})\n`,
  );

  const stop = (signal: string) => {
    process.stdout.write(`schema registry test double stopping on ${signal}\n`);
    registry.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`schema registry test double failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
