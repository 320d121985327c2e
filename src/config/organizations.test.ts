import { ConfigError } from '../shared/errors';
import { loadConfig, type ReadFile } from './load-config';
import { OrganizationRouter } from './organizations';

const BASE: Record<string, string> = {
  BRIDGE_ROLE: 'inject,cancel',
  KAFKA_BROKERS: 'localhost:9092',
  SCHEMA_REGISTRY_URL: 'http://localhost:8081',
  MONGODB_URI: 'mongodb://localhost:27017',
  INJECT_SALES_CHANNEL_CODE: 'WEB',
  INJECT_POS_CODE: 'POS-DEFAULT',
  CANCEL_SHIPMENT_MODES: 'MOBILE',
};
const ACCOUNT = { TIXNGO_BASE_URL: 'https://tixngo.test/v3', TIXNGO_API_KEY: 'key-of-the-account' };

const FILE = '/etc/tixngo-bridge/organizations/organizations.yaml';
const files =
  (text: string): ReadFile =>
  (path) => {
    if (path !== FILE) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return text;
  };
const TWO = `
organizations:
  - codes: [ORG_A]
    settings:
      TIXNGO_BASE_URL: https://a.tixngo.test/v3
      TIXNGO_API_KEY: secret-key-of-a
      HOLDER_SYNC_ORGANIZER_ID: organizer-a
      INJECT_POS_CODE: POS-A
  - codes: [ORG_B, ORG_B2]
    settings:
      TIXNGO_BASE_URL: https://b.tixngo.test/v3
      TIXNGO_API_KEY: secret-key-of-b
      HOLDER_SYNC_ORGANIZER_ID: organizer-b
      INJECT_SIMULATE: true
      CANCEL_SHIPMENT_MODES: [MOBILE, PAPER]
`;

function refusal(env: Record<string, string>, readFile: ReadFile = files('')): ConfigError {
  try {
    loadConfig(env, readFile);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('config/organizations', () => {
  describe('BRIDGE_ORGANIZATIONS', () => {
    it('serves the listed organizations with the one TIXnGO account of the environment', () => {
      const c = loadConfig({ ...BASE, ...ACCOUNT, BRIDGE_ORGANIZATIONS: 'ORG_A, ORG_B' });
      expect(c.organizations).toMatchObject({
        mode: 'list',
        entries: [{ name: 'ORG_A,ORG_B', codes: ['ORG_A', 'ORG_B'], tixngo: { baseUrl: 'https://tixngo.test/v3' } }],
      });
      const router = new OrganizationRouter(c.organizations);
      expect(router.of('ORG_B')?.name).toBe('ORG_A,ORG_B');
      expect(router.of('ORG_C')).toBeUndefined();
    });

    it('serves every organization when told * (a single-organization installation)', () => {
      const c = loadConfig({ ...BASE, ...ACCOUNT, BRIDGE_ORGANIZATIONS: '*' });
      expect(c.organizations.mode).toBe('any');
      expect(new OrganizationRouter(c.organizations).of('WHATEVER')?.name).toBe('*');
    });

    it.each<[string, Record<string, string>, string[]]>([
      ['unset: refused, whom does the release serve?', {}, ['BRIDGE_ORGANIZATIONS']],
      ['* beside codes', { BRIDGE_ORGANIZATIONS: '*,ORG_A' }, ['BRIDGE_ORGANIZATIONS']],
      ['a code that is no code', { BRIDGE_ORGANIZATIONS: 'ORG A!' }, ['BRIDGE_ORGANIZATIONS']],
      ['both the list and the file', { BRIDGE_ORGANIZATIONS: 'ORG_A', BRIDGE_ORGANIZATIONS_FILE: FILE }, expect.arrayContaining(['BRIDGE_ORGANIZATIONS'])],
    ])('%s', (_name, env, keys) => {
      const e = refusal({ ...BASE, ...ACCOUNT, ...env }, files(TWO));
      expect(e.issues.map((i) => i.key)).toEqual(keys);
      expect(e.message).not.toContain('key-of-the-account');
    });

    it('says what to set when nothing is set', () => {
      expect(refusal({ ...BASE, ...ACCOUNT }).message).toMatch(/BRIDGE_ORGANIZATIONS: required: .* or \* if the S-360 installation has a single organization/);
    });
  });

  describe('BRIDGE_ORGANIZATIONS_FILE', () => {
    it('gives each organization its own TIXnGO account and rules, the rest inherited from the environment', () => {
      const c = loadConfig({ ...BASE, BRIDGE_ORGANIZATIONS_FILE: FILE }, files(TWO));
      expect(c.organizations.mode).toBe('file');
      const router = new OrganizationRouter(c.organizations);
      const a = router.of('ORG_A')!;
      const b = router.of('ORG_B2')!;
      expect(a).toMatchObject({
        tixngo: { baseUrl: 'https://a.tixngo.test/v3', apiKey: 'secret-key-of-a' },
        organizerId: 'organizer-a',
        inject: { posCode: 'POS-A', salesChannelCode: 'WEB', simulate: false },
      });
      expect(b).toMatchObject({
        tixngo: { apiKey: 'secret-key-of-b' },
        organizerId: 'organizer-b',
        inject: { posCode: 'POS-DEFAULT', simulate: true },
        cancel: { shipmentModes: ['MOBILE', 'PAPER'] },
      });
      expect(router.of('ORG_C')).toBeUndefined();
      expect(router.organizers().map((o) => o.organizerId)).toEqual(['organizer-a', 'organizer-b']);
    });

    it('lets several organizations share one organizer (one poller), with the same account', () => {
      const text = TWO.replace('organizer-b', 'organizer-a')
        .replace('https://b.tixngo.test/v3', 'https://a.tixngo.test/v3')
        .replace('secret-key-of-b', 'secret-key-of-a');
      const c = loadConfig({ ...BASE, BRIDGE_ORGANIZATIONS_FILE: FILE }, files(text));
      expect(new OrganizationRouter(c.organizations).organizers()).toEqual([
        expect.objectContaining({ organizerId: 'organizer-a', organizations: ['ORG_A', 'ORG_B,ORG_B2'] }),
      ]);
    });

    it.each<[string, string, Record<string, string>, RegExp[]]>([
      [
        'an entry without its own account',
        TWO.replace('      TIXNGO_API_KEY: secret-key-of-a\n', ''),
        {},
        [/organizations\[0\] \(ORG_A\): TIXNGO_API_KEY: required/],
      ],
      [
        'a bad setting, named with its organization',
        TWO.replace('INJECT_SIMULATE: true', 'INJECT_SIMULATE: maybe'),
        {},
        [/organizations\[1\] \(ORG_B,ORG_B2\): INJECT_SIMULATE/],
      ],
      [
        'a required setting missing for one organization',
        TWO.replace('      INJECT_POS_CODE: POS-A\n', '      INJECT_POS_CODE: ""\n'),
        { INJECT_POS_CODE: '' },
        [/\(ORG_A\): INJECT_POS_CODE: required/],
      ],
      [
        "a setting that is the release's, not an organization's",
        TWO.replace('INJECT_POS_CODE: POS-A', 'KAFKA_BROKERS: other:9092'),
        {},
        [/\(ORG_A\): KAFKA_BROKERS: not a per-organization setting/],
      ],
      ['an organization in two entries', TWO.replace('[ORG_B, ORG_B2]', '[ORG_B, ORG_A]'), {}, [/codes: ORG_A is also in entry ORG_A/]],
      [
        'one organizer, two accounts',
        TWO.replace('organizer-b', 'organizer-a'),
        {},
        [/HOLDER_SYNC_ORGANIZER_ID: shared with ORG_A, so TIXNGO_BASE_URL and TIXNGO_API_KEY must be the same/],
      ],
      ['an account in the environment besides the file', TWO, ACCOUNT, [/^TIXNGO_API_KEY: set per organization/, /^TIXNGO_BASE_URL: set per organization/]],
      ['a file that is not YAML', 'organizations: [ {', {}, [/BRIDGE_ORGANIZATIONS_FILE: .* is not valid YAML or JSON/]],
      ['a file without organizations', 'organizations: []', {}, [/BRIDGE_ORGANIZATIONS_FILE: organizations: name at least one organization/]],
      ['an API key too short', TWO.replace('secret-key-of-a', 'short'), {}, [/\(ORG_A\): TIXNGO_API_KEY: invalid .*value not shown/]],
    ])('refuses %s, naming it and never echoing a key', (_name, text, env, problems) => {
      const e = refusal({ ...BASE, BRIDGE_ORGANIZATIONS_FILE: FILE, ...env }, files(text));
      const lines = e.issues.map((i) => `${i.key}: ${i.problem}`);
      for (const p of problems) expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(p)]));
      expect(e.message).not.toMatch(/secret-key-of|short\b/);
    });

    it('refuses a file it cannot read, naming the setting', () => {
      const e = refusal({ ...BASE, BRIDGE_ORGANIZATIONS_FILE: '/nowhere.yaml' }, files(TWO));
      expect(e.issues).toEqual([{ key: 'BRIDGE_ORGANIZATIONS_FILE', problem: 'cannot read /nowhere.yaml' }]);
    });
  });
});
