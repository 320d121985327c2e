/**
 * Jest globalTeardown of the `integration` project: stops what global-setup.ts started (containers). Services that
 * came from KAFKA_BROKERS / SCHEMA_REGISTRY_URL / MONGODB_URI were not started by the tests and are left running
 * (`scripts/stack.sh down` stops the local stack).
 */
import { STARTED_STACK_KEY, stopStarted, type GlobalWithStack } from './global-setup';

export async function globalTeardown(): Promise<void> {
  const holder = globalThis as GlobalWithStack;
  await stopStarted(holder[STARTED_STACK_KEY]);
  delete holder[STARTED_STACK_KEY];
}

/** Jest loads globalTeardown as a module whose default export is the function. */
export default globalTeardown;
