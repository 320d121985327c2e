import { Binary } from 'mongodb';
import { decodeHolderDoc, encodeHolderDoc, holderStateId, storedHistory, type HolderDocument, type StoredHolderDocument } from './holder-store';
import { JSON_BINARY, jsonBinary, PACKED_JSON, packJson } from './mongo';

const at = (s: string) => new Date(`2030-06-01T${s}Z`);

const aState = (history: HolderDocument['history']): HolderDocument => ({
  _id: holderStateId('org', 'T-1'),
  organizerId: 'org',
  ticketId: 'T-1',
  status: 'PENDING_TRANSFER',
  version: 3,
  changedAt: at('10:02:00'),
  walletOwner: { firstName: 'Ann', email: 'ann@example.test' },
  ticketHolder: { firstName: 'Ann' },
  previousOwner: null,
  transferRecipient: { email: 'bob@example.test' },
  observedAt: at('10:02:05'),
  action: 'TRANSFER',
  eventId: 'EV-1',
  ...(history !== undefined ? { history } : {}),
});

const history = [
  { status: 'INJECTED', version: 1, changedAt: at('10:00:00'), action: 'INJECT' },
  { status: 'DOWNLOADED', version: 2, changedAt: at('10:01:00'), action: null },
  { status: 'PENDING_TRANSFER', version: 3, changedAt: at('10:02:00.123') },
];

/** A state as the version before stored it: the history as an array. */
const asStoredBefore = (s: HolderDocument) => s as unknown as StoredHolderDocument;

describe('store/holder-store: the stored form of a state', () => {
  it('stores the history as a JSON Binary beside its encoding, everything else as fields (the people too), and reads it back as it was', () => {
    const state = aState(history);
    const stored = encodeHolderDoc(state);
    expect(stored.history).toBeInstanceOf(Binary);
    expect(stored.historyEncoding).toBe(JSON_BINARY);
    // The people stay fields, as the version before reads them (its inject role takes the last holder from walletOwner).
    expect(stored).toMatchObject({
      walletOwner: state.walletOwner,
      ticketHolder: state.ticketHolder,
      previousOwner: null,
      transferRecipient: state.transferRecipient,
    });
    expect(Object.keys(stored).sort()).toEqual(
      [
        '_id',
        'action',
        'changedAt',
        'eventId',
        'history',
        'historyEncoding',
        'observedAt',
        'organizerId',
        'previousOwner',
        'status',
        'ticketHolder',
        'ticketId',
        'transferRecipient',
        'version',
        'walletOwner',
      ].sort(),
    );
    expect(decodeHolderDoc(stored)).toEqual(state);
    expect(storedHistory(stored)).toEqual(history);
  });

  it('reads a state stored by the version before (history an array) as it is', () => {
    const old = aState(history);
    expect(decodeHolderDoc(asStoredBefore(old))).toEqual(old);
    expect(storedHistory(old)).toEqual(history);
    // Before transfers were kept, a state had no transferRecipient: still none.
    const { transferRecipient: _r, ...older } = old;
    expect(decodeHolderDoc(asStoredBefore(older as HolderDocument))).toStrictEqual(older);
  });

  it('leaves a state without a history without one, in either form', () => {
    const none = aState(undefined);
    expect(encodeHolderDoc(none).history).toBeUndefined();
    expect(decodeHolderDoc(encodeHolderDoc(none))).toEqual(none);
    expect(decodeHolderDoc(asStoredBefore(none))).toEqual(none);
    expect(storedHistory({})).toBeUndefined();
  });

  it.each<[string, { history?: unknown; historyEncoding?: unknown }]>([
    ['an unknown encoding', { history: jsonBinary([]), historyEncoding: 'zstd' }],
    ['an encoding holder-sync never wrote for a history', { history: packJson([]), historyEncoding: PACKED_JSON }],
    ['a JSON encoding without a Binary', { history: [], historyEncoding: JSON_BINARY }],
    ['a Binary without an encoding', { history: jsonBinary([]) }],
    ['neither an array nor a Binary', { history: 'INJECTED' }],
  ])('refuses a history with %s instead of guessing', (_, doc) => {
    expect(() => storedHistory(doc)).toThrow(/unknown form/);
  });

  it('refuses a packed entry whose moment is not a date', () => {
    const doc = { history: jsonBinary([{ status: 'INJECTED', version: 1, changedAt: 'soon' }]), historyEncoding: JSON_BINARY };
    expect(() => storedHistory(doc)).toThrow(/changedAt/);
  });
});
