import type { HolderDocument } from '../store/holder-store';
import type { HolderRecord } from './feed-record';

/** Builders for unit tables: a raw change-feed record as TIXnGO sends it, and a parsed one. Names are made up. */

export function aRawFeedRecord(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ticketId: 'T-1',
    status: 'DOWNLOADED',
    version: 2,
    updatedAt: '2030-06-01T10:00:00.000Z',
    action: 'DOWNLOAD',
    eventId: 'EV-1',
    walletOwner: { id: 'p-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.test', birthDate: '1990-12-10' },
    ticketHolder: null,
    previousOwner: null,
    transferRecipient: null,
    ...over,
  };
}

const at = (minute: number) => new Date(Date.UTC(2030, 5, 1, 10, minute));

/** A parsed record of ticket `T-1`; `version` n changed at 10:0n unless said otherwise. */
export function aHolderRecord(over: Partial<HolderRecord> = {}): HolderRecord {
  const version = over.version ?? 1;
  return {
    ticketId: 'T-1',
    status: 'INJECTED',
    version,
    changedAt: at(version),
    walletOwner: null,
    ticketHolder: null,
    previousOwner: null,
    transferRecipient: null,
    action: null,
    eventId: null,
    ...over,
  };
}

/** A stored state of organizer `org-1`'s ticket `T-1` at `version` (changed at 10:0v), with its history. */
export function aStoredState(version: number, over: Partial<HolderDocument> = {}): HolderDocument {
  return {
    _id: 'org-1:T-1',
    organizerId: 'org-1',
    ticketId: 'T-1',
    status: 'DOWNLOADED',
    version,
    changedAt: at(version),
    walletOwner: { email: 'ada@example.test' },
    ticketHolder: null,
    previousOwner: null,
    observedAt: at(30),
    history: Array.from({ length: version }, (_, i) => ({ status: i === 0 ? 'INJECTED' : 'DOWNLOADED', version: i + 1, changedAt: at(i + 1) })),
    ...over,
  };
}
