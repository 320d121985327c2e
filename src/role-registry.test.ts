import { loadConfig } from './config/load-config';
import { consumerRoles, ROLE_REGISTRY, roleDescriptors } from './role-registry';
import { ROLES } from './roles';

const config = loadConfig({
  BRIDGE_ROLE: 'all',
  BRIDGE_ORGANIZATIONS: '*',
  KAFKA_BROKERS: 'localhost:9092',
  SCHEMA_REGISTRY_URL: 'http://localhost:8081',
  MONGODB_URI: 'mongodb://localhost:27017',
  TIXNGO_BASE_URL: 'http://localhost:8090',
  TIXNGO_API_KEY: 'a-long-enough-key',
  INJECT_SALES_CHANNEL_CODE: 'SC',
  INJECT_POS_CODE: 'POS',
  CANCEL_SHIPMENT_MODES: 'ETICKET',
  CONTROL_SHIPMENT_MODES: 'ETICKET',
  TOPIC_TICKET_PRINTED_ELIGIBLE: 'in.eligible',
  TOPIC_TICKET_CANCELLED: 'in.cancelled',
  TOPIC_TICKET_CONTROLLED: 'in.controlled',
  TOPIC_TICKET_PRINTED: 'out.printed',
  TOPIC_HOLDER_UPDATED: 'out.holder',
});
const t = config.topics;

describe('role-registry', () => {
  it('describes every role, in the order of ROLES', () => {
    expect(roleDescriptors().map((d) => d.role)).toEqual([...ROLES]);
    expect(consumerRoles().map((d) => d.role)).toEqual(['inject', 'cancel', 'control']);
  });

  it.each([
    [
      'inject',
      [['in.eligible', 'ticket-printed-eligible']],
      [
        ['out.printed', 'ticket-printed'],
        ['in.cancelled', 'ticket-cancelled'],
        ['in.controlled', 'ticket-controlled'],
      ],
      ['in.eligible'],
    ],
    ['cancel', [['in.cancelled', 'ticket-cancelled']], [], ['in.cancelled']],
    ['control', [['in.controlled', 'ticket-controlled']], [], ['in.controlled']],
    ['holder-sync', [], [['out.holder', 'holder-updated']], ['out.holder']],
  ] as const)('%s: reads %j, writes %j, dead letters from %j', (role, inputs, outputs, dlqSources) => {
    const d = ROLE_REGISTRY[role];
    expect(d.inputs(t).map((x) => [x.topic, x.schema])).toEqual(inputs);
    expect(d.outputs(t).map((x) => [x.topic, x.schema])).toEqual(outputs);
    expect(d.deadLetterSources(t)).toEqual(dlqSources);
  });

  it('hands each consumer role its own batching settings and consumer group', () => {
    expect(ROLE_REGISTRY.inject.settings(config)).toBe(config.inject);
    expect(ROLE_REGISTRY.cancel.settings(config)).toBe(config.cancel);
    expect(ROLE_REGISTRY.control.settings(config)).toBe(config.control);
    expect(ROLE_REGISTRY.control.settings(config).groupId).toBe('tixngo-bridge-control');
  });

  it('says in plain words why holder-sync has no consumer group and no re-drive', () => {
    expect(ROLE_REGISTRY['holder-sync'].notAConsumer).toContain('holder-sync is a poller of the TIXnGO change feed, not a Kafka consumer');
    expect(ROLE_REGISTRY['holder-sync'].noRedrive).toContain('there is no input topic to re-drive them to');
  });
});
