// What an admin applies (README "Install and operate"): the webhook's Namespace, RBAC, Deployment, Service, PDB,
// NetworkPolicy and webhook configurations, as plain objects rendered with `yaml`. Same options, same bytes: `make generate`
// writes them to generated/manifests/, `cnp-webhook manifests` prints them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { FILE_NAMES } from "../../certs/files.js";
import { MEMORY, METRICS_PORT, NAME, NODE_OPTIONS, RUN_AS_USER, SERVICE_PORT, TLS_DIR, TLS_SECRET, WEBHOOK_PORT, serviceHost } from "../deployment.js";
import { REFERENCE_KINDS, type ReferenceKindInfo } from "../references/reference-kinds.js";
import { labels, meta, type Obj } from "./meta.js";
import { METRICS_PORT_NAME, monitoringObjects } from "./monitoring.js";
import { networkPolicy } from "./network.js";
import { webhookConfiguration, type WebhookConfigurationOptions } from "./webhooks.js";

export interface InstallOptions extends WebhookConfigurationOptions {
  readonly image: string;
  /** Annotate the webhook configurations for cert-manager's CA injector, and add its Issuers and Certificates. */
  readonly certManager?: boolean;
  /** `serve --enforcement warn`: admit what would be denied, with warnings (README "Rolling out"). */
  readonly enforcement?: "deny" | "warn";
  /** `serve --metrics-tls`: /metrics over HTTPS with the serving certificate. */
  readonly metricsTls?: boolean;
  /** The metrics port on the Service, a ServiceMonitor, a PrometheusRule and a Grafana dashboard. */
  readonly monitoring?: boolean;
  /** The NetworkPolicy for the webhook's Pods: on unless false (`manifests --no-network-policy`). */
  readonly networkPolicy?: boolean;
  /** The NetworkPolicy limits egress to the API server's ports too. */
  readonly restrictEgress?: boolean;
}

/** `cnp-webhook:<package version>`: the tag the Dockerfile's image is built with. */
export function webhookImage(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return `${NAME}:${pkg.version}`;
}

/** Kinds with the same group and verbs share one rule: `{apiGroups: [G], resources: [a, b], verbs}`. */
function rbacRules(kinds: readonly ReferenceKindInfo[]): Obj[] {
  const rules = new Map<string, { apiGroups: string[]; resources: string[]; verbs: string[] }>();
  for (const k of kinds) {
    const key = `${k.group} ${k.verbs.join(",")}`;
    const rule = rules.get(key) ?? { apiGroups: [k.group], resources: [], verbs: [...k.verbs] };
    rule.resources.push(k.plural);
    rules.set(key, rule);
  }
  return [...rules.values()];
}

function rbac(ns: string): Obj[] {
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(NAME, ns) },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: meta(NAME),
      // Reference checks only (README "References"), one rule per group and verbs of the reference table.
      rules: rbacRules(Object.values(REFERENCE_KINDS)),
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: meta(NAME),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: NAME },
      subjects: [{ kind: "ServiceAccount", name: NAME, namespace: ns }],
    },
  ];
}

/** `serve`'s arguments in the Pod: the mounted certificate, and the options that change how it serves. */
function serveArgs(o: InstallOptions): string[] {
  return [
    "serve",
    ...["--tls-cert", join(TLS_DIR, FILE_NAMES.cert), "--tls-key", join(TLS_DIR, FILE_NAMES.key)],
    // Prometheus checks the bare Service name (monitoring.ts): the certificate must cover it too.
    ...(o.metricsTls ? ["--metrics-tls", "--tls-san", NAME] : []),
    ...(o.enforcement === "warn" ? ["--enforcement", "warn"] : []),
  ];
}

function deployment(o: InstallOptions): Obj {
  const ns = o.namespace;
  const probe = (path: string, periodSeconds: number, failureThreshold: number): Obj => ({
    httpGet: { path, port: WEBHOOK_PORT, scheme: "HTTPS" },
    periodSeconds,
    timeoutSeconds: 2,
    failureThreshold,
  });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(NAME, ns),
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: {
          labels,
          annotations: {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": String(METRICS_PORT),
            "prometheus.io/path": "/metrics",
            ...(o.metricsTls ? { "prometheus.io/scheme": "https" } : {}),
          },
        },
        spec: {
          serviceAccountName: NAME,
          // 5 s preStop + up to 10 s of draining (README "Install and operate") fit well within it.
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_USER,
            runAsGroup: RUN_AS_USER,
            fsGroup: RUN_AS_USER, // makes the 0440 Secret files readable by the process
            seccompProfile: { type: "RuntimeDefault" },
          },
          // One replica per node where possible, without refusing to schedule on a single-node cluster.
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: labels } },
          ],
          containers: [
            {
              name: "webhook",
              image: o.image,
              imagePullPolicy: "IfNotPresent",
              args: serveArgs(o),
              env: [{ name: "NODE_OPTIONS", value: NODE_OPTIONS }],
              ports: [
                { name: "https", containerPort: WEBHOOK_PORT, protocol: "TCP" },
                { name: METRICS_PORT_NAME, containerPort: METRICS_PORT, protocol: "TCP" },
              ],
              readinessProbe: probe("/readyz", 5, 3),
              livenessProbe: { ...probe("/healthz", 10, 3), initialDelaySeconds: 5 },
              // Endpoints are removed concurrently with SIGTERM: keep serving while that propagates.
              lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } },
              resources: { requests: { cpu: "50m", memory: MEMORY.request }, limits: { cpu: "500m", memory: MEMORY.limit } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              volumeMounts: [{ name: "tls", mountPath: TLS_DIR, readOnly: true }],
            },
          ],
          // optional: the Pod starts before the Secret exists (cert-manager not done yet) and serves a
          // placeholder certificate, not ready, until the kubelet fills the volume (README "Operate").
          volumes: [{ name: "tls", secret: { secretName: TLS_SECRET, defaultMode: 0o440 /* rendered as 288 */, optional: true } }],
        },
      },
    },
  };
}

/** The Service's metrics port, only with the monitoring component: metrics are not exposed unless asked for. */
export const SERVICE_METRICS_PORT = { name: METRICS_PORT_NAME, port: METRICS_PORT, targetPort: METRICS_PORT, protocol: "TCP" } as const;

function service(ns: string, monitoring: boolean): Obj {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(NAME, ns),
    spec: {
      selector: labels,
      ports: [{ name: "https", port: SERVICE_PORT, targetPort: WEBHOOK_PORT, protocol: "TCP" }, ...(monitoring ? [SERVICE_METRICS_PORT] : [])],
    },
  };
}

const pdb = (ns: string): Obj => ({
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: meta(NAME, ns),
  spec: { minAvailable: 1, selector: { matchLabels: labels } },
});

/**
 * cert-manager: a self-signed issuer signs a CA, the CA issues the serving certificate into Secret
 * cnp-webhook-tls, and the CA injector copies that Secret's ca.crt into the webhook configurations.
 * Serving certificates renew without the caBundle changing.
 */
export function certManagerObjects(ns: string): Obj[] {
  const cm = "cert-manager.io/v1";
  return [
    { apiVersion: cm, kind: "Issuer", metadata: meta(`${NAME}-selfsigned`, ns), spec: { selfSigned: {} } },
    {
      apiVersion: cm,
      kind: "Certificate",
      metadata: meta(`${NAME}-ca`, ns),
      spec: {
        isCA: true,
        commonName: `${NAME}-ca`,
        secretName: `${NAME}-ca`,
        duration: "87600h",
        privateKey: { algorithm: "ECDSA", size: 256 },
        issuerRef: { name: `${NAME}-selfsigned`, kind: "Issuer" },
      },
    },
    { apiVersion: cm, kind: "Issuer", metadata: meta(`${NAME}-ca`, ns), spec: { ca: { secretName: `${NAME}-ca` } } },
    {
      apiVersion: cm,
      kind: "Certificate",
      metadata: meta(NAME, ns),
      spec: {
        secretName: TLS_SECRET,
        commonName: serviceHost(NAME, ns),
        // As `cnp-webhook certs` makes them; the bare name is what Prometheus checks with --metrics-tls.
        dnsNames: [NAME, `${NAME}.${ns}`, serviceHost(NAME, ns), `${serviceHost(NAME, ns)}.cluster.local`],
        duration: "2160h",
        renewBefore: "720h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        usages: ["server auth", "digital signature", "key encipherment"],
        issuerRef: { name: `${NAME}-ca`, kind: "Issuer" },
      },
    },
  ];
}

/** Pod Security Admission: the webhook's Pods meet the `restricted` profile, and the namespace enforces it. */
const POD_SECURITY_LABELS = Object.fromEntries(
  ["enforce", "audit", "warn"].flatMap((mode) => [
    [`pod-security.kubernetes.io/${mode}`, "restricted"],
    [`pod-security.kubernetes.io/${mode}-version`, "latest"],
  ]),
);

const namespaceObject = (ns: string): Obj => ({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels: { ...labels, ...POD_SECURITY_LABELS } } });

export const injectCAFrom = (namespace: string): Obj => ({ "cert-manager.io/inject-ca-from": `${namespace}/${NAME}` });

/** Every object of the install, the webhook configurations last (they gate admissions once applied). */
export function installObjects(o: InstallOptions): Obj[] {
  const webhookMeta = meta(NAME, undefined, o.certManager ? { annotations: injectCAFrom(o.namespace) } : {});
  return [
    namespaceObject(o.namespace),
    ...rbac(o.namespace),
    ...(o.certManager ? certManagerObjects(o.namespace) : []),
    service(o.namespace, o.monitoring === true),
    deployment(o),
    pdb(o.namespace),
    ...(o.monitoring ? monitoringObjects(o.namespace, o.metricsTls === true) : []),
    ...(o.networkPolicy !== false ? [networkPolicy(o.namespace, o.restrictEgress === true)] : []),
    webhookConfiguration("mutate", o, webhookMeta),
    webhookConfiguration("validate", o, webhookMeta),
  ];
}

// Shared label objects would otherwise come out as YAML anchors and aliases (&a1 / *a1).
export const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

/** A multi-document YAML stream. */
export function renderYaml(objects: readonly Obj[], header = ""): string {
  return header + objects.map((o) => stringify(o, YAML_OPTIONS)).join("---\n");
}
