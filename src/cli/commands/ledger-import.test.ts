import { loadCliConfig } from '../cli-config';
import { CliFailure } from '../runtime';
import { importRules } from './ledger-import';

const NOW = new Date('2026-12-01T12:00:00Z');
const env = (organizations: Record<string, string>) => ({ MONGODB_URI: 'mongodb://db:27017', ...organizations });
const organizationsOf = (settings: Record<string, string>) => loadCliConfig(env(settings), { needs: ['mongo', 'organizations'] }).organizations;

function refusal(f: () => unknown): { message: string; exitCode: number } | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof CliFailure) return { message: e.message, exitCode: e.exitCode };
    throw e;
  }
  return undefined;
}

describe('cli/commands/ledger-import', () => {
  describe('importRules', () => {
    it('one organization: the default for lines without one; others are not served', () => {
      const rules = importRules(organizationsOf({ BRIDGE_ORGANIZATIONS: 'ORG1' }), undefined, NOW);
      expect(rules.defaultOrganization).toBe('ORG1');
      expect(rules.refuseOrganization('ORG1')).toBeUndefined();
      expect(rules.refuseOrganization('ORG2')).toBe('an organization this release does not serve');
    });

    it('several organizations: no default unless --organization names one of them', () => {
      const organizations = organizationsOf({ BRIDGE_ORGANIZATIONS: 'ORG1,ORG2' });
      expect(importRules(organizations, undefined, NOW).defaultOrganization).toBeUndefined();
      expect(importRules(organizations, 'ORG2', NOW).defaultOrganization).toBe('ORG2');
      expect(importRules(organizations, 'ORG2', NOW).refuseOrganization('ORG1')).toBeUndefined();
      expect(refusal(() => importRules(organizations, 'ORG3', NOW))).toEqual({
        message: '--organization ORG3: this release does not serve it (it serves ORG1, ORG2)',
        exitCode: 2,
      });
    });

    it('BRIDGE_ORGANIZATIONS=*: --organization is required, and lines may only name that one', () => {
      const organizations = organizationsOf({ BRIDGE_ORGANIZATIONS: '*' });
      expect(refusal(() => importRules(organizations, undefined, NOW))).toMatchObject({
        exitCode: 2,
        message: expect.stringContaining('--organization <code> is required'),
      });
      const rules = importRules(organizations, 'ORG7', NOW);
      expect(rules.defaultOrganization).toBe('ORG7');
      expect(rules.refuseOrganization('ORG7')).toBeUndefined();
      expect(rules.refuseOrganization('ORG8')).toContain('not ORG7');
    });
  });
});
