import type { OrganizationConfig, Organizations } from './load-config';
import { OrganizationRouter } from './organizations';

/** The skip reason of a record whose organization the release does not serve. */
export const ORGANIZATION_NOT_SERVED = 'ORGANIZATION_NOT_SERVED';

/**
 * A role's rules per organization, built once at start from each organization's settings and looked up
 * by the S-360 organization code of each record.
 */
export class OrganizationRules<R> {
  private readonly router: OrganizationRouter;
  private readonly rules = new Map<OrganizationConfig, R>();

  constructor(organizations: Organizations, build: (o: OrganizationConfig) => R) {
    this.router = new OrganizationRouter(organizations);
    for (const o of organizations.entries) this.rules.set(o, build(o));
  }

  /** The rules for this organization; undefined when the release does not serve it. */
  of(code: string): R | undefined {
    const o = this.router.of(code);
    return o ? this.rules.get(o) : undefined;
  }

  /** The role's selection for a record of `code`: `ORGANIZATION_NOT_SERVED` first, then the organization's own. */
  select(code: string, select: (rules: R) => string | undefined): string | undefined {
    const r = this.of(code);
    return r === undefined ? ORGANIZATION_NOT_SERVED : select(r);
  }

  route<T>(code: string, route: (rules: R) => T): T | undefined {
    const r = this.of(code);
    return r === undefined ? undefined : route(r);
  }
}
