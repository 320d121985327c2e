/**
 * The chart's alerts and dashboard (both off by default): the PrometheusRule passes `promtool check rules` and
 * the cases in test/deploy/promtool/, the dashboard ConfigMap carries dashboards/tixngo-bridge.json for Grafana's
 * sidecar, and every metric either of them reads is one the service exports (src/ops/metrics.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { createMetrics } from '../../src/ops/metrics';
import { ofKind } from './support/manifests';
import { CHART, NAMESPACE, PROFILES, REPO, parseManifests, removeScratchDir, renderChart, requireTool, run, writeTemp } from './support/tools';

afterAll(removeScratchDir);

const ON = ['prometheusRule.enabled=true', 'grafanaDashboard.enabled=true'];
const DASHBOARD_FILE = join(CHART, 'dashboards', 'tixngo-bridge.json');

type Rule = { alert: string; expr: string; for?: string; labels: Record<string, string>; annotations: Record<string, string> };
type RuleGroup = { name: string; rules: Rule[] };

function renderedRules(sets: readonly string[] = []): RuleGroup[] {
  const rules = ofKind(parseManifests(renderChart(PROFILES.default, [...ON, ...sets])), 'PrometheusRule');
  expect(rules).toHaveLength(1);
  return rules[0]!.spec.groups as RuleGroup[];
}

/** Every name /metrics serves: histograms as their _bucket, _sum and _count series. */
async function exportedMetricNames(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await createMetrics().registry.getMetricsAsJSON()) {
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
    else names.add(m.name);
  }
  return names;
}

/** PromQL's words that are not metric names, as far as these expressions use them. */
const PROMQL_WORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'rate',
  'increase',
  'delta',
  'deriv',
  'changes',
  'histogram_quantile',
  'offset',
  'bool',
  'label_values',
]);

/** The metric names an expression reads: what is left once strings, matchers, ranges and label lists are gone. */
function metricsIn(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/label_values\(([^,()]+),[^)]*\)/g, ' $1 ')
    .replace(/\boffset\s+\d+[smhd]/g, ' ');
  return (bare.match(/[A-Za-z_:][A-Za-z0-9_:]*/g) ?? []).filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w));
}

/** Every PromQL expression of the dashboard: panel targets and template variable queries. */
function dashboardExprs(dashboard: any): string[] {
  const out: string[] = [];
  const visit = (panels: any[]) => {
    for (const p of panels ?? []) {
      for (const t of p.targets ?? []) out.push(t.expr);
      visit(p.panels);
    }
  };
  visit(dashboard.panels);
  for (const v of dashboard.templating.list) if (v.type === 'query') out.push(typeof v.query === 'string' ? v.query : v.query.query);
  return out;
}

describe('alerts and dashboard are off by default', () => {
  test.each(['minimal', 'default'] as const)('%s profile renders neither', (profile) => {
    const objs = parseManifests(renderChart(PROFILES[profile]));
    expect(ofKind(objs, 'PrometheusRule')).toEqual([]);
    expect(ofKind(objs, 'ConfigMap').map((c) => c.metadata.name)).not.toContain('bridge-tixngo-bridge-dashboard');
  });

  test('the full profile (every optional feature) renders both', () => {
    const objs = parseManifests(renderChart(PROFILES.full));
    expect(ofKind(objs, 'PrometheusRule')).toHaveLength(1);
    expect(ofKind(objs, 'ConfigMap').map((c) => c.metadata.name)).toContain('bridge-tixngo-bridge-dashboard');
  });
});

describe('PrometheusRule', () => {
  const rulesFile = () => writeTemp('rules.yaml', stringify({ groups: renderedRules() }));

  test('alerts on lag, dead letters, readiness, the holder-sync key and restarts', () => {
    expect(renderedRules()[0]!.rules.map((r) => r.alert)).toEqual([
      'TixngoBridgeConsumerLagGrowing',
      'TixngoBridgeDeadLetters',
      'TixngoBridgeRoleNotReady',
      'TixngoBridgeHolderSyncStalled',
      'TixngoBridgeRestarting',
    ]);
  });

  test('passes promtool check rules', () => {
    const r = run(requireTool('promtool'), ['check', 'rules', rulesFile()]);
    expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: expect.stringContaining('SUCCESS: 5 rules found') });
  });

  test('behaves as test/deploy/promtool/alerts.test.yaml says (promtool test rules)', () => {
    const cases = parse(readFileSync(join(REPO, 'test', 'deploy', 'promtool', 'alerts.test.yaml'), 'utf8')) as { rule_files: string[] };
    cases.rule_files = [rulesFile()];
    const r = run(requireTool('promtool'), ['test', 'rules', writeTemp('alerts.test.yaml', stringify(cases))]);
    expect({ status: r.status, out: r.stdout + r.stderr }).toEqual({ status: 0, out: expect.stringContaining('SUCCESS') });
  });

  test("selects the release's series (namespace and the ServiceMonitor's job), or what `selector` says", () => {
    for (const rule of renderedRules()[0]!.rules) expect(rule.expr).toContain(`{namespace="${NAMESPACE}",job="bridge-tixngo-bridge"}`);
    for (const rule of renderedRules(['prometheusRule.selector=cluster="eu"\\,service="bridge"'])[0]!.rules) {
      expect(rule.expr).toContain('{cluster="eu",service="bridge"}');
    }
  });

  test('takes thresholds and extra alert labels from values; a severity given there wins', () => {
    const rules = renderedRules([
      'prometheusRule.consumerLag.threshold=500',
      'prometheusRule.notReady.for=2m',
      'prometheusRule.alertLabels.team=ticketing',
      'prometheusRule.alertLabels.severity=critical',
    ])[0]!.rules;
    expect(rules.find((r) => r.alert === 'TixngoBridgeConsumerLagGrowing')!.expr).toMatch(/> 500\n/);
    expect(rules.find((r) => r.alert === 'TixngoBridgeRoleNotReady')!.for).toBe('2m');
    for (const r of rules) expect(r.labels).toEqual({ severity: 'critical', team: 'ticketing' });
  });

  test('reads only metrics the service exports', async () => {
    const exported = await exportedMetricNames();
    for (const rule of renderedRules()[0]!.rules) {
      const read = metricsIn(rule.expr);
      expect({ alert: rule.alert, reads: read.length > 0 }).toEqual({ alert: rule.alert, reads: true });
      for (const m of read) expect({ alert: rule.alert, metric: m, exported: exported.has(m) }).toEqual({ alert: rule.alert, metric: m, exported: true });
    }
  });
});

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'));

  test("is shipped verbatim in a ConfigMap that Grafana's sidecar picks up by label", () => {
    const cm = ofKind(parseManifests(renderChart(PROFILES.default, ON)), 'ConfigMap').find((c) => c.metadata.name === 'bridge-tixngo-bridge-dashboard')!;
    expect(cm.metadata.labels).toMatchObject({ grafana_dashboard: '1', 'app.kubernetes.io/instance': 'bridge' });
    expect(JSON.parse(cm.data!['tixngo-bridge.json']!)).toEqual(dashboard);
  });

  test('reads only metrics the service exports, each panel through the namespace variable', async () => {
    const exported = await exportedMetricNames();
    const exprs = dashboardExprs(dashboard);
    expect(exprs.length).toBeGreaterThan(15);
    for (const expr of exprs) {
      const read = metricsIn(expr);
      expect({ expr, reads: read.length > 0 }).toEqual({ expr, reads: true });
      for (const m of read) expect({ expr, metric: m, exported: exported.has(m) }).toEqual({ expr, metric: m, exported: true });
    }
    const panelExprs = exprs.slice(0, exprs.length - dashboard.templating.list.filter((v: any) => v.type === 'query').length);
    for (const expr of panelExprs) expect(expr).toContain('namespace="$namespace"');
  });

  test('shows every metric of the bridge itself (not the process defaults)', async () => {
    const read = new Set(
      dashboardExprs(dashboard)
        .flatMap(metricsIn)
        .map((m) => m.replace(/_(bucket|sum|count)$/, '')),
    );
    const own = (await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name).filter((m) => !m.startsWith('tixngo_bridge_process_'));
    expect(own.length).toBeGreaterThan(10);
    for (const m of own) expect({ metric: m, shown: read.has(m) }).toEqual({ metric: m, shown: true });
  });
});
