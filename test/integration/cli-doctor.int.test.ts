import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type RunningSimulator } from '../../src/simulator/simulator';
import { expectNoSecretOrHolderData, runCli } from '../support/cli';
import { readSchema } from '../../src/kafka/avro-codec';
import { API_KEY, bridgeEnv, createTestTopics, services, startTestSimulator, type TestTopics } from '../support/harness';
import { unique } from '../support/unique';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp';

describe('cli doctor (real Kafka, registry, store, simulator, SMTP)', () => {
  let simulator: RunningSimulator;
  let smtp: TestSmtpServer;
  let topics: TestTopics;
  let env: Record<string, string>;

  beforeAll(async () => {
    simulator = await startTestSimulator();
    smtp = await startSmtpServer({ user: 'alerts', password: 'smtp-pa55word' });
    topics = await createTestTopics(1);
    env = bridgeEnv(topics, simulator, { NOTIFY_SMTP_URL: smtp.url, NOTIFY_RECIPIENTS: 'ops@ops.test' });
  });

  afterAll(async () => {
    await smtp?.close();
    await simulator?.close();
  });

  it('says every check passed (exit 0), and its TIXnGO check is a read that changes nothing', async () => {
    const r = await runCli(['doctor'], env);
    expect(r.stdout).toContain('tixngo-bridge doctor (roles: inject)');
    for (const what of ['configuration', 'kafka', 'schema registry', 'mongodb', 'tixngo', 'notifications'])
      expect(r.stdout).toMatch(new RegExp(`^OK\\s+${what}:`, 'm'));
    expect(r.stdout).toMatch(/^OK\s+schema registry: the subject\(s\) the roles read refuse producer schemas the bridge cannot read \(1 checked\)$/m);
    expect(r.stdout).toContain('No problem found.');
    expect(r.code).toBe(0);
    const requests = simulator.state.requests();
    expect(requests.map((q) => [q.method, q.endpoint])).toEqual([['GET', 'changes']]);
    expect(smtp.mails).toEqual([]);
    expectNoSecretOrHolderData(r.stdout + r.stderr);
    expect(r.stdout + r.stderr).not.toContain('smtp-pa55word');
  });

  it('names what is wrong in plain words: a refused API key, an unreachable MongoDB, missing topics (exit 1)', async () => {
    const r = await runCli(['doctor'], {
      ...env,
      TIXNGO_API_KEY: 'a-wrong-key-that-is-long-enough',
      MONGODB_URI: 'mongodb://127.0.0.1:1/',
      TOPIC_TICKET_PRINTED: `${topics.printed}-missing`,
      NOTIFY_SMTP_URL: smtp.url.replace('smtp-pa55word', 'wrong-password'),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+tixngo: .* refused the API key: check TIXNGO_API_KEY and TIXNGO_API_KEY_HEADER/m);
    expect(r.stdout).toMatch(/^FAIL\s+mongodb: cannot connect to MongoDB.*check MONGODB_URI/m);
    expect(r.stdout).toMatch(new RegExp(`^FAIL\\s+kafka: missing topic\\(s\\): ${topics.printed}-missing`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^FAIL\\s+schema registry: subject\\(s\\) not registered: ${topics.printed}-missing-value`, 'm'));
    expect(r.stdout).toMatch(/^FAIL\s+notifications: .*check NOTIFY_SMTP_URL/m);
    expect(r.stdout).toMatch(/^OK\s+configuration/m);
    expect(r.stderr).toContain('error: 5 problem(s) found');
    expect(r.stdout + r.stderr).not.toContain('a-wrong-key-that-is-long-enough');
    expect(r.stdout + r.stderr).not.toContain('wrong-password');
  });

  it('flags each subject the roles read whose compatibility lets a producer drop a field the bridge requires: BACKWARD, NONE, or none of its own', async () => {
    const registry = services().registryUrl.replace(/\/+$/, '');
    const setLevel = async (topic: string, level: string) => {
      const res = await fetch(`${registry}/config/${encodeURIComponent(`${topic}-value`)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
        body: JSON.stringify({ compatibility: level }),
      });
      expect(res.status).toBe(200);
    };
    const weak = await createTestTopics(1); // registered by register-schemas: every input subject at FULL_TRANSITIVE
    await setLevel(weak.printedEligible, 'BACKWARD');
    await setLevel(weak.cancelled, 'NONE');
    await setLevel(weak.controlled, 'FORWARD_TRANSITIVE'); // protects the reader too
    // A subject the core registered on its own: no level of its own, the registry's global one (BACKWARD) applies.
    const bare = unique('t.ticket-cancelled');
    const registered = await fetch(`${registry}/subjects/${encodeURIComponent(`${bare}-value`)}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(readSchema('ticket-cancelled')) }),
    });
    expect(registered.status).toBe(200);

    const roles = { BRIDGE_ROLE: 'inject,cancel,control', CANCEL_SHIPMENT_MODES: 'MOBILE', CONTROL_SHIPMENT_MODES: 'MOBILE' };
    const r = await runCli(['doctor'], { ...bridgeEnv(weak, simulator, roles), NOTIFY_RECIPIENTS: '' });
    expect(r.code).toBe(1);
    const line = r.stdout.split('\n').find((l) => l.includes('whose compatibility lets a producer drop a field'));
    expect(line).toMatch(/^FAIL\s+schema registry: /);
    expect(line).toContain(`${weak.printedEligible}-value (BACKWARD)`);
    expect(line).toContain(`${weak.cancelled}-value (NONE)`);
    expect(line).not.toContain(weak.controlled);
    expect(line).toContain('set FULL_TRANSITIVE (node dist/tools/register-schemas.js does)');

    // Confluent answers 40408 for a subject without a level of its own, Apicurio 200 with the global level: both are read.
    const r2 = await runCli(['doctor', '--role', 'cancel'], { ...bridgeEnv(weak, simulator, roles), TOPIC_TICKET_CANCELLED: bare, NOTIFY_RECIPIENTS: '' });
    expect(r2.stdout).toMatch(
      new RegExp(
        `^FAIL\\s+schema registry: subject\\(s\\) whose compatibility .*: ${bare.replace(/\./g, '\\.')}-value \\(BACKWARD(, the registry's global level)?\\); set FULL_TRANSITIVE`,
        'm',
      ),
    );
  });

  it('reports every bad setting, never echoing a secret, and still checks what it can', async () => {
    const r = await runCli(['doctor', '--role', 'cancel'], {
      ...env,
      TIXNGO_API_KEY: 'short',
      MONGODB_URI: 'postgres://user:pa55word@db',
      CANCEL_SHIPMENT_MODES: '',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL\s+configuration: TIXNGO_API_KEY: invalid .*value not shown/m);
    expect(r.stdout).toMatch(/^FAIL\s+configuration: MONGODB_URI: invalid .*value not shown/m);
    expect(r.stdout).toMatch(/^FAIL\s+configuration: CANCEL_SHIPMENT_MODES: required/m);
    expect(r.stdout).toMatch(/^SKIP\s+mongodb: not checked/m);
    expect(r.stdout).toMatch(/^SKIP\s+tixngo: not checked/m);
    expect(r.stdout).toMatch(/^OK\s+kafka:/m);
    expect(r.stdout + r.stderr).not.toMatch(/pa55word|\bshort\b/);
    expect(r.stdout + r.stderr).not.toContain(API_KEY);
  });

  describe('several organizations in one release (the organizations file), two TIXnGO accounts', () => {
    const KEY_A = `key-of-org-a-${unique('k')}`;
    const KEY_B = `key-of-org-b-${unique('k')}`;
    const WRONG_B = `not-the-key-of-org-b-${unique('k')}`;
    let simA: RunningSimulator;
    let simB: RunningSimulator;

    beforeEach(async () => {
      simA = await startSimulator({ apiKey: KEY_A, host: '127.0.0.1', port: 0 });
      simB = await startSimulator({ apiKey: KEY_B, host: '127.0.0.1', port: 0 });
    });
    afterEach(async () => {
      await simA?.close();
      await simB?.close();
    });

    /** The release's environment with the given organizations file instead of a TIXnGO account of its own. */
    function fileEnv(entries: { codes: string; url: string; key: string; organizer: string }[]): Record<string, string> {
      const file = join(mkdtempSync(join(tmpdir(), 'orgs-')), 'organizations.yaml');
      const lines = ['organizations:'];
      for (const e of entries) {
        lines.push(
          `  - codes: [${e.codes}]`,
          '    settings:',
          `      TIXNGO_BASE_URL: ${e.url}`,
          `      TIXNGO_API_KEY: ${e.key}`,
          `      HOLDER_SYNC_ORGANIZER_ID: ${e.organizer}`,
        );
      }
      writeFileSync(file, `${lines.join('\n')}\n`);
      const fileShape: Record<string, string> = { ...env, NOTIFY_RECIPIENTS: '', BRIDGE_ORGANIZATIONS_FILE: file };
      for (const k of ['TIXNGO_BASE_URL', 'TIXNGO_API_KEY', 'BRIDGE_ORGANIZATIONS']) delete fileShape[k];
      return fileShape;
    }

    it('checks each organization with its own key, names the one whose key is refused (never the key), and prints the organization → organizer pairing', async () => {
      const r = await runCli(
        ['doctor'],
        fileEnv([
          { codes: 'ORG_A', url: simA.url, key: KEY_A, organizer: 'organizer-a' },
          { codes: 'ORG_B, ORG_B_SHOP', url: simB.url, key: WRONG_B, organizer: 'organizer-b' },
        ]),
      );
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^OK\s+configuration: every setting is valid$/m);
      expect(r.stdout).toContain(
        `OK    tixngo: S-360 organization(s) ORG_A → ${simA.url}, TIXnGO organizer organizer-a (holder-sync reads its change feed): the API key was accepted`,
      );
      expect(r.stdout).toMatch(
        new RegExp(
          `^FAIL\\s+tixngo: S-360 organization\\(s\\) ORG_B,ORG_B_SHOP → ${simB.url.replace(/[.]/g, '\\.')}, TIXnGO organizer organizer-b: TIXnGO refused the API key: check TIXNGO_API_KEY and TIXNGO_API_KEY_HEADER of ORG_B,ORG_B_SHOP in BRIDGE_ORGANIZATIONS_FILE$`,
          'm',
        ),
      );
      for (const what of ['kafka', 'schema registry', 'mongodb']) expect(r.stdout).toMatch(new RegExp(`^OK\\s+${what}:`, 'm'));
      expect(r.stderr).toContain('error: 1 problem(s) found');
      // Each account was asked with its own key, once, read-only.
      expect(simA.state.requests().map((q) => [q.method, q.endpoint, q.status])).toEqual([['GET', 'changes', 200]]);
      expect(simB.state.requests().map((q) => [q.method, q.endpoint, q.status])).toEqual([['GET', 'changes', 401]]);
      for (const key of [KEY_A, KEY_B, WRONG_B]) expect(r.stdout + r.stderr).not.toContain(key);
      expectNoSecretOrHolderData(r.stdout + r.stderr);
    });

    it('names a bad setting by its organization (never its value) and still checks Kafka, the registry and MongoDB', async () => {
      const r = await runCli(
        ['doctor'],
        fileEnv([
          { codes: 'ORG_A', url: simA.url, key: KEY_A, organizer: 'organizer-a' },
          { codes: 'ORG_B', url: 'not-a-url', key: 'short', organizer: 'organizer-b' },
        ]),
      );
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^FAIL\s+configuration: BRIDGE_ORGANIZATIONS_FILE: organizations\[1\] \(ORG_B\): TIXNGO_API_KEY: invalid .*value not shown/m);
      expect(r.stdout).toMatch(/^FAIL\s+configuration: BRIDGE_ORGANIZATIONS_FILE: organizations\[1\] \(ORG_B\): TIXNGO_BASE_URL: /m);
      expect(r.stdout).toMatch(/^SKIP\s+tixngo: not checked: its settings are invalid/m);
      for (const what of ['kafka', 'schema registry', 'mongodb']) expect(r.stdout).toMatch(new RegExp(`^OK\\s+${what}:`, 'm'));
      expect(r.stdout + r.stderr).not.toMatch(/\bshort\b|not-a-url/);
      expect(r.stdout + r.stderr).not.toContain(KEY_A);
    });
  });
});
