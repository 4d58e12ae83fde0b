// The monitoring component (README "Install and operate"): a ServiceMonitor, a PrometheusRule and a
// Grafana dashboard over the metrics of webhook/server/metrics.ts, plus the apiserver's own view of
// calls that never reached the webhook. Expressions name no namespace, so overlays need not rewrite them.
import { GROUP } from "../../schemas/kinds.js";
import { NAME, TLS_SECRET } from "../deployment.js";
import { labels, meta, type Obj } from "./meta.js";

/** The port name of /metrics on the Pod and, with this component, on the Service. */
export const METRICS_PORT_NAME = "metrics";

/**
 * The name Prometheus checks the certificate against with --metrics-tls: the bare Service name, a SAN
 * of both `cnp-webhook certs` and the cert-manager Certificate, so a namespace override changes nothing.
 */
const METRICS_SERVER_NAME = NAME;

export function serviceMonitor(namespace: string, metricsTls: boolean): Obj {
  const endpoint = {
    port: METRICS_PORT_NAME,
    path: "/metrics",
    interval: "30s",
    ...(metricsTls ? { scheme: "https", tlsConfig: { ca: { secret: { name: TLS_SECRET, key: "ca.crt" } }, serverName: METRICS_SERVER_NAME } } : {}),
  };
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: meta(NAME, namespace),
    spec: { selector: { matchLabels: labels }, endpoints: [endpoint] },
  };
}

/** Every webhook of this install, as the apiserver's admission metrics name them (label `name`). */
const OUR_WEBHOOKS = `name=~".+[.]${NAME}[.]${GROUP.replaceAll(".", "[.]")}"`;

interface Alert {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly severity: "critical" | "warning" | "info";
  readonly summary: string;
  readonly description: string;
}

/** The alerts; each expression is parsed by a PromQL parser in the tests. */
export const ALERTS: readonly Alert[] = [
  {
    alert: "CnpWebhookUnreachable",
    expr: `sum by (name) (increase(apiserver_admission_webhook_rejection_count{error_type="calling_webhook_error",${OUR_WEBHOOKS}}[10m])) > 0`,
    severity: "critical",
    summary: "The apiserver could not call the cnp-webhook",
    description:
      "Webhook {{ $labels.name }} could not be called (no ready Pod, TLS or network trouble); with failurePolicy Fail, creates and updates of Clusters, Backups and ScheduledBackups are refused.",
  },
  {
    alert: "CnpWebhookFailingOpen",
    expr: `sum by (name) (increase(apiserver_admission_webhook_fail_open_count{${OUR_WEBHOOKS}}[10m])) > 0`,
    severity: "warning",
    summary: "The apiserver admitted CNP objects without the cnp-webhook",
    description: "Webhook {{ $labels.name }} could not be called and its failurePolicy Ignore let the request through unchecked.",
  },
  {
    alert: "CnpWebhookCertificateExpiresSoon",
    expr: "min by (namespace, pod) (cnp_webhook_certificate_expiry_timestamp_seconds) - time() < 14 * 86400",
    for: "1h",
    severity: "warning",
    summary: "The cnp-webhook serving certificate expires within 14 days",
    description: "Pod {{ $labels.namespace }}/{{ $labels.pod }} serves a certificate that expires in {{ $value | humanizeDuration }}; renewal did not happen.",
  },
  {
    alert: "CnpWebhookCertificateRefused",
    expr: "max by (namespace, pod, reason) (cnp_webhook_certificate_refused) > 0",
    for: "5m",
    severity: "warning",
    summary: "The cnp-webhook refuses the serving certificate in its Secret",
    description:
      "Pod {{ $labels.namespace }}/{{ $labels.pod }} refused the certificate in its Secret ({{ $labels.reason }}: not a usable pair, expired, not yet valid, or without the Service's name) and keeps serving the previous one; /readyz says why. Fix the Secret before the previous one expires.",
  },
  {
    alert: "CnpWebhookCacheNotCurrent",
    expr: "min by (namespace, pod, kind) (cnp_webhook_cache_synced) == 0",
    for: "2m",
    severity: "warning",
    summary: "A cnp-webhook watch cache is not current",
    description:
      "Pod {{ $labels.namespace }}/{{ $labels.pod }} cannot list or watch {{ $labels.kind }}s: reference checks that depend on them answer 'could not verify' (denied under --strict-references). Check the API server and the webhook's RBAC; /readyz says why.",
  },
  {
    alert: "CnpWebhookOutOfFileDescriptors",
    expr: "sum by (namespace, pod, during) (increase(cnp_webhook_file_descriptors_exhausted_total[15m])) > 0",
    severity: "warning",
    summary: "The cnp-webhook ran out of file descriptors",
    description:
      "Pod {{ $labels.namespace }}/{{ $labels.pod }} hit EMFILE/ENFILE ({{ $labels.during }}): connections were not accepted or a certificate could not be read. Too many open connections, or a descriptor limit too low.",
  },
  {
    alert: "CnpWebhookRuleErrors",
    expr: "sum by (namespace, rule) (increase(cnp_webhook_rule_errors_total[15m])) > 0",
    severity: "warning",
    summary: "A cnp-webhook rule threw",
    description: "Rule {{ $labels.rule }} threw instead of judging (a bug in the webhook); the requests got an internal error. Please report it.",
  },
  {
    alert: "CnpWebhookSlow",
    expr: "histogram_quantile(0.99, sum by (namespace, webhook, le) (rate(cnp_webhook_request_duration_seconds_bucket[5m]))) > 2.5",
    for: "10m",
    severity: "warning",
    summary: "cnp-webhook answers slowly",
    description:
      "The 99th percentile of {{ $labels.webhook }} is {{ $value | humanizeDuration }}; reference lookups are probably timing out (--lookup-timeout), and the apiserver gives up after the webhook's timeoutSeconds.",
  },
  {
    alert: "CnpWebhookWouldDeny",
    expr: "sum by (namespace, rule) (increase(cnp_webhook_would_deny_total[1h])) > 0",
    severity: "info",
    summary: "Requests that deny mode would refuse",
    description:
      "Rule {{ $labels.rule }} would have denied {{ $value }} requests in the last hour, admitted by --enforcement warn or --warn-only. Run 'cnp-webhook audit' and fix them before switching to deny.",
  },
];

export function prometheusRule(namespace: string): Obj {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: meta(NAME, namespace),
    spec: {
      groups: [
        {
          name: NAME,
          rules: ALERTS.map((a) => ({
            alert: a.alert,
            expr: a.expr,
            ...(a.for ? { for: a.for } : {}),
            labels: { severity: a.severity },
            annotations: { summary: a.summary, description: a.description },
          })),
        },
      ],
    },
  };
}

interface Panel {
  readonly title: string;
  readonly unit: string;
  readonly targets: readonly { readonly expr: string; readonly legendFormat: string }[];
}

const NS = 'namespace=~"$namespace"';

const PANELS: readonly Panel[] = [
  {
    title: "Admissions by webhook and verdict",
    unit: "reqps",
    targets: [{ expr: `sum by (webhook, allowed) (rate(cnp_webhook_requests_total{${NS}}[5m]))`, legendFormat: "{{webhook}} allowed={{allowed}}" }],
  },
  {
    title: "Latency by webhook",
    unit: "s",
    targets: [0.5, 0.99].map((q) => ({
      expr: `histogram_quantile(${q}, sum by (webhook, le) (rate(cnp_webhook_request_duration_seconds_bucket{${NS}}[5m])))`,
      legendFormat: `{{webhook}} p${q * 100}`,
    })),
  },
  { title: "Admissions in flight", unit: "short", targets: [{ expr: `sum(cnp_webhook_requests_in_flight{${NS}})`, legendFormat: "in flight" }] },
  {
    title: "Would deny (warn mode), by rule",
    unit: "short",
    targets: [{ expr: `sum by (rule) (increase(cnp_webhook_would_deny_total{${NS}}[1h]))`, legendFormat: "{{rule}}" }],
  },
  {
    title: "Rule errors (bugs), by rule",
    unit: "short",
    targets: [{ expr: `sum by (rule) (increase(cnp_webhook_rule_errors_total{${NS}}[1h]))`, legendFormat: "{{rule}}" }],
  },
  {
    title: "Reference lookups by kind and outcome",
    unit: "reqps",
    targets: [{ expr: `sum by (kind, outcome) (rate(cnp_webhook_reference_lookups_total{${NS}}[5m]))`, legendFormat: "{{kind}} {{outcome}}" }],
  },
  {
    title: "Serving certificate: time left",
    unit: "s",
    targets: [{ expr: `min by (pod) (cnp_webhook_certificate_expiry_timestamp_seconds{${NS}}) - time()`, legendFormat: "{{pod}}" }],
  },
  {
    title: "Certificate reloads by outcome",
    unit: "short",
    targets: [{ expr: `sum by (outcome) (increase(cnp_webhook_certificate_reloads_total{${NS}}[1h]))`, legendFormat: "{{outcome}}" }],
  },
  {
    title: "Certificate in the Secret refused, by reason",
    unit: "short",
    targets: [{ expr: `max by (pod, reason) (cnp_webhook_certificate_refused{${NS}})`, legendFormat: "{{pod}} {{reason}}" }],
  },
  {
    title: "Watch caches: current (1) and seconds since their last update",
    unit: "short",
    targets: [
      { expr: `min by (pod, kind) (cnp_webhook_cache_synced{${NS}})`, legendFormat: "{{pod}} {{kind}} current" },
      { expr: `max by (pod, kind) (cnp_webhook_cache_last_update_age_seconds{${NS}})`, legendFormat: "{{pod}} {{kind}} age" },
    ],
  },
  {
    title: "Watch caches: relists and failures",
    unit: "short",
    targets: [
      { expr: `sum by (kind) (increase(cnp_webhook_cache_relists_total{${NS}}[1h]))`, legendFormat: "{{kind}} relists" },
      { expr: `sum by (kind, during) (increase(cnp_webhook_cache_errors_total{${NS}}[1h]))`, legendFormat: "{{kind}} {{during}} failures" },
    ],
  },
  {
    title: "Out of file descriptors, by what it was doing",
    unit: "short",
    targets: [{ expr: `sum by (during) (increase(cnp_webhook_file_descriptors_exhausted_total{${NS}}[1h]))`, legendFormat: "{{during}}" }],
  },
];

/** A Grafana dashboard (JSON model, schemaVersion 39) with a data source and a namespace variable. */
export function grafanaDashboard(): Obj {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax: the data source is the one chosen on import.
  const datasource = { type: "prometheus", uid: "${datasource}" };
  return {
    title: "cnp-webhook",
    uid: "cnp-webhook",
    tags: ["cnp-webhook", "kubernetes"],
    timezone: "browser",
    schemaVersion: 39,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    templating: {
      list: [
        { name: "datasource", label: "Data source", type: "datasource", query: "prometheus" },
        {
          name: "namespace",
          label: "Namespace",
          type: "query",
          datasource,
          query: "label_values(cnp_webhook_requests_total, namespace)",
          includeAll: true,
          multi: true,
          current: { text: "All", value: "$__all" },
          refresh: 2,
        },
      ],
    },
    panels: PANELS.map((p, i) => ({
      id: i + 1,
      type: "timeseries",
      title: p.title,
      datasource,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
      targets: p.targets.map((t, j) => ({ datasource, expr: t.expr, legendFormat: t.legendFormat, refId: String.fromCharCode(65 + j) })),
    })),
  };
}

/** The dashboard's file name in its ConfigMap and in components/monitoring/. */
export const DASHBOARD_FILE = "grafana-dashboard.json";
export const dashboardJson = (): string => `${JSON.stringify(grafanaDashboard(), null, 2)}\n`;

/** Grafana's dashboard sidecar (kube-prometheus-stack) loads ConfigMaps with this label. */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

export const dashboardConfigMap = (namespace: string): Obj => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: `${NAME}-dashboard`, namespace, labels: { ...labels, ...DASHBOARD_LABEL } },
  data: { [DASHBOARD_FILE]: dashboardJson() },
});

export const monitoringObjects = (namespace: string, metricsTls: boolean): Obj[] => [
  serviceMonitor(namespace, metricsTls),
  prometheusRule(namespace),
  dashboardConfigMap(namespace),
];
