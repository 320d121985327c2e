import pino from 'pino';
import { Health } from './health';
import { KafkaProbe } from './kafka-probe';

describe('ops/kafka-probe', () => {
  const log = pino({ level: 'silent' });
  const started = () => {
    const h = new Health();
    h.markStarted('inject');
    return h;
  };

  it('keeps readiness while the brokers answer', async () => {
    const health = started();
    expect(await new KafkaProbe(async () => ({}), health, log, { intervalMs: 10, timeoutMs: 50 }).check()).toBe(true);
    expect(health.ready().ok).toBe(true);
  });

  it('turns readiness false when the brokers refuse, and back once they answer', async () => {
    const health = started();
    let up = false;
    const probe = new KafkaProbe(async () => (up ? {} : Promise.reject(new Error('ECONNREFUSED'))), health, log, { intervalMs: 10, timeoutMs: 50 });
    expect(await probe.check()).toBe(false);
    expect(health.ready()).toMatchObject({ ok: false, failing: { kafka: { code: 'KAFKA_UNREACHABLE' } } });
    up = true;
    expect(await probe.check()).toBe(true);
    expect(health.ready().ok).toBe(true);
  });

  it('counts a broker that does not answer in time (a stalled broker) as failing', async () => {
    const health = started();
    const probe = new KafkaProbe(() => new Promise(() => undefined), health, log, { intervalMs: 10, timeoutMs: 20 });
    expect(await probe.check()).toBe(false);
    expect(health.ready().failing.kafka?.code).toBe('KAFKA_NO_ANSWER');
  });
});
