import { PERSON_FIELDS, type LifecycleStatus, type Person } from '../tixngo/wire-schemas';

/**
 * The simulator's model of a TIXnGO ticket's V3 lifecycle (domain.md §2.4, §2.6): pure transitions
 * for the bridge's operations (inject, delete, control) and for the wallet-side changes a test
 * scripts (download, assign, transfer, activation, control at the gate, deletion confirmation).
 *
 * This is our reading of the documentation, not TIXnGO's code: see docs/tixngo-api.md §6.
 */

/** The part of a ticket's state that the change feed shows. */
export interface HolderState {
  readonly status: LifecycleStatus;
  readonly walletOwner: Person | null;
  readonly ticketHolder: Person | null;
  readonly previousOwner: Person | null;
  readonly transferRecipient: Person | null;
}

export const HOLDER_ACTIONS = [
  'download',
  'assign',
  'start-transfer',
  'transfer',
  'cancel-transfer',
  'activate',
  'control',
  'delete',
  'confirm-deletion',
] as const;
export type HolderAction = (typeof HOLDER_ACTIONS)[number];

export const ACTIVATION_METHODS = ['online', 'offline', 'manual', 'bt'] as const;
export type ActivationMethod = (typeof ACTIVATION_METHODS)[number];

export interface HolderActionInput {
  readonly action: HolderAction;
  readonly person?: Person | undefined;
  /** For `activate`: which `<METHOD>_ACTIVATED` status. Default `online`. */
  readonly activation?: ActivationMethod | undefined;
}

export type Transition =
  | { readonly ok: true; readonly next: HolderState; readonly changed: boolean }
  | { readonly ok: false; readonly errorCode: string; readonly message: string };

const ACTIVATED: readonly LifecycleStatus[] = ['ONLINE_ACTIVATED', 'OFFLINE_ACTIVATED', 'MANUAL_ACTIVATED', 'BT_ACTIVATED', 'ACTIVATED'];

/** Statuses in which the ticket is in someone's wallet and the owner may act on it. */
const IN_WALLET: readonly LifecycleStatus[] = ['DOWNLOADED', 'ASSIGNED', 'TRANSFERRED', 'FAILURE_TRANSFER', 'FAILURE', 'DEACTIVATED', ...ACTIVATED];

export function isDeletedStatus(s: LifecycleStatus): boolean {
  return s === 'DELETION_PENDING' || s === 'DELETED';
}

export const INITIAL_HOLDER_STATE: HolderState = {
  status: 'INJECTED',
  walletOwner: null,
  ticketHolder: null,
  previousOwner: null,
  transferRecipient: null,
};

/**
 * Injection is an upsert. A new ticket, or one that was deleted, starts over as INJECTED with no
 * owners; a live ticket keeps its status and owners (only its payload changes).
 */
export function afterInject(current: HolderState | undefined): Transition {
  if (current === undefined || isDeletedStatus(current.status)) {
    return { ok: true, next: INITIAL_HOLDER_STATE, changed: true };
  }
  return { ok: true, next: current, changed: false };
}

/** Delete from the bridge: DELETION_PENDING until a `confirm-deletion`; repeating it is harmless. */
export function afterDelete(current: HolderState | undefined): Transition {
  if (current === undefined) return notFound();
  if (isDeletedStatus(current.status)) return { ok: true, next: current, changed: false };
  return { ok: true, next: { ...current, status: 'DELETION_PENDING', transferRecipient: null }, changed: true };
}

/** Control from the bridge (or the gate): CONTROLLED; refused for deleted tickets; repeating it is harmless. */
export function afterControl(current: HolderState | undefined): Transition {
  if (current === undefined) return notFound();
  if (isDeletedStatus(current.status)) {
    return { ok: false, errorCode: 'TICKET_DELETED', message: `ticket is ${current.status}` };
  }
  if (current.status === 'CONTROLLED') return { ok: true, next: current, changed: false };
  return { ok: true, next: { ...current, status: 'CONTROLLED', transferRecipient: null }, changed: true };
}

/**
 * A wallet-side change scripted by a test. `spectator` is the person the ticket was injected to
 * (from `spectatorDetails`), used by `download` when no person is given.
 */
export function afterHolderAction(current: HolderState | undefined, input: HolderActionInput, spectator: Person | null): Transition {
  if (current === undefined) return notFound();
  const s = current.status;
  const refuse = (): Transition => ({
    ok: false,
    errorCode: 'INVALID_TRANSITION',
    message: `cannot ${input.action} a ticket in status ${s}`,
  });
  const needPerson = (): Transition => ({
    ok: false,
    errorCode: 'PERSON_REQUIRED',
    message: `${input.action} needs a person`,
  });

  switch (input.action) {
    case 'download':
      if (s !== 'INJECTED') return refuse();
      return moved(current, { status: 'DOWNLOADED', walletOwner: input.person ?? spectator ?? {} });
    case 'assign':
      if (!IN_WALLET.includes(s)) return refuse();
      if (!input.person) return needPerson();
      return moved(current, { status: 'ASSIGNED', ticketHolder: input.person });
    case 'start-transfer':
      if (!IN_WALLET.includes(s)) return refuse();
      if (!input.person) return needPerson();
      return moved(current, { status: 'PENDING_TRANSFER', transferRecipient: input.person });
    case 'transfer': {
      const recipient = input.person ?? (s === 'PENDING_TRANSFER' ? current.transferRecipient : undefined);
      if (s !== 'PENDING_TRANSFER' && !IN_WALLET.includes(s)) return refuse();
      if (!recipient) return needPerson();
      return moved(current, {
        status: 'TRANSFERRED',
        previousOwner: current.walletOwner,
        walletOwner: recipient,
        ticketHolder: null,
        transferRecipient: null,
      });
    }
    case 'cancel-transfer':
      if (s !== 'PENDING_TRANSFER') return refuse();
      return moved(current, { status: 'FAILURE_TRANSFER', transferRecipient: null });
    case 'activate': {
      if (s !== 'INJECTED' && !IN_WALLET.includes(s)) return refuse();
      const status = `${(input.activation ?? 'online').toUpperCase()}_ACTIVATED` as LifecycleStatus;
      return s === status ? { ok: true, next: current, changed: false } : moved(current, { status });
    }
    case 'control':
      return afterControl(current);
    case 'delete':
      return afterDelete(current);
    case 'confirm-deletion':
      if (s !== 'DELETION_PENDING') return refuse();
      return moved(current, { status: 'DELETED' });
  }
}

function moved(current: HolderState, change: Partial<HolderState>): Transition {
  return { ok: true, next: { ...current, ...change }, changed: true };
}

function notFound(): Transition {
  return { ok: false, errorCode: 'TICKET_NOT_FOUND', message: 'ticket was never injected' };
}

/**
 * The person an injected ticket is addressed to, read from its `spectatorDetails` (field names of
 * the feed's person object; `passportNumber` and `gender` are accepted as aliases).
 */
export function personFromSpectatorDetails(details: unknown): Person | null {
  if (details === null || typeof details !== 'object' || Array.isArray(details)) return null;
  const d = details as Record<string, unknown>;
  const person: Record<string, string> = {};
  for (const f of PERSON_FIELDS) if (typeof d[f] === 'string') person[f] = d[f];
  if (person.idNumber === undefined && typeof d.passportNumber === 'string') person.idNumber = d.passportNumber;
  if (person.title === undefined && typeof d.gender === 'string') person.title = d.gender;
  if (person.birthDate !== undefined) {
    // The feed carries a date only; a date-time in the payload keeps its date part.
    const day = /^(\d{4}-\d{2}-\d{2})/.exec(person.birthDate)?.[1];
    if (day === undefined) delete person.birthDate;
    else person.birthDate = day;
  }
  return Object.keys(person).length > 0 ? (person as Person) : null;
}
