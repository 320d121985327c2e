import type { LifecycleStatus, Person } from '../tixngo/wire-schemas';
import {
  afterControl,
  afterDelete,
  afterHolderAction,
  afterInject,
  type HolderAction,
  type HolderState,
  INITIAL_HOLDER_STATE,
  personFromSpectatorDetails,
} from './lifecycle';

const ada: Person = { id: 'p-ada', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.org' };
const grace: Person = { id: 'p-grace', firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.org' };
const alan: Person = { id: 'p-alan', firstName: 'Alan', lastName: 'Turing' };

function inStatus(status: LifecycleStatus, over: Partial<HolderState> = {}): HolderState {
  return { ...INITIAL_HOLDER_STATE, status, ...(status === 'INJECTED' ? {} : { walletOwner: ada }), ...over };
}

describe('lifecycle', () => {
  describe('afterInject', () => {
    it.each<[string, HolderState | undefined, LifecycleStatus, boolean]>([
      ['a new ticket', undefined, 'INJECTED', true],
      ['a deleted ticket (starts over)', inStatus('DELETED'), 'INJECTED', true],
      ['a ticket pending deletion (starts over)', inStatus('DELETION_PENDING'), 'INJECTED', true],
      ['a downloaded ticket (payload update only)', inStatus('DOWNLOADED'), 'DOWNLOADED', false],
      ['a controlled ticket (payload update only)', inStatus('CONTROLLED'), 'CONTROLLED', false],
    ])('upserts %s', (_name, current, status, changed) => {
      const t = afterInject(current);
      expect(t).toMatchObject({ ok: true, changed, next: { status } });
    });

    it('clears the owners of a ticket that starts over', () => {
      const t = afterInject(inStatus('DELETED', { previousOwner: grace }));
      expect(t).toEqual({ ok: true, changed: true, next: INITIAL_HOLDER_STATE });
    });
  });

  describe('afterDelete', () => {
    it.each<[HolderState | undefined, object]>([
      [undefined, { ok: false, errorCode: 'TICKET_NOT_FOUND' }],
      [inStatus('INJECTED'), { ok: true, changed: true, next: { status: 'DELETION_PENDING' } }],
      [inStatus('TRANSFERRED'), { ok: true, changed: true, next: { status: 'DELETION_PENDING', walletOwner: ada } }],
      [inStatus('CONTROLLED'), { ok: true, changed: true, next: { status: 'DELETION_PENDING' } }],
      [inStatus('DELETION_PENDING'), { ok: true, changed: false, next: { status: 'DELETION_PENDING' } }],
      [inStatus('DELETED'), { ok: true, changed: false, next: { status: 'DELETED' } }],
    ])('from %j gives %j', (current, expected) => {
      expect(afterDelete(current)).toMatchObject(expected);
    });
  });

  describe('afterControl', () => {
    it.each<[HolderState | undefined, object]>([
      [undefined, { ok: false, errorCode: 'TICKET_NOT_FOUND' }],
      [inStatus('INJECTED'), { ok: true, changed: true, next: { status: 'CONTROLLED' } }],
      [inStatus('ONLINE_ACTIVATED'), { ok: true, changed: true, next: { status: 'CONTROLLED' } }],
      [inStatus('CONTROLLED'), { ok: true, changed: false }],
      [inStatus('DELETION_PENDING'), { ok: false, errorCode: 'TICKET_DELETED' }],
      [inStatus('DELETED'), { ok: false, errorCode: 'TICKET_DELETED' }],
    ])('from %j gives %j', (current, expected) => {
      expect(afterControl(current)).toMatchObject(expected);
    });
  });

  describe('afterHolderAction', () => {
    it.each<[HolderAction, HolderState, Person | undefined, Partial<HolderState>]>([
      ['download', inStatus('INJECTED'), grace, { status: 'DOWNLOADED', walletOwner: grace }],
      ['download', inStatus('INJECTED'), undefined, { status: 'DOWNLOADED', walletOwner: alan }],
      ['assign', inStatus('DOWNLOADED'), grace, { status: 'ASSIGNED', walletOwner: ada, ticketHolder: grace }],
      [
        'start-transfer',
        inStatus('ASSIGNED'),
        { email: 'grace@example.org' },
        { status: 'PENDING_TRANSFER', transferRecipient: { email: 'grace@example.org' } },
      ],
      [
        'transfer',
        inStatus('PENDING_TRANSFER', { transferRecipient: grace }),
        undefined,
        { status: 'TRANSFERRED', walletOwner: grace, previousOwner: ada, transferRecipient: null },
      ],
      [
        'transfer',
        inStatus('DOWNLOADED', { ticketHolder: alan }),
        grace,
        { status: 'TRANSFERRED', walletOwner: grace, previousOwner: ada, ticketHolder: null },
      ],
      [
        'cancel-transfer',
        inStatus('PENDING_TRANSFER', { transferRecipient: grace }),
        undefined,
        { status: 'FAILURE_TRANSFER', walletOwner: ada, transferRecipient: null },
      ],
      ['activate', inStatus('DOWNLOADED'), undefined, { status: 'ONLINE_ACTIVATED' }],
      ['control', inStatus('BT_ACTIVATED'), undefined, { status: 'CONTROLLED' }],
      ['delete', inStatus('DOWNLOADED'), undefined, { status: 'DELETION_PENDING' }],
      ['confirm-deletion', inStatus('DELETION_PENDING'), undefined, { status: 'DELETED', walletOwner: ada }],
    ])('%s from %j with %j moves to %j', (action, current, person, expected) => {
      const t = afterHolderAction(current, { action, person }, alan);
      expect(t).toMatchObject({ ok: true, changed: true, next: expected });
    });

    it.each(['offline', 'manual', 'bt'] as const)('activates with method %s', (activation) => {
      const t = afterHolderAction(inStatus('TRANSFERRED'), { action: 'activate', activation }, null);
      expect(t).toMatchObject({ ok: true, next: { status: `${activation.toUpperCase()}_ACTIVATED` } });
    });

    it.each<[HolderAction, LifecycleStatus, string]>([
      ['download', 'DOWNLOADED', 'INVALID_TRANSITION'],
      ['assign', 'INJECTED', 'INVALID_TRANSITION'],
      ['transfer', 'CONTROLLED', 'INVALID_TRANSITION'],
      ['start-transfer', 'DELETED', 'INVALID_TRANSITION'],
      ['cancel-transfer', 'DOWNLOADED', 'INVALID_TRANSITION'],
      ['activate', 'DELETION_PENDING', 'INVALID_TRANSITION'],
      ['confirm-deletion', 'CONTROLLED', 'INVALID_TRANSITION'],
      ['control', 'DELETED', 'TICKET_DELETED'],
      ['assign', 'DOWNLOADED', 'PERSON_REQUIRED'],
      ['transfer', 'DOWNLOADED', 'PERSON_REQUIRED'],
    ])('refuses %s from %s with %s', (action, status, errorCode) => {
      expect(afterHolderAction(inStatus(status), { action }, null)).toMatchObject({ ok: false, errorCode });
    });

    it('refuses any action on a ticket never injected', () => {
      expect(afterHolderAction(undefined, { action: 'download' }, null)).toMatchObject({ ok: false, errorCode: 'TICKET_NOT_FOUND' });
    });

    it('reports no change when activating twice the same way', () => {
      expect(afterHolderAction(inStatus('ONLINE_ACTIVATED'), { action: 'activate' }, null)).toMatchObject({ ok: true, changed: false });
    });
  });

  describe('personFromSpectatorDetails', () => {
    it.each<[string, unknown, Person | null]>([
      [
        'known fields',
        { firstName: 'Ada', lastName: 'Lovelace', email: 'a@x.org', mainApplicant: true },
        { firstName: 'Ada', lastName: 'Lovelace', email: 'a@x.org' },
      ],
      ['aliases', { passportNumber: 'P1', gender: 'F' }, { idNumber: 'P1', title: 'F' }],
      ['a birth date-time cut to its date', { birthDate: '1815-12-10T00:00:00Z' }, { birthDate: '1815-12-10' }],
      ['a birth date that is no date dropped', { lastName: 'L', birthDate: '10/12/1815' }, { lastName: 'L' }],
      ['nothing usable', { mainApplicant: true }, null],
      ['not an object', 'Ada', null],
    ])('reads %s', (_name, details, expected) => {
      expect(personFromSpectatorDetails(details)).toEqual(expected);
    });
  });
});
