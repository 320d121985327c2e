import type { OrganizationConfig, Organizations, TixngoSettings } from '../config/load-config';
import { OrganizationRouter } from '../config/organizations';
import { AxiosTixngoApi } from './axios-tixngo-api';
import type { TixngoApi } from './tixngo-api';

/**
 * One TIXnGO client per organization entry (each its own URL and API key), found by the S-360
 * organization code of a ticket: a ticket only ever goes to its own organization's account.
 */
export class TixngoAccounts {
  private readonly router: OrganizationRouter;
  private readonly clients = new Map<OrganizationConfig, TixngoApi & { close?(): void }>();

  constructor(organizations: Organizations, create: (s: TixngoSettings) => TixngoApi & { close?(): void } = (s) => new AxiosTixngoApi(s)) {
    this.router = new OrganizationRouter(organizations);
    for (const o of organizations.entries) this.clients.set(o, create(o.tixngo));
  }

  /** The account of the organization `code`; undefined when the release does not serve it. */
  account(code: string): { readonly tixngo: TixngoApi; readonly maxRequestBytes: number } | undefined {
    const o = this.router.of(code);
    return o ? { tixngo: this.clients.get(o)!, maxRequestBytes: o.tixngo.maxRequestBytes } : undefined;
  }

  /** Every organization entry with its client (doctor checks each account). */
  entries(): { readonly organization: OrganizationConfig; readonly tixngo: TixngoApi }[] {
    return [...this.clients].map(([organization, tixngo]) => ({ organization, tixngo }));
  }

  close(): void {
    for (const c of this.clients.values()) c.close?.();
  }
}
