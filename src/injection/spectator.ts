import type { HolderPerson, HolderState } from '../store/holder-store';
import type { Beneficiary, Contact, TicketPrintedEligible } from './ticket-event';

/** Blank values never match: two holders without an e-mail are not the same person. */
const same = (a: string | null | undefined, b: string | null | undefined) => {
  const x = a?.trim().toLocaleLowerCase();
  const y = b?.trim().toLocaleLowerCase();
  return !!x && !!y && x === y;
};

/**
 * S-360's main-applicant rule: true only when the beneficiary's first name, last name and e-mail all
 * match the buyer's (case and surrounding spaces ignored). The cultural contact plays no part.
 */
export function isMainApplicant(beneficiary: Beneficiary | null, buyer: Contact): boolean {
  return !!beneficiary && same(beneficiary.firstName, buyer.firstName) && same(beneficiary.lastName, buyer.lastName) && same(beneficiary.email, buyer.email);
}

export type SpectatorSource = 'CULTURAL_CONTACT' | 'PURCHASER' | 'LAST_KNOWN_HOLDER';

export interface Spectator {
  readonly source: SpectatorSource;
  readonly title: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly email: string | null;
  readonly phone: string | null;
  readonly languageCode: string | null;
}

export interface AssigneeSettings {
  /** `overlaySpectatorDetailsWithLastOwner`: a reprinted ticket goes to its last known TIXnGO owner. */
  readonly overlayLastOwner: boolean;
  /** `resetInjectionInvalidationReasons`: after these invalidation reasons, inject to the cultural contact. */
  readonly resetInvalidationReasons: readonly string[];
}

/**
 * Who the ticket is injected to: the cultural contact, else the purchaser; but a reprinted ticket
 * goes to its last known owner from TIXnGO (as holder-sync stored it), unless overlaying is off or
 * the ticket was invalidated for a reason in the reset list.
 */
export function chooseSpectator(t: TicketPrintedEligible, holder: HolderState | undefined, s: AssigneeSettings): Spectator {
  const reprinted = t.reprintGeneration > 0;
  const reset = t.invalidationReason !== null && s.resetInvalidationReasons.includes(t.invalidationReason);
  if (reprinted && s.overlayLastOwner && !reset && holder?.walletOwner && hasIdentity(holder.walletOwner)) {
    return fromHolder(holder.walletOwner);
  }
  const c = t.culturalContact && hasIdentity(t.culturalContact) ? t.culturalContact : undefined;
  return fromContact(c ?? t.buyer, c ? 'CULTURAL_CONTACT' : 'PURCHASER');
}

function hasIdentity(p: { email?: string | null; lastName?: string | null }): boolean {
  return !!(p.email?.trim() || p.lastName?.trim());
}

function fromContact(c: Contact, source: SpectatorSource): Spectator {
  return { source, title: c.title, firstName: c.firstName, lastName: c.lastName, email: c.email, phone: c.phone, languageCode: c.languageCode };
}

function fromHolder(p: HolderPerson): Spectator {
  return {
    source: 'LAST_KNOWN_HOLDER',
    title: p.title ?? null,
    firstName: p.firstName ?? null,
    lastName: p.lastName ?? null,
    email: p.email ?? null,
    phone: p.phone ?? null,
    languageCode: p.languageCode ?? null,
  };
}
