/**
 * `create-topics` as an operator (or the compose file's init service) runs it, in its own process,
 * against the real broker. On a shared cluster other teams create and delete topics all day; right
 * after a burst of deletions the broker learns of new topics a second or more after the controller
 * created them. The tool (and every test's topic set-up, which goes through the same code) must wait
 * through that instead of failing with "This server does not host this topic-partition".
 */
import { KafkaAdmin } from '../../src/kafka/admin';
import { runTool } from '../support/cli';
import { kafkaClient, services, testTopicNames, topicEnv } from '../support/harness';
import { unique } from '../support/unique';

function createTopicsTool(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runTool('create-topics', { KAFKA_BROKERS: services().brokers.join(','), ...env });
}

/** TOPIC_* for five fresh topics under `prefix`, three partitions each. */
function topicSettings(prefix: string) {
  const topics = testTopicNames(prefix);
  return { env: { ...topicEnv(topics), TOPIC_PARTITIONS: '3' }, topics };
}

describe('create-topics (its own process, the real broker)', () => {
  it('creates every topic with its partitions led, right after 400 other topics were deleted, and is idempotent', async () => {
    const admin = await KafkaAdmin.connect(kafkaClient());
    try {
      const results: { code: number | null; stderr: string }[] = [];
      const settings: ReturnType<typeof topicSettings>[] = [];
      // Three rounds: the broker's lag after a deletion burst is not the same every time.
      for (let round = 0; round < 3; round++) {
        const others = Array.from({ length: 400 }, (_, i) => `${unique('others')}-${i}`);
        const raw = kafkaClient().admin();
        await raw.connect();
        try {
          await raw.createTopics({ waitForLeaders: false, topics: others.map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })) });
          await raw.deleteTopics({ topics: others });
        } finally {
          await raw.disconnect();
        }

        const set = topicSettings(unique('ct'));
        settings.push(set);
        const run = await createTopicsTool(set.env);
        results.push({ code: run.code, stderr: run.stderr });
      }
      expect(results).toEqual(results.map(() => ({ code: 0, stderr: '' })));

      for (const { topics: t } of settings) {
        const inputs = [t.printedEligible, t.cancelled, t.controlled];
        const wanted = [...inputs, t.printed, t.holderUpdated, ...inputs.map((n) => `${n}.dlq`), `${t.holderUpdated}.dlq`];
        const partitions = await admin.topicPartitions(wanted);
        expect(Object.fromEntries(partitions)).toEqual(Object.fromEntries(wanted.map((t) => [t, 3])));
      }
      const again = await createTopicsTool(settings[0]!.env);
      expect(again).toMatchObject({ code: 0, stdout: 'all topics exist\n' });
    } finally {
      await admin.disconnect();
    }
  });
});
