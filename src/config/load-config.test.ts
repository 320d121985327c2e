import { ConfigError } from '../shared/errors';
import { ROLES } from '../roles';
import { loadConfig, type ReadFile } from './load-config';

/** The smallest environment that starts a role (holder-sync needs no role-specific setting). */
const MINIMAL: Record<string, string> = {
  BRIDGE_ROLE: 'holder-sync',
  KAFKA_BROKERS: 'localhost:9092',
  SCHEMA_REGISTRY_URL: 'http://localhost:8081',
  MONGODB_URI: 'mongodb://localhost:27017',
  TIXNGO_BASE_URL: 'http://localhost:8090/api/',
  TIXNGO_API_KEY: 'test-api-key-1234',
  BRIDGE_ORGANIZATIONS: 'ORG1',
};

/** The one organization entry of an environment-only configuration. */
const org = (c: ReturnType<typeof loadConfig>) => c.organizations.entries[0]!;

/** Unit tests never touch the file system: any read is a failure. */
const noFiles: ReadFile = (path) => {
  throw new Error(`unexpected read of ${path}`);
};

const load = (over: Record<string, string | undefined> = {}, readFile: ReadFile = noFiles) => loadConfig({ ...MINIMAL, ...over }, readFile);

function refusal(env: Record<string, string | undefined>, readFile: ReadFile = noFiles): ConfigError {
  try {
    loadConfig(env, readFile);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected loadConfig to refuse the environment');
}
const keys = (e: ConfigError) => e.issues.map((i) => i.key).sort();

describe('load-config', () => {
  describe('loadConfig', () => {
    it('derives the consumer and outbox timings from the session timeout and OUTBOX_STALE_MS unless set', () => {
      expect(load({ KAFKA_SESSION_TIMEOUT_MS: '45000', OUTBOX_STALE_MS: '1000' })).toMatchObject({
        kafka: { rebalanceTimeoutMs: 90_000 },
        outbox: { staleMs: 1_000, renewMs: 250, pollMs: 100 },
      });
      expect(load({ OUTBOX_STALE_MS: '500' }).outbox).toEqual({ staleMs: 500, renewMs: 125, pollMs: 50 });
      const set = load({
        KAFKA_REBALANCE_TIMEOUT_MS: '30000',
        KAFKA_PARTITIONS_CONCURRENTLY: '8',
        KAFKA_MAX_WAIT_MS: '100',
        OUTBOX_RENEW_MS: '2000',
        OUTBOX_POLL_MS: '50',
      });
      expect(set.kafka).toMatchObject({ rebalanceTimeoutMs: 30_000, partitionsConcurrently: 8, maxWaitMs: 100 });
      expect(set.outbox).toEqual({ staleMs: 30_000, renewMs: 2_000, pollMs: 50 });
    });

    it('refuses an intent renewal that is not below OUTBOX_STALE_MS', () => {
      expect(keys(refusal({ ...MINIMAL, OUTBOX_STALE_MS: '1000', OUTBOX_RENEW_MS: '1000' }))).toEqual(['OUTBOX_RENEW_MS']);
    });

    it('accepts a minimal environment and fills the defaults', () => {
      const c = load({ BRIDGE_INSTANCE_ID: 'pod-1' });
      expect(c.roles).toEqual(['holder-sync']);
      expect(c.instanceId).toBe('pod-1');
      expect(c.kafka).toEqual({
        brokers: ['localhost:9092'],
        clientId: 'tixngo-bridge',
        groupIdPrefix: 'tixngo-bridge',
        sessionTimeoutMs: 30_000,
        heartbeatMs: 3_000,
        rebalanceTimeoutMs: 60_000,
        partitionsConcurrently: 64,
        maxWaitMs: 500,
        connectionTimeoutMs: 3_000,
      });
      expect(c.outbox).toEqual({ staleMs: 30_000, renewMs: 7_500, pollMs: 500 });
      expect(org(c).tixngo).toMatchObject({ baseUrl: 'http://localhost:8090/api', apiKey: 'test-api-key-1234', apiKeyHeader: 'x-api-key' });
      expect(c.organizations).toMatchObject({ mode: 'list', entries: [{ name: 'ORG1', codes: ['ORG1'], organizerId: 'default' }] });
      expect(c.mongo).toEqual({ uri: 'mongodb://localhost:27017', database: 'tixngo_bridge', operationTimeoutMs: 30_000 });
      expect(c.http).toEqual({ host: '0.0.0.0', port: 8080 });
      expect(c.inject).toMatchObject({ groupId: 'tixngo-bridge-inject', batchSize: 1000, maxTicketsPerRequest: 1000 });
      expect(org(c).inject).toMatchObject({ simulate: false, overlayLastOwner: true, template: undefined, force: [], skip: [] });
      expect(c.control).toMatchObject({ batchSize: 10_000, maxTicketsPerRequest: 10_000 });
      expect(c.schemaRegistry).toEqual({ url: 'http://localhost:8081' });
    });

    it('reports every missing required key in one ConfigError', () => {
      const e = refusal({});
      expect(e.code).toBe('CONFIG_INVALID');
      expect(keys(e)).toEqual([
        'BRIDGE_ORGANIZATIONS',
        'BRIDGE_ROLE',
        'KAFKA_BROKERS',
        'MONGODB_URI',
        'SCHEMA_REGISTRY_URL',
        'TIXNGO_API_KEY',
        'TIXNGO_BASE_URL',
      ]);
      expect(e.issues.every((i) => i.problem === 'required but not set')).toBe(true);
      for (const key of keys(e)) expect(e.message).toContain(key);
    });

    it('treats empty values as unset', () => {
      const e = refusal({ ...MINIMAL, KAFKA_BROKERS: '', TIXNGO_API_KEY: '' });
      expect(keys(e)).toEqual(['KAFKA_BROKERS', 'TIXNGO_API_KEY']);
    });

    it('reports several invalid values at once', () => {
      const e = refusal({ ...MINIMAL, HTTP_PORT: '70000', LOG_LEVEL: 'loud', KAFKA_BROKERS: 'no-port', SCHEMA_REGISTRY_URL: 'ftp://x' });
      expect(keys(e)).toEqual(['HTTP_PORT', 'KAFKA_BROKERS.0', 'LOG_LEVEL', 'SCHEMA_REGISTRY_URL']);
    });

    describe('booleans', () => {
      it.each([
        ['true', true],
        ['false', false],
        ['TRUE', true],
        ['False', false],
        ['1', true],
        ['0', false],
        // zod's stringbool also takes yes/no, on/off, y/n, enabled/disabled.
        ['yes', true],
        ['no', false],
        ['on', true],
        ['off', false],
      ])('reads %j as %s', (value, expected) => {
        const c = load({ INJECT_SIMULATE: value, KAFKA_SSL: value, CANCEL_NOTIFY_SPECTATOR: value });
        expect(org(c)).toMatchObject({ inject: { simulate: expected }, cancel: { notifySpectator: expected } });
      });

      it.each(['maybe', 'ja', '2', 'truee'])('refuses %j, naming the key', (value) => {
        expect(keys(refusal({ ...MINIMAL, INJECT_OVERLAY_LAST_OWNER: value }))).toEqual(['INJECT_OVERLAY_LAST_OWNER']);
      });

      it('keeps each default when unset', () => {
        const c = load();
        expect([org(c).inject.simulate, org(c).inject.overlayLastOwner, org(c).cancel.visibilityDefault, c.kafka.ssl]).toEqual([false, true, false, undefined]);
        expect(org(load({ INJECT_OVERLAY_LAST_OWNER: 'false' })).inject.overlayLastOwner).toBe(false);
      });
    });

    describe('lists', () => {
      it('splits on commas, trims spaces and drops empty entries', () => {
        const c = load({
          KAFKA_BROKERS: ' kafka-1:9092 ,kafka-2:9093,, ',
          INJECT_FILTER_TARIFFS: ' ADULT , CHILD ,',
          INJECT_FORCE: 'id:123456789, 12300123',
          INJECT_MANDATORY_HOLDER_FIELDS: 'FIRSTNAME, LASTNAME ,BIRTHDATE',
        });
        expect(c.kafka.brokers).toEqual(['kafka-1:9092', 'kafka-2:9093']);
        expect(org(c).inject.filters.tariffs).toEqual(['ADULT', 'CHILD']);
        expect(org(c).inject.force).toEqual(['id:123456789', '12300123']);
        expect(org(c).inject.mandatoryHolderFields).toEqual(['FIRSTNAME', 'LASTNAME', 'BIRTHDATE']);
        expect(org(c).inject.filters.seasons).toEqual([]);
      });

      it('refuses an unknown mandatory holder field', () => {
        expect(keys(refusal({ ...MINIMAL, INJECT_MANDATORY_HOLDER_FIELDS: 'FIRSTNAME,SHOE_SIZE' }))).toEqual(['INJECT_MANDATORY_HOLDER_FIELDS.1']);
      });
    });

    describe('roles', () => {
      const ALL_ROLES = { INJECT_SALES_CHANNEL_CODE: 'BOX', INJECT_POS_CODE: 'POS1', CANCEL_SHIPMENT_MODES: 'MOBILE', CONTROL_SHIPMENT_MODES: 'MOBILE' };

      it('expands BRIDGE_ROLE=all to the four roles', () => {
        const roles = load({ BRIDGE_ROLE: 'all', ...ALL_ROLES }).roles;
        expect(roles).toEqual([...ROLES]);
        expect([...roles].sort()).toEqual(['cancel', 'control', 'holder-sync', 'inject']);
      });

      it('reads a list of roles with spaces and repeats', () => {
        expect(load({ BRIDGE_ROLE: ' inject , cancel,inject', ...ALL_ROLES }).roles).toEqual(['inject', 'cancel']);
      });

      it.each([
        ['an unknown role', 'injector', 'BRIDGE_ROLE.0'],
        ['only commas', ' , ', 'BRIDGE_ROLE'],
      ])('refuses %s', (_, BRIDGE_ROLE, key) => {
        expect(keys(refusal({ ...MINIMAL, BRIDGE_ROLE }))).toEqual([key]);
      });

      it('requires CANCEL_SHIPMENT_MODES for the cancel role', () => {
        expect(keys(refusal({ ...MINIMAL, BRIDGE_ROLE: 'cancel' }))).toEqual(['CANCEL_SHIPMENT_MODES']);
        expect(org(load({ BRIDGE_ROLE: 'cancel', CANCEL_SHIPMENT_MODES: 'MOBILE, PRINT_AT_HOME' })).cancel.shipmentModes).toEqual(['MOBILE', 'PRINT_AT_HOME']);
      });

      it('requires CONTROL_SHIPMENT_MODES for the control role', () => {
        expect(keys(refusal({ ...MINIMAL, BRIDGE_ROLE: 'control' }))).toEqual(['CONTROL_SHIPMENT_MODES']);
      });

      it('requires the shipment modes of the cancel and control roles under BRIDGE_ROLE=all', () => {
        expect(keys(refusal({ ...MINIMAL, BRIDGE_ROLE: 'all', INJECT_SIMULATE: 'true' }))).toEqual(['CANCEL_SHIPMENT_MODES', 'CONTROL_SHIPMENT_MODES']);
      });

      it('requires INJECT_SALES_CHANNEL_CODE and INJECT_POS_CODE for the inject role', () => {
        expect(keys(refusal({ ...MINIMAL, BRIDGE_ROLE: 'inject' }))).toEqual(['INJECT_POS_CODE', 'INJECT_SALES_CHANNEL_CODE']);
        expect(keys(refusal({ ...MINIMAL, BRIDGE_ROLE: 'inject', INJECT_POS_CODE: 'POS1', INJECT_SALES_CHANNEL_CODE: '   ' }))).toEqual([
          'INJECT_SALES_CHANNEL_CODE',
        ]);
        expect(org(load({ BRIDGE_ROLE: 'inject', INJECT_SALES_CHANNEL_CODE: ' BOX ', INJECT_POS_CODE: 'POS1' })).inject).toMatchObject({
          salesChannelCode: 'BOX',
          posCode: 'POS1',
        });
      });

      it('does not require the point of sales in simulation mode', () => {
        const c = load({ BRIDGE_ROLE: 'inject', INJECT_SIMULATE: 'true' });
        expect(org(c).inject).toMatchObject({ simulate: true, salesChannelCode: '', posCode: '' });
      });

      it('does not require a role-specific setting for a role that is not run', () => {
        expect(() => load({ BRIDGE_ROLE: 'holder-sync' })).not.toThrow();
      });
    });

    describe('secrets', () => {
      const SECRET = 'Pl4nted-S3cret';

      function expectHidden(e: ConfigError) {
        expect(e.message).not.toContain(SECRET);
        expect(JSON.stringify(e.issues)).not.toContain(SECRET);
        expect(String(e.stack)).not.toContain(SECRET);
      }

      it('never shows an invalid TIXNGO_API_KEY', () => {
        const e = refusal({ ...MINIMAL, TIXNGO_API_KEY: 'Pl4nted' }); // too short
        expect(keys(e)).toEqual(['TIXNGO_API_KEY']);
        expect(e.issues[0]!.problem).toContain('value not shown');
        expect(e.message).not.toContain('Pl4nted');
        expect(JSON.stringify(e.issues)).not.toContain('Pl4nted');
      });

      it('never shows an invalid MONGODB_URI', () => {
        const e = refusal({ ...MINIMAL, MONGODB_URI: `postgres://admin:${SECRET}@db:5432/x` });
        expect(keys(e)).toEqual(['MONGODB_URI']);
        expectHidden(e);
      });

      it('never shows KAFKA_SASL_PASSWORD when the SASL settings are wrong', () => {
        for (const env of [
          { KAFKA_SASL_MECHANISM: 'kerberos', KAFKA_SASL_USERNAME: 'bridge', KAFKA_SASL_PASSWORD: SECRET },
          { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: SECRET },
          { KAFKA_SASL_PASSWORD: SECRET },
        ]) {
          const e = refusal({ ...MINIMAL, ...env });
          expect(e.issues.length).toBeGreaterThan(0);
          expectHidden(e);
        }
      });

      it('never shows secrets reported together with other problems', () => {
        const e = refusal({
          ...MINIMAL,
          TIXNGO_API_KEY: 'S3cr',
          MONGODB_URI: SECRET,
          HTTP_PORT: 'x',
          SCHEMA_REGISTRY_PASSWORD: SECRET,
          NOTIFY_SMTP_URL: SECRET,
        });
        expect(keys(e)).toEqual(['HTTP_PORT', 'MONGODB_URI', 'TIXNGO_API_KEY']);
        expectHidden(e);
        expect(e.message).not.toContain('S3cr');
      });
    });

    describe('SASL', () => {
      it('requires credentials with a mechanism', () => {
        const e = refusal({ ...MINIMAL, KAFKA_SASL_MECHANISM: 'scram-sha-512' });
        expect(keys(e)).toEqual(['KAFKA_SASL_USERNAME']);
        expect(e.issues[0]!.problem).toContain('KAFKA_SASL_PASSWORD');
      });

      it('requires a mechanism with credentials', () => {
        expect(keys(refusal({ ...MINIMAL, KAFKA_SASL_USERNAME: 'bridge', KAFKA_SASL_PASSWORD: 'pw-123456' }))).toEqual(['KAFKA_SASL_MECHANISM']);
      });

      it('passes a complete SASL setting through', () => {
        const c = load({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'bridge', KAFKA_SASL_PASSWORD: 'pw-123456' });
        expect(c.kafka.sasl).toEqual({ mechanism: 'plain', username: 'bridge', password: 'pw-123456' });
      });
    });

    describe('files', () => {
      it('reads INJECT_TEMPLATE_FILE through readFile', () => {
        const read: string[] = [];
        const c = load({ INJECT_TEMPLATE_FILE: '/etc/bridge/template.json' }, (p) => {
          read.push(p);
          return '{"event.name": "${Performance_hostTeam}"}';
        });
        expect(read).toEqual(['/etc/bridge/template.json']);
        expect(org(c).inject.template).toEqual({ path: '/etc/bridge/template.json', text: '{"event.name": "${Performance_hostTeam}"}' });
      });

      it('reports an unreadable INJECT_TEMPLATE_FILE, naming the key and the path', () => {
        const e = refusal({ ...MINIMAL, INJECT_TEMPLATE_FILE: '/nowhere/template.json' });
        expect(e.issues).toEqual([{ key: 'INJECT_TEMPLATE_FILE', problem: 'cannot read /nowhere/template.json' }]);
      });

      it('reports an unreadable template together with the other cross-field problems', () => {
        const e = refusal({ ...MINIMAL, BRIDGE_ROLE: 'cancel', INJECT_TEMPLATE_FILE: '/nowhere.json', KAFKA_SASL_MECHANISM: 'plain' });
        expect(keys(e)).toEqual(['CANCEL_SHIPMENT_MODES', 'INJECT_TEMPLATE_FILE', 'KAFKA_SASL_USERNAME']);
      });

      it('reads KAFKA_SSL_CA_FILE through readFile when SSL is on', () => {
        const c = load({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/ca.pem' }, () => 'PEM');
        expect(c.kafka.ssl).toEqual({ ca: 'PEM', rejectUnauthorized: true });
      });
    });

    describe('cross-field rules', () => {
      it.each<[string, Record<string, string>, string[]]>([
        ['RETRY_MAX_MS below RETRY_BASE_MS', { RETRY_BASE_MS: '1000', RETRY_MAX_MS: '999' }, ['RETRY_MAX_MS']],
        ['a request larger than the batch', { INJECT_BATCH_SIZE: '100', INJECT_MAX_TICKETS_PER_REQUEST: '101' }, ['INJECT_MAX_TICKETS_PER_REQUEST']],
        ['half of the schema registry credentials', { SCHEMA_REGISTRY_USERNAME: 'u' }, ['SCHEMA_REGISTRY_USERNAME']],
        ['recipients without an SMTP server', { NOTIFY_RECIPIENTS: 'ops@example.test' }, ['NOTIFY_SMTP_URL']],
        ['an SMTP URL of another scheme', { NOTIFY_SMTP_URL: 'http://mail' }, ['NOTIFY_SMTP_URL']],
      ])('refuses %s', (_, over, expected) => {
        expect(keys(refusal({ ...MINIMAL, ...over }))).toEqual(expected);
      });

      it('defaults the request size to the batch size', () => {
        expect(load({ INJECT_BATCH_SIZE: '250' }).inject).toMatchObject({ batchSize: 250, maxTicketsPerRequest: 250 });
        expect(load({ INJECT_BATCH_SIZE: '250', INJECT_MAX_TICKETS_PER_REQUEST: '50' }).inject.maxTicketsPerRequest).toBe(50);
      });
    });
  });
});
