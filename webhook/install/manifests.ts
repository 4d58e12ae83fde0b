// What an admin applies (README "Install and operate"): the webhook's Namespace, RBAC, Deployment, Service, PDB and webhook
// configurations, as plain objects rendered with `yaml`. Same options, same bytes: `make generate`
// writes them to generated/manifests/, `cnp-webhook manifests` prints them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { FILE_NAMES } from "../../certs/files.js";
import { GROUP, KINDS, VERSION } from "../../schemas/kinds.js";
import {
  MEMORY,
  METRICS_PORT,
  NAME,
  NAMESPACE,
  NODE_OPTIONS,
  RUN_AS_USER,
  SERVICE_PORT,
  TLS_DIR,
  TLS_SECRET,
  WEBHOOK_PORT,
  serviceHost,
} from "../deployment.js";
import { route, type Role } from "../kinds.js";
import { REFERENCE_KINDS, type ReferenceKindInfo } from "../references/kinds.js";

export interface InstallOptions {
  readonly namespace: string;
  readonly image: string;
  /** base64 of the PEM CA bundle, for every webhook's clientConfig.caBundle. */
  readonly caBundle?: string;
  /** Annotate the webhook configurations for cert-manager's CA injector. */
  readonly certManager?: boolean;
}

type Obj = Record<string, unknown>;

/** `cnp-webhook:<package version>`: the tag the Dockerfile's image is built with. */
export function webhookImage(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };
  return `${NAME}:${pkg.version}`;
}

const labels = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "webhook" };
const meta = (name: string, namespace?: string, extra: Obj = {}): Obj => ({ name, ...(namespace ? { namespace } : {}), labels, ...extra });

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

function deployment(ns: string, image: string): Obj {
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
          annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": String(METRICS_PORT), "prometheus.io/path": "/metrics" },
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
              image,
              imagePullPolicy: "IfNotPresent",
              args: ["serve", "--tls-cert", join(TLS_DIR, FILE_NAMES.cert), "--tls-key", join(TLS_DIR, FILE_NAMES.key)],
              env: [{ name: "NODE_OPTIONS", value: NODE_OPTIONS }],
              ports: [
                { name: "https", containerPort: WEBHOOK_PORT, protocol: "TCP" },
                { name: "metrics", containerPort: METRICS_PORT, protocol: "TCP" },
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
          volumes: [{ name: "tls", secret: { secretName: TLS_SECRET, defaultMode: 0o440 /* rendered as 288 */ } }],
        },
      },
    },
  };
}

function service(ns: string): Obj {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(NAME, ns),
    spec: {
      selector: labels,
      ports: [
        { name: "https", port: SERVICE_PORT, targetPort: WEBHOOK_PORT, protocol: "TCP" },
        { name: "metrics", port: METRICS_PORT, targetPort: METRICS_PORT, protocol: "TCP" },
      ],
    },
  };
}

const pdb = (ns: string): Obj => ({
  apiVersion: "policy/v1",
  kind: "PodDisruptionBudget",
  metadata: meta(NAME, ns),
  spec: { minAvailable: 1, selector: { matchLabels: labels } },
});

function webhookConfiguration(role: Role, o: InstallOptions): Obj {
  const webhooks = KINDS.map((k) => ({
    name: route(role, k.kind).webhookName,
    admissionReviewVersions: ["v1"],
    clientConfig: {
      service: { name: NAME, namespace: o.namespace, path: route(role, k.kind).path, port: SERVICE_PORT },
      ...(o.caBundle ? { caBundle: o.caBundle } : {}),
    },
    rules: [{ apiGroups: [GROUP], apiVersions: [VERSION], operations: ["CREATE", "UPDATE"], resources: [k.plural], scope: "Namespaced" }],
    failurePolicy: "Fail",
    matchPolicy: "Equivalent",
    sideEffects: "None",
    timeoutSeconds: 10,
    // The webhook must never gate its own namespace (it could not come back up otherwise).
    namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: [o.namespace] }] },
    ...(role === "mutate" ? { reinvocationPolicy: "Never" } : {}),
  }));
  const annotations = o.certManager ? { annotations: { "cert-manager.io/inject-ca-from": `${o.namespace}/${NAME}` } } : {};
  return {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: role === "mutate" ? "MutatingWebhookConfiguration" : "ValidatingWebhookConfiguration",
    metadata: meta(NAME, undefined, annotations),
    webhooks,
  };
}

/**
 * cert-manager: a self-signed issuer signs a CA, the CA issues the serving certificate into Secret
 * cnp-webhook-tls, and the CA injector copies that Secret's ca.crt into the webhook configurations.
 * Serving certificates renew without the caBundle changing.
 */
function certManagerObjects(ns: string): Obj[] {
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
        dnsNames: [serviceHost(NAME, ns), `${serviceHost(NAME, ns)}.cluster.local`],
        duration: "2160h",
        renewBefore: "720h",
        privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        usages: ["server auth", "digital signature", "key encipherment"],
        issuerRef: { name: `${NAME}-ca`, kind: "Issuer" },
      },
    },
  ];
}

/** Every object of the install, the webhook configurations last (they gate admissions once applied). */
export function installObjects(o: InstallOptions): Obj[] {
  return [
    { apiVersion: "v1", kind: "Namespace", metadata: meta(o.namespace) },
    ...rbac(o.namespace),
    ...(o.certManager ? certManagerObjects(o.namespace) : []),
    service(o.namespace),
    deployment(o.namespace, o.image),
    pdb(o.namespace),
    webhookConfiguration("mutate", o),
    webhookConfiguration("validate", o),
  ];
}

// Shared label objects would otherwise come out as YAML anchors and aliases (&a1 / *a1).
const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;
const HEADER = "# Generated by `make generate` from webhook/install/manifests.ts. Do not edit.\n";
const yaml = (objects: readonly Obj[]): string => objects.map((o) => stringify(o, YAML_OPTIONS)).join("---\n");

/** A multi-document YAML stream. */
export function renderYaml(objects: readonly Obj[], header = ""): string {
  return header + yaml(objects);
}

const kustomization = (resources: string[], extra: Obj = {}): string =>
  HEADER + stringify({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources, ...extra }, YAML_OPTIONS);

/**
 * generated/manifests/: `kubectl apply -k generated/manifests` (certificates from `cnp-webhook certs`)
 * or `-k generated/manifests/cert-manager`. Both build on base/ — an overlay cannot live inside its own
 * base (kustomize reports a cycle), and the CRDs are copied into base/crds/ because kustomize refuses
 * files outside a kustomization's root (`../crds/...`).
 * @param crds generated/crds/ file name → content
 */
export function manifestFiles(crds: Record<string, string>, image = webhookImage()): Record<string, string> {
  const o: InstallOptions = { namespace: NAMESPACE, image };
  const all = installObjects(o);
  const byKind = (...kinds: string[]) => all.filter((x) => kinds.includes(x["kind"] as string));
  const base: Record<string, string> = {
    "namespace.yaml": renderYaml(byKind("Namespace"), HEADER),
    "rbac.yaml": renderYaml(byKind("ServiceAccount", "ClusterRole", "ClusterRoleBinding"), HEADER),
    "service.yaml": renderYaml(byKind("Service"), HEADER),
    "deployment.yaml": renderYaml(byKind("Deployment", "PodDisruptionBudget"), HEADER),
    "webhooks.yaml": renderYaml(byKind("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"), HEADER),
  };
  const crdNames = Object.keys(crds).sort();
  const files: Record<string, string> = {
    "kustomization.yaml": kustomization(["base"]),
    "base/kustomization.yaml": kustomization([...Object.keys(base), ...crdNames.map((f) => `crds/${f}`)]),
    "cert-manager/kustomization.yaml": kustomization(["../base", "certificates.yaml"], {
      patches: ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"].map((kind) => ({
        target: { kind, name: NAME },
        patch: stringify([{ op: "add", path: "/metadata/annotations", value: { "cert-manager.io/inject-ca-from": `${NAMESPACE}/${NAME}` } }]),
      })),
    }),
    "cert-manager/certificates.yaml": renderYaml(certManagerObjects(NAMESPACE), HEADER),
  };
  for (const [name, text] of Object.entries(base)) files[`base/${name}`] = text;
  for (const name of crdNames) files[`base/crds/${name}`] = crds[name]!;
  return files;
}
