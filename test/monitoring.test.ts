// The monitoring component's queries (README "Install and operate"): every PrometheusRule expression and
// every Grafana panel query parses with Prometheus' own PromQL grammar (@prometheus-io/lezer-promql), and
// every metric and label they name is one the webhook exports (or the kube-apiserver's, for calls
// that never reached the webhook).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parser } from "@prometheus-io/lezer-promql";
import { ALERTS, DASHBOARD_FILE, dashboardConfigMap, grafanaDashboard, prometheusRule } from "../webhook/install/monitoring.js";
import { Metrics } from "../webhook/server/metrics.js";

/** The webhook's own metrics and their labels, as its registry declares them. */
async function exported(): Promise<Map<string, Set<string>>> {
  const metrics = new Metrics({ processMetrics: false });
  // Every labelled metric once, so that the registry reports its label names.
  metrics.requests.inc({ webhook: "validate-cluster", allowed: "true" });
  metrics.duration.observe({ webhook: "validate-cluster" }, 0.01);
  metrics.ruleErrors.inc({ rule: "x" });
  metrics.wouldDeny.inc({ rule: "x" });
  metrics.lookups.inc({ kind: "Secret", outcome: "present" });
  metrics.certificateReloads.inc({ outcome: "failure" });
  metrics.certificateRefused.set({ reason: "expired" }, 0);
  metrics.cacheSynced.set({ kind: "Cluster" }, 1);
  metrics.cacheAge.set({ kind: "Cluster" }, 1);
  metrics.cacheRelists.inc({ kind: "Cluster" });
  metrics.cacheErrors.inc({ kind: "Cluster", during: "list" });
  metrics.filesExhausted.inc({ during: "accept" });
  const names = new Map<string, Set<string>>();
  for (const m of await metrics.registry.getMetricsAsJSON()) {
    const labels = new Set(m.values.flatMap((v) => Object.keys(v.labels)));
    // prom-client reports the type as a string ("histogram"), whatever its typings say.
    const series = String(m.type) === "histogram" ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name];
    for (const s of series) names.set(s, s.endsWith("_bucket") ? new Set([...labels, "le"]) : new Set([...labels].filter((l) => l !== "le")));
  }
  return names;
}

/**
 * The kube-apiserver's admission webhook metrics (kubernetes staging/src/k8s.io/apiserver/pkg/admission/metrics/metrics.go;
 * fail_open_count since 1.24).
 */
const APISERVER = new Map([
  ["apiserver_admission_webhook_rejection_count", new Set(["name", "operation", "type", "error_type", "rejection_code"])],
  ["apiserver_admission_webhook_fail_open_count", new Set(["name", "type"])],
]);

/** Labels the Prometheus Operator adds to every scraped series of a ServiceMonitor. */
const TARGET_LABELS = ["namespace", "pod", "job", "instance", "service", "endpoint", "container"];

interface Parsed {
  readonly errors: number;
  readonly metrics: string[];
  readonly labels: string[];
}

function parse(expr: string): Parsed {
  const tree = parser.parse(expr);
  const parsed: Parsed = { errors: 0, metrics: [], labels: [] };
  tree.iterate({
    enter(node) {
      if (node.type.isError) (parsed as { errors: number }).errors++;
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") parsed.metrics.push(expr.slice(node.from, node.to));
      if (node.name === "LabelName") parsed.labels.push(expr.slice(node.from, node.to));
    },
  });
  return parsed;
}

async function assertQuery(expr: string, where: string): Promise<void> {
  const known = new Map([...(await exported()), ...APISERVER]);
  const parsed = parse(expr);
  assert.equal(parsed.errors, 0, `${where}: ${expr} does not parse`);
  assert.ok(parsed.metrics.length > 0, `${where}: names a metric`);
  const labels = new Set(TARGET_LABELS);
  for (const metric of parsed.metrics) {
    assert.ok(known.has(metric), `${where}: ${metric} is not a metric the webhook or the apiserver exports`);
    for (const l of known.get(metric)!) labels.add(l);
  }
  for (const l of parsed.labels) assert.ok(labels.has(l), `${where}: label ${l} is not on ${parsed.metrics.join(", ")}`);
}

describe("PrometheusRule", () => {
  it("every alert's expression parses and names only exported metrics and labels", async () => {
    const rule = prometheusRule("cnp-system") as { spec: { groups: { rules: { alert: string; expr: string; labels: { severity: string } }[] }[] } };
    const rules = rule.spec.groups.flatMap((g) => g.rules);
    assert.equal(rules.length, ALERTS.length);
    for (const r of rules) await assertQuery(r.expr, r.alert);
  });

  it("covers certificate expiry, certificate reloads, file descriptors, rule errors, latency, would-deny and calls that never reached the webhook", () => {
    const metricsOf = (alert: string) => parse(ALERTS.find((a) => a.alert === alert)!.expr).metrics;
    assert.deepEqual(metricsOf("CnpWebhookCertificateExpiresSoon"), ["cnp_webhook_certificate_expiry_timestamp_seconds"]);
    assert.deepEqual(metricsOf("CnpWebhookCertificateRefused"), ["cnp_webhook_certificate_refused"]);
    assert.deepEqual(metricsOf("CnpWebhookRuleErrors"), ["cnp_webhook_rule_errors_total"]);
    assert.deepEqual(metricsOf("CnpWebhookCacheNotCurrent"), ["cnp_webhook_cache_synced"]);
    assert.deepEqual(metricsOf("CnpWebhookOutOfFileDescriptors"), ["cnp_webhook_file_descriptors_exhausted_total"]);
    assert.deepEqual(metricsOf("CnpWebhookSlow"), ["cnp_webhook_request_duration_seconds_bucket"]);
    assert.deepEqual(metricsOf("CnpWebhookWouldDeny"), ["cnp_webhook_would_deny_total"]);
    const unreachable = ALERTS.find((a) => a.alert === "CnpWebhookUnreachable")!;
    assert.deepEqual(parse(unreachable.expr).metrics, ["apiserver_admission_webhook_rejection_count"]);
    assert.match(unreachable.expr, /error_type="calling_webhook_error"/);
    assert.equal(unreachable.severity, "critical");
  });

  it("the webhook name pattern matches this install's six webhooks and no other", () => {
    const pattern = /name=~"([^"]+)"/.exec(ALERTS.find((a) => a.alert === "CnpWebhookUnreachable")!.expr)![1]!;
    const re = new RegExp(`^(?:${pattern})$`); // Prometheus anchors regular expressions
    assert.ok(re.test("vcluster.cnp-webhook.postgresql.k8s.enterprisedb.io"));
    assert.ok(re.test("mscheduledbackup.cnp-webhook.postgresql.k8s.enterprisedb.io"));
    assert.ok(!re.test("vcluster.kb.io")); // the operator's own webhook (release 0.5.0)
    assert.ok(!re.test("vcluster.cnp-webhookXpostgresql.k8s.enterprisedb.io"));
  });

  it("the parser does catch a broken expression (the checks above are not vacuous)", () => {
    assert.ok(parse("sum by (rule) (rate(cnp_webhook_rule_errors_total[5m])").errors > 0);
    assert.ok(parse("cnp_webhook_rule_errors_total{rule=}").errors > 0);
  });
});

describe("Grafana dashboard", () => {
  it("every panel queries exported metrics with valid PromQL", async () => {
    const dashboard = grafanaDashboard() as { panels: { title: string; targets: { expr: string; refId: string }[] }[] };
    assert.ok(dashboard.panels.length >= 6);
    const queried = new Set<string>();
    for (const panel of dashboard.panels) {
      assert.ok(panel.targets.length > 0, panel.title);
      for (const t of panel.targets) {
        await assertQuery(t.expr, panel.title);
        for (const m of parse(t.expr).metrics) queried.add(m.replace(/_bucket$/, ""));
      }
    }
    // Every metric of the webhook (README "Install and operate") has a panel.
    const own = [...(await exported()).keys()].filter((m) => !/_(sum|count)$/.test(m)).map((m) => m.replace(/_bucket$/, ""));
    assert.deepEqual([...queried].sort(), [...new Set(own)].sort());
  });

  it("ships in a ConfigMap that Grafana's dashboard sidecar picks up", () => {
    const cm = dashboardConfigMap("cnp-system") as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
    assert.equal(cm.metadata.labels["grafana_dashboard"], "1");
    assert.deepEqual(JSON.parse(cm.data[DASHBOARD_FILE]!), grafanaDashboard());
  });
});
