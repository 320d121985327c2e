import { startBridge } from './app';
import { loadConfig } from './config/load-config';
import { createLogger } from './ops/logger';
import { ConfigError, toSafeError } from './shared/errors';

/**
 * Process entry: `node dist/main.js [role]`. The only place that reads `process.env` and calls
 * `process.exit`. Exit codes: 0 after a graceful stop, 1 when a role failed, 2 for bad configuration.
 */
async function main(): Promise<void> {
  const roleArg = process.argv[2];
  let config;
  try {
    config = loadConfig(roleArg ? { ...process.env, BRIDGE_ROLE: roleArg } : process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`tixngo-bridge: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
  const log = createLogger({ level: config.log.level });
  let stopping: { code: number } | undefined;
  const shutdown = (code: number, why: string) => {
    if (stopping) {
      // A second signal while stopping: leave now (Kubernetes sends SIGKILL after its grace period anyway).
      if (why.startsWith('SIG')) {
        log.warn({ why }, 'stopping again: leaving without waiting');
        process.exit(stopping.code);
      }
      return;
    }
    stopping = { code };
    log.info({ why }, 'stopping');
    // Whatever hangs (a client that does not disconnect, a batch that ignores its deadline), the process
    // leaves: a role that stopped must not stay behind as a zombie that looks alive.
    setTimeout(() => {
      log.error({ code }, 'stop did not finish in time; leaving');
      process.exit(code);
    }, config.shutdown.drainDeadlineMs + 10_000).unref();
    void bridge
      .then((b) => b.stop())
      .catch((e) => log.error({ error: toSafeError(e) }, 'stop failed'))
      .finally(() => {
        log.info({ code }, 'stopped');
        process.exit(code);
      });
  };
  const bridge = startBridge(config, log, (e) => shutdown(1, `fatal: ${e.name}`));
  process.on('SIGTERM', () => shutdown(0, 'SIGTERM'));
  process.on('SIGINT', () => shutdown(0, 'SIGINT'));
  try {
    const b = await bridge;
    log.info({ roles: config.roles, opsPort: b.opsPort }, 'bridge started');
  } catch (e) {
    if (e instanceof ConfigError) {
      // Settings only a role can check (e.g. the ticket template) fail here, still as bad configuration.
      process.stderr.write(`tixngo-bridge: ${e.message}\n`);
      process.exit(2);
    }
    log.fatal({ error: toSafeError(e) }, 'bridge failed to start');
    process.exit(1);
  }
}

void main();
