import { EventEmitter } from 'node:events';
import type { MongoClient } from 'mongodb';
import { createMetrics } from '../ops/metrics';
import { countStoreCommands } from './command-metrics';

describe('store/command-metrics', () => {
  const setUp = () => {
    const client = new EventEmitter();
    const metrics = createMetrics();
    countStoreCommands(client as unknown as MongoClient, metrics);
    let id = 0;
    const run = (commandName: string, command: Record<string, unknown>, reply: unknown, failed = false) => {
      const requestId = ++id;
      client.emit('commandStarted', { requestId, commandName, command });
      client.emit(failed ? 'commandFailed' : 'commandSucceeded', { requestId, commandName, reply });
    };
    const value = async (name: string, labels: Record<string, string>) =>
      (await metrics.registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
    return { run, value };
  };

  it('counts round trips by command and collection, and the documents the replies say were written or read', async () => {
    const { run, value } = setUp();
    // An unordered insert that skipped two duplicates: the reply counts what it inserted.
    run('insert', { insert: 'ticket_ledger', documents: [1, 2, 3, 4, 5] }, { ok: 1, n: 3, writeErrors: [{}, {}] });
    run('update', { update: 'outbox_intents' }, { ok: 1, n: 2, nModified: 1, upserted: [{ _id: 'x' }] });
    run('delete', { delete: 'outbox_requests' }, { ok: 1, n: 1 });
    run('find', { find: 'ticket_ledger' }, { ok: 1, cursor: { id: 7, firstBatch: [{}, {}] } });
    run('getMore', { getMore: 7, collection: 'ticket_ledger' }, { ok: 1, cursor: { id: 0, nextBatch: [{}] } });
    run('insert', { insert: 'ticket_trace' }, undefined, true);

    expect(await value('tixngo_bridge_store_commands_total', { command: 'insert', collection: 'ticket_ledger' })).toBe(1);
    expect(await value('tixngo_bridge_store_commands_total', { command: 'getMore', collection: 'ticket_ledger' })).toBe(1);
    expect(await value('tixngo_bridge_store_commands_total', { command: 'insert', collection: 'ticket_trace' })).toBe(1);
    expect(await value('tixngo_bridge_store_documents_written_total', { collection: 'ticket_ledger', operation: 'insert' })).toBe(3);
    expect(await value('tixngo_bridge_store_documents_written_total', { collection: 'outbox_intents', operation: 'update' })).toBe(2);
    expect(await value('tixngo_bridge_store_documents_written_total', { collection: 'outbox_requests', operation: 'delete' })).toBe(1);
    expect(await value('tixngo_bridge_store_documents_written_total', { collection: 'ticket_trace' })).toBe(0);
    expect(await value('tixngo_bridge_store_documents_read_total', { collection: 'ticket_ledger' })).toBe(3);
  });
});
