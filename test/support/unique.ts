import { randomBytes } from 'node:crypto';

/** A name no other test (or earlier run) uses: `<prefix>-<hex>-<pid>`; valid as a topic, group or database name. */
export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}-${process.pid}`.replace(/[^A-Za-z0-9._-]/g, '-');
}
