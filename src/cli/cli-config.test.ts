import { ConfigError } from '../shared/errors';
import { collectConfigIssues, loadCliConfig } from './cli-config';

const kafkaOnly = { KAFKA_BROKERS: 'k1:9092' };
const full = {
  KAFKA_BROKERS: 'k1:9092',
  SCHEMA_REGISTRY_URL: 'http://registry:8081',
  MONGODB_URI: 'mongodb://db:27017',
  TIXNGO_BASE_URL: 'https://api.tixngo.test/v3',
  TIXNGO_API_KEY: 'a-real-looking-key',
  BRIDGE_ORGANIZATIONS: 'ORG1',
};

const issuesOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => i.key);
    throw e;
  }
  return [];
};

describe('cli/cli-config', () => {
  describe('loadCliConfig', () => {
    it('needs only the areas the command uses: Kafka alone is enough for a Kafka command', () => {
      const c = loadCliConfig(kafkaOnly, { role: 'inject', needs: ['kafka'] });
      expect(c.kafka.brokers).toEqual(['k1:9092']);
      expect(c.roles).toEqual(['inject']);
      expect(c.inject.groupId).toBe('tixngo-bridge-inject');
    });

    it('reports the missing settings of the areas it uses, and only those', () => {
      expect(issuesOf(() => loadCliConfig({}, { role: 'inject', needs: ['kafka', 'mongo'] })).sort()).toEqual(['KAFKA_BROKERS', 'MONGODB_URI']);
    });

    it('reports an invalid value of a used area even when other areas are broken too', () => {
      expect(issuesOf(() => loadCliConfig({ KAFKA_BROKERS: 'nope', TIXNGO_API_KEY: 'x' }, { needs: ['kafka'] }))).toEqual(['KAFKA_BROKERS.0']);
    });

    it('checks the role settings only when the command uses them', () => {
      expect(issuesOf(() => loadCliConfig(full, { role: 'cancel', needs: ['kafka', 'role'] }))).toEqual(['CANCEL_SHIPMENT_MODES']);
      expect(loadCliConfig(full, { role: 'cancel', needs: ['kafka'] }).roles).toEqual(['cancel']);
    });

    it('judges whom the release serves only for the commands that use it; others get a stand-in', () => {
      const mongoOnly = { MONGODB_URI: 'mongodb://db:27017' };
      expect(issuesOf(() => loadCliConfig(mongoOnly, { needs: ['mongo', 'organizations'] }))).toEqual(['BRIDGE_ORGANIZATIONS']);
      expect(issuesOf(() => loadCliConfig({ ...mongoOnly, BRIDGE_ORGANIZATIONS: 'ORG 1' }, { needs: ['mongo', 'organizations'] }))).toEqual([
        'BRIDGE_ORGANIZATIONS',
      ]);
      expect(loadCliConfig(mongoOnly, { needs: ['mongo'] }).organizations.mode).toBe('any');
      // The TIXnGO account is not the command's business: the organizations are, as configured.
      const organizations = loadCliConfig({ ...mongoOnly, BRIDGE_ORGANIZATIONS: 'ORG1,ORG2' }, { needs: ['mongo', 'organizations'] }).organizations;
      expect({ mode: organizations.mode, codes: organizations.entries.flatMap((e) => e.codes) }).toEqual({ mode: 'list', codes: ['ORG1', 'ORG2'] });
    });

    it('takes the role from the environment when the command has none', () => {
      expect(loadCliConfig({ ...kafkaOnly, BRIDGE_ROLE: 'control' }, { needs: ['kafka'] }).roles).toEqual(['control']);
    });

    it('always reports settings of no area (e.g. LOG_LEVEL)', () => {
      expect(issuesOf(() => loadCliConfig({ ...kafkaOnly, LOG_LEVEL: 'loud' }, { needs: ['kafka'] }))).toEqual(['LOG_LEVEL']);
    });

    it('drops a broken setting of an unused area to its default', () => {
      const c = loadCliConfig({ ...kafkaOnly, MONGODB_DATABASE: 'bad/name' }, { needs: ['kafka'] });
      expect(c.mongo.database).toBe('tixngo_bridge');
    });
  });

  describe('collectConfigIssues', () => {
    it('reports the rules across settings too, not only the first phase', () => {
      const keys = collectConfigIssues({ ...full, BRIDGE_ROLE: 'cancel', MONGODB_DATABASE: 'bad/name' }).map((i) => i.key);
      expect(keys.sort()).toEqual(['CANCEL_SHIPMENT_MODES', 'MONGODB_DATABASE']);
    });

    it('finds nothing in a valid environment', () => {
      expect(collectConfigIssues({ ...full, BRIDGE_ROLE: 'inject', INJECT_SIMULATE: 'true' })).toEqual([]);
    });
  });
});
