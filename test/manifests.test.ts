// The install manifests (README "Install and operate"): what `kubectl kustomize` renders from generated/manifests —
// the base, the cert-manager overlay, the CRDs on their own, every component, an overlay that moves the
// namespace and the image, an overlay that patches the webhook knobs — each object valid against the
// Kubernetes OpenAPI models (kubernetes-models: types, enums, required; client-node's models: no
// unknown field), and each rendering equal to `cnp-webhook manifests` with the same choices.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import os from "node:os";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { MutatingWebhookConfiguration, ValidatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1";
import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ClusterRole, ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { ConfigMap, Namespace, Service, ServiceAccount } from "kubernetes-models/v1";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { isCACertificate } from "../certs/tls.js";
import { GROUP, KINDS, type KindName } from "../schemas/kinds.js";
import { validBackup, validCluster, validScheduledBackup } from "../tools/testkit/admission.js";
import { called } from "../tools/testkit/cel.js";
import { makeCerts, tempDir, type CertFiles } from "../tools/testkit/certs.js";
import { runMain } from "../tools/testkit/cli.js";
import { kustomizeUnavailable } from "../tools/testkit/kubectl.js";
import { unknownFields } from "../tools/testkit/openapi.js";
import { REPO_ROOT } from "../tools/testkit/paths.js";
import { admissionReview } from "../tools/testkit/review.js";
import { MAX_OLD_SPACE_MIB, NODE_OPTIONS, OPERATOR_SERVICE_ACCOUNT } from "../webhook/deployment.js";
import { manifestFiles } from "../webhook/install/kustomize.js";

const MANIFESTS = path.join(REPO_ROOT, "generated", "manifests");

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  [k: string]: unknown;
};
type Webhook = {
  name: string;
  admissionReviewVersions: string[];
  sideEffects: string;
  failurePolicy: string;
  timeoutSeconds: number;
  matchPolicy: string;
  namespaceSelector: { matchLabels?: Record<string, string>; matchExpressions: unknown[] };
  objectSelector?: unknown;
  matchConditions?: { name: string; expression: string }[];
  rules: unknown[];
  clientConfig: { service: { name: string; namespace: string; path: string; port: number }; caBundle?: string };
};

const parseYaml = (text: string): Obj[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);

const noKubectl = kustomizeUnavailable;

/** What `kubectl kustomize` printed per directory: the bundle's own directories are rendered once. */
const rendered = new Map<string, string>();
function kustomize(dir: string): Obj[] {
  let text = rendered.get(dir);
  if (text === undefined) {
    const out = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 16 << 20 });
    assert.equal(out.status, 0, out.stderr);
    text = out.stdout;
    if (!dir.startsWith(os.tmpdir())) rendered.set(dir, text); // an overlay's temporary directory is used once
  }
  return parseYaml(text); // fresh objects for every caller
}

/** An overlay in a temporary directory over generated/manifests/ (kustomize wants relative paths). */
function overlay(kustomization: (manifests: string) => Record<string, unknown>, files: Record<string, string> = {}): Obj[] {
  const dir = tempDir("cnp-overlay-");
  try {
    const rel = path.relative(dir, MANIFESTS);
    fs.writeFileSync(path.join(dir, "kustomization.yaml"), JSON.stringify(kustomization(rel), null, 2));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return kustomize(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const manifestsCli = (args: string[]) => runMain(["manifests", ...args]);

async function cliObjects(args: string[]): Promise<Obj[]> {
  const { code, stdout, stderr } = await manifestsCli(args);
  assert.equal(code, 0, stderr);
  return parseYaml(stdout);
}

const find = (objects: Obj[], kind: string): Obj => {
  const found = objects.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0]!;
};
const byKey = (objects: Obj[]) => new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o]));
const webhooksOf = (objects: Obj[], kind: "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration"): Webhook[] =>
  find(objects, kind)["webhooks"] as Webhook[];
const allWebhooks = (objects: Obj[]): Webhook[] => [
  ...webhooksOf(objects, "MutatingWebhookConfiguration"),
  ...webhooksOf(objects, "ValidatingWebhookConfiguration"),
];
/** Each webhook's failurePolicy and timeoutSeconds, as `mcluster Fail 5`. */
const knobs = (objects: Obj[]): string[] => allWebhooks(objects).map((w) => `${w.name.split(".")[0]} ${w.failurePolicy} ${w.timeoutSeconds}`);

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Namespace,
  ServiceAccount,
  Service,
  ConfigMap,
  ClusterRole,
  ClusterRoleBinding,
  Deployment,
  PodDisruptionBudget,
  NetworkPolicy,
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
  CustomResourceDefinition,
  ServiceMonitor,
  PrometheusRule,
};
const INSTALL_KINDS = [
  "Namespace",
  "ServiceAccount",
  "Service",
  "ClusterRole",
  "ClusterRoleBinding",
  "Deployment",
  "PodDisruptionBudget",
  "NetworkPolicy",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
];
/** cert-manager's kinds have no model here (its models need Node 22); their fields are asserted one by one. */
const UNMODELLED = new Set(["Issuer", "Certificate"]);

/** Every object valid against the models: types, enums and required fields, and no field the API does not know. */
function assertValid(objects: Obj[]): void {
  for (const o of objects) {
    const Model = MODELS[o.kind];
    assert.ok(Model || UNMODELLED.has(o.kind), `a model for ${o.kind}`);
    if (Model) assert.doesNotThrow(() => new Model(o as never).validate(), `${o.kind}/${o.metadata.name} is valid`);
    assert.deepEqual(unknownFields(o), [], `${o.kind}/${o.metadata.name}: fields the API does not know`);
  }
}

const PATHS = ["cluster", "backup", "scheduledbackup"].flatMap((k) => [
  `/mutate-postgresql-k8s-enterprisedb-io-v1alpha1-${k}`,
  `/validate-postgresql-k8s-enterprisedb-io-v1alpha1-${k}`,
]);

function assertWebhooks(objects: Obj[], namespace: string, caBundle?: string): void {
  const seen: string[] = [];
  for (const [kind, prefix, timeout] of [
    ["MutatingWebhookConfiguration", "m", 5],
    ["ValidatingWebhookConfiguration", "v", 10],
  ] as const) {
    const webhooks = webhooksOf(objects, kind);
    assert.equal(webhooks.length, 3);
    for (const w of webhooks) {
      const singular = w.clientConfig.service.path.split("-").pop()!;
      assert.equal(w.name, `${prefix}${singular}.cnp-webhook.${GROUP}`);
      assert.deepEqual(w.admissionReviewVersions, ["v1"]);
      assert.equal(w.sideEffects, "None");
      assert.equal(w.failurePolicy, "Fail");
      assert.equal(w.timeoutSeconds, timeout); // defaulting does no I/O
      assert.equal(w.matchPolicy, "Equivalent");
      assert.deepEqual(w.namespaceSelector, { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: [namespace] }] });
      assert.equal(w.objectSelector, undefined);
      assert.equal(w.matchConditions, undefined);
      assert.deepEqual(w.rules, [
        { apiGroups: [GROUP], apiVersions: ["v1alpha1"], operations: ["CREATE", "UPDATE"], resources: [`${singular}s`], scope: "Namespaced" },
      ]);
      assert.deepEqual({ ...w.clientConfig.service, path: undefined }, { name: "cnp-webhook", namespace, port: 443, path: undefined });
      assert.equal(w.clientConfig.caBundle, caBundle);
      seen.push(w.clientConfig.service.path);
    }
  }
  assert.deepEqual(seen.sort(), [...PATHS].sort());
}

/**
 * The Pod Security Standards' `restricted` profile (kubernetes.io/docs/concepts/security/pod-security-standards):
 * the checks that apply to this Pod, so that the Namespace's enforce label cannot keep it from starting.
 */
function assertRestricted(pod: any): void {
  assert.equal(pod.hostNetwork ?? false, false);
  assert.equal(pod.hostPID ?? false, false);
  assert.equal(pod.hostIPC ?? false, false);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.notEqual(pod.securityContext.runAsUser, 0);
  assert.ok(["RuntimeDefault", "Localhost"].includes(pod.securityContext.seccompProfile.type));
  const allowedVolumes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
  for (const v of pod.volumes)
    assert.ok(
      Object.keys(v).every((k) => k === "name" || allowedVolumes.includes(k)),
      JSON.stringify(v),
    );
  for (const c of pod.containers) {
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.equal(c.securityContext.privileged ?? false, false);
    assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
    assert.ok(c.ports.every((p: { hostPort?: number }) => p.hostPort === undefined));
  }
}

function assertInstall(objects: Obj[], namespace = "cnp-system"): void {
  for (const kind of INSTALL_KINDS)
    assert.ok(
      objects.some((o) => o.kind === kind),
      `renders a ${kind}`,
    );
  // The default bundle never carries CRDs: over an installed operator they would replace its own.
  assert.equal(objects.filter((o) => o.kind === "CustomResourceDefinition").length, 0);
  assertValid(objects);
  // RBAC: exactly what the reference checks need (README "References"), nothing more.
  assert.deepEqual(find(objects, "ClusterRole")["rules"], [
    { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
    { apiGroups: [GROUP], resources: ["clusters", "backups"], verbs: ["get", "list", "watch"] },
  ]);
  assert.deepEqual((find(objects, "ClusterRoleBinding")["subjects"] as unknown[])[0], { kind: "ServiceAccount", name: "cnp-webhook", namespace });
  assertWebhooks(objects, namespace, undefined);

  const ns = find(objects, "Namespace");
  assert.equal(ns.metadata.name, namespace);
  for (const mode of ["enforce", "audit", "warn"]) assert.equal(ns.metadata.labels?.[`pod-security.kubernetes.io/${mode}`], "restricted");

  const deployment = find(objects, "Deployment") as Obj & { spec: any };
  assert.equal(deployment.metadata.namespace, namespace);
  assert.equal(deployment.spec.replicas, 2);
  const pod = deployment.spec.template.spec;
  assertRestricted(pod);
  const container = pod.containers[0];
  assert.deepEqual(container.args.slice(0, 5), ["serve", "--tls-cert", "/etc/cnp-webhook/tls/tls.crt", "--tls-key", "/etc/cnp-webhook/tls/tls.key"]);
  assert.deepEqual(container.readinessProbe.httpGet, { path: "/readyz", port: 9443, scheme: "HTTPS" });
  assert.deepEqual(container.livenessProbe.httpGet, { path: "/healthz", port: 9443, scheme: "HTTPS" });
  assert.deepEqual(
    container.ports.map((p: { containerPort: number }) => p.containerPort),
    [9443, 8080],
  );
  assert.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory);
  // V8's own bound comes first: a heap allowed past the container's limit would be OOM-killed instead of collected.
  assert.deepEqual(container.env, [{ name: "NODE_OPTIONS", value: NODE_OPTIONS }]);
  const mebibytes = (q: string) => Number(/^(\d+)Mi$/.exec(q)?.[1]);
  assert.ok(mebibytes(container.resources.limits.memory) >= MAX_OLD_SPACE_MIB + 96, `${container.resources.limits.memory} leaves no room outside the heap`);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  // optional: the Pod starts without the Secret and serves the placeholder certificate until it arrives.
  assert.deepEqual(pod.volumes[0].secret, { secretName: "cnp-webhook-tls", defaultMode: 0o440, optional: true });
  assert.deepEqual(container.volumeMounts[0], { name: "tls", mountPath: "/etc/cnp-webhook/tls", readOnly: true });
  assert.equal(pod.topologySpreadConstraints[0].topologyKey, "kubernetes.io/hostname");
  assert.equal(pod.serviceAccountName, "cnp-webhook");

  const service = find(objects, "Service") as Obj & { spec: any };
  assert.equal(service.spec.ports[0].name, "https");
  assert.deepEqual([service.spec.ports[0].port, service.spec.ports[0].targetPort], [443, 9443]);
  assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
  assert.equal((find(objects, "PodDisruptionBudget") as Obj & { spec: any }).spec.minAvailable, 1);
  assertNetworkPolicy(objects, namespace);
}

type Peer = { namespace: string; pod?: Record<string, string> };
type PolicyPeer = { namespaceSelector?: { matchLabels: Record<string, string> }; podSelector?: unknown; ipBlock?: unknown };
type PolicyRule = { from?: PolicyPeer[]; ports?: { protocol: string; port: number }[] };

/**
 * Whether a NetworkPolicy lets a TCP connection from `peer` reach `port` of the Pods it selects
 * (networking.k8s.io/v1 semantics: rules are ORed; a rule without `from` admits every source, one
 * without `ports` every port). Only the selectors the bundle uses are understood.
 */
function admits(policy: { spec: { ingress?: PolicyRule[] } }, peer: Peer, port: number): boolean {
  return (policy.spec.ingress ?? []).some((rule) => {
    const portOk = rule.ports === undefined || rule.ports.some((p) => p.protocol === "TCP" && p.port === port);
    const fromOk =
      rule.from === undefined ||
      rule.from.some((f) => {
        assert.equal(f.podSelector, undefined, "only namespace selectors are modelled");
        assert.equal(f.ipBlock, undefined, "only namespace selectors are modelled");
        const nsLabels: Record<string, string> = { "kubernetes.io/metadata.name": peer.namespace };
        return Object.entries(f.namespaceSelector?.matchLabels ?? {}).every(([k, v]) => nsLabels[k] === v);
      });
    return portOk && fromOk;
  });
}

/** In by default (README "Install and operate"): only the webhook port from anywhere, metrics from the monitoring namespace. */
function assertNetworkPolicy(objects: Obj[], namespace: string, restrictEgress = false): void {
  const policy = find(objects, "NetworkPolicy") as Obj & { spec: any };
  const deployment = find(objects, "Deployment") as Obj & { spec: any };
  assert.equal(policy.metadata.namespace, namespace);
  assert.deepEqual(policy.spec.podSelector.matchLabels, deployment.spec.selector.matchLabels);
  assert.deepEqual(policy.spec.policyTypes, restrictEgress ? ["Ingress", "Egress"] : ["Ingress"]);
  const container = deployment.spec.template.spec.containers[0];
  const [webhookPort, metricsPort] = container.ports.map((p: { containerPort: number }) => p.containerPort) as [number, number];
  // The port the Service sends the apiserver's calls to, from any source (the apiserver is not a Pod).
  const service = find(objects, "Service") as Obj & { spec: any };
  assert.equal(service.spec.ports[0].targetPort, webhookPort);
  for (const from of ["kube-system", "default", "monitoring", namespace]) assert.ok(admits(policy, { namespace: from }, webhookPort), from);
  // Metrics from the monitoring namespace only; no other port from anywhere.
  assert.ok(admits(policy, { namespace: "monitoring" }, metricsPort));
  for (const from of ["default", "kube-system", namespace]) assert.ok(!admits(policy, { namespace: from }, metricsPort), from);
  for (const port of [22, 80, 443, 8443, 9090]) assert.ok(!admits(policy, { namespace: "monitoring" }, port), String(port));
  if (restrictEgress) {
    assert.deepEqual(policy.spec.egress, [
      {
        ports: [
          { protocol: "TCP", port: 443 },
          { protocol: "TCP", port: 6443 },
        ],
      },
    ]);
  } else {
    assert.equal(policy.spec.egress, undefined);
  }
}

const metricsOnService = (objects: Obj[]): boolean =>
  (find(objects, "Service") as Obj & { spec: any }).spec.ports.some((p: { port: number }) => p.port === 8080);

function assertCertManager(objects: Obj[], namespace = "cnp-system"): void {
  for (const kind of ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]) {
    assert.equal(find(objects, kind).metadata.annotations?.["cert-manager.io/inject-ca-from"], `${namespace}/cnp-webhook`);
  }
  const certificates = objects.filter((o) => o.kind === "Certificate") as (Obj & { spec: any })[];
  const serving = certificates.find((c) => c.metadata.name === "cnp-webhook")!;
  assert.equal(serving.metadata.namespace, namespace); // what inject-ca-from names
  assert.equal(serving.spec.secretName, "cnp-webhook-tls");
  // The SANs of `cnp-webhook certs`: the name the apiserver checks, and the bare one Prometheus checks.
  assert.deepEqual(serving.spec.dnsNames, [
    "cnp-webhook",
    `cnp-webhook.${namespace}`,
    `cnp-webhook.${namespace}.svc`,
    `cnp-webhook.${namespace}.svc.cluster.local`,
  ]);
  assert.equal(serving.spec.commonName, `cnp-webhook.${namespace}.svc`);
  const ca = certificates.find((c) => c.spec.isCA === true)!;
  const caIssuer = objects.find((o) => o.kind === "Issuer" && (o as any).spec.ca?.secretName === ca.spec.secretName)!;
  assert.equal(serving.spec.issuerRef.name, caIssuer.metadata.name);
  for (const o of objects.filter((x) => x.kind === "Issuer" || x.kind === "Certificate")) {
    assert.equal(o.apiVersion, "cert-manager.io/v1");
    assert.equal(o.metadata.namespace, namespace);
  }
}

let certs: CertFiles;
before(async () => {
  certs = await makeCerts();
});
after(() => fs.rmSync(certs.dir, { recursive: true, force: true }));

const OPERATOR_SA = `${OPERATOR_SERVICE_ACCOUNT.namespace}/${OPERATOR_SERVICE_ACCOUNT.name}`;
/** Each component and the `manifests` flags that render the same objects, in the order they compose. */
const COMPONENTS: readonly [string, string[]][] = [
  ["monitoring", ["--monitoring"]],
  ["metrics-tls", ["--metrics-tls"]],
  ["restrict-egress", ["--restrict-egress"]],
  ["exempt-operator", ["--exempt-service-account", OPERATOR_SA]],
  ["warn-mode", ["--enforcement", "warn"]],
];

describe("generated/manifests", { skip: noKubectl }, () => {
  it("kubectl kustomize renders every kind, valid against the Kubernetes OpenAPI models", () => {
    const objects = kustomize(MANIFESTS);
    assertInstall(objects);
    assert.equal(metricsOnService(objects), false, "metrics are not on the Service unless asked for");
    // The checks do check: a wrongly typed field and a misspelt one are refused.
    const deployment = find(objects, "Deployment") as Obj & { spec: object };
    assert.throws(() => new Deployment({ ...deployment, spec: { ...deployment.spec, replicas: "2" } } as never).validate(), /replicas/);
    const webhooks = find(objects, "ValidatingWebhookConfiguration") as Obj & { webhooks: Webhook[] };
    const misspelt = { ...webhooks, webhooks: [{ ...webhooks.webhooks[0], matchCondition: [] }] };
    assert.deepEqual(unknownFields(misspelt), ["webhooks[0].matchCondition"]);
  });

  it("the cert-manager overlay renders: issuers, certificates and inject-ca-from on both configurations", () => {
    const objects = kustomize(path.join(MANIFESTS, "cert-manager"));
    assertInstall(objects);
    assertCertManager(objects);
  });

  it("renders the same objects as `cnp-webhook manifests` (plain and --cert-manager)", async () => {
    for (const [dir, flags] of [
      [MANIFESTS, []],
      [path.join(MANIFESTS, "cert-manager"), ["--cert-manager"]],
    ] as const) {
      assert.deepEqual(byKey(kustomize(dir)), byKey(await cliObjects([...flags])));
    }
  });

  it("the CRDs are their own kustomization, the same as `manifests --crds`", async () => {
    const crds = kustomize(path.join(MANIFESTS, "crds"));
    assert.deepEqual(
      crds.map((o) => [o.kind, o.metadata.name]),
      ["backups", "clusters", "scheduledbackups"].map((p) => ["CustomResourceDefinition", `${p}.${GROUP}`]),
    );
    assertValid(crds);
    assert.deepEqual(byKey(crds), byKey(await cliObjects(["--crds"])));
  });

  it("every component renders valid objects, the same as the `manifests` flags", async () => {
    for (const [name, flags] of COMPONENTS) {
      // metrics-tls patches the ServiceMonitor that monitoring adds: it comes after it.
      const components = name === "metrics-tls" ? ["monitoring", name] : [name];
      const cliFlags = name === "metrics-tls" ? ["--monitoring", ...flags] : flags;
      const rendered = overlay((m) => ({ resources: [m], components: components.map((c) => `${m}/components/${c}`) }));
      assertValid(rendered);
      assert.deepEqual(byKey(rendered), byKey(await cliObjects(cliFlags)), name);
    }
    const all = overlay((m) => ({ resources: [`${m}/cert-manager`], components: COMPONENTS.map(([c]) => `${m}/components/${c}`) }));
    assertValid(all);
    assert.deepEqual(byKey(all), byKey(await cliObjects(["--cert-manager", ...COMPONENTS.flatMap(([, f]) => f)])));
  });

  it("an overlay that moves the namespace and the image keeps every name consistent (with namespace-sync)", async () => {
    const ns = "platform-webhooks";
    const image = "registry.example.com/cnp-webhook:9.9.9";
    const rendered = overlay((m) => ({
      namespace: ns,
      resources: [`${m}/cert-manager`],
      components: COMPONENTS.map(([c]) => `${m}/components/${c}`),
      transformers: [`${m}/namespace-sync`],
      images: [{ name: "cnp-webhook", newName: "registry.example.com/cnp-webhook", newTag: "9.9.9" }],
    }));
    assertValid(rendered);
    assertCertManager(rendered, ns);
    assertWebhooks(
      rendered.map((o) =>
        o.kind.endsWith("WebhookConfiguration") ? { ...o, webhooks: (o["webhooks"] as Webhook[]).map(({ matchConditions: _, ...w }) => w) } : o,
      ),
      ns,
    );
    // Every name: nothing anywhere still says cnp-system, every namespaced object is in the new namespace.
    assert.doesNotMatch(JSON.stringify(rendered), /cnp-system/);
    for (const o of rendered)
      if (!["Namespace", "ClusterRole", "ClusterRoleBinding"].includes(o.kind) && !o.kind.endsWith("WebhookConfiguration")) {
        assert.equal(o.metadata.namespace, ns, `${o.kind}/${o.metadata.name}`);
      }
    assertNetworkPolicy(rendered, ns, true);
    assert.equal(find(rendered, "Namespace").metadata.name, ns);
    assert.equal((find(rendered, "ClusterRoleBinding")["subjects"] as { namespace: string }[])[0]?.namespace, ns);
    assert.equal((find(rendered, "Deployment") as any).spec.template.spec.containers[0].image, image);
    // The same objects as the command with the same choices.
    const cli = await cliObjects(["--namespace", ns, "--image", image, "--cert-manager", ...COMPONENTS.flatMap(([, f]) => f)]);
    assert.deepEqual(byKey(rendered), byKey(cli));

    // Without namespace-sync, kustomize alone leaves the certificate, CA injection and exclusion behind.
    const unsynced = overlay((m) => ({ namespace: ns, resources: [`${m}/cert-manager`] }));
    const serving = unsynced.find((o) => o.kind === "Certificate" && o.metadata.name === "cnp-webhook") as any;
    assert.ok(serving.spec.dnsNames.includes("cnp-webhook.cnp-system.svc"));
    assert.equal(find(unsynced, "ValidatingWebhookConfiguration").metadata.annotations?.["cert-manager.io/inject-ca-from"], "cnp-system/cnp-webhook");
  });

  it("the NetworkPolicy is in the bundle; the no-network-policy component leaves it out, like --no-network-policy", async () => {
    for (const dir of [MANIFESTS, path.join(MANIFESTS, "cert-manager")]) assertNetworkPolicy(kustomize(dir), "cnp-system");
    const without = overlay((m) => ({ resources: [`${m}/cert-manager`], components: [`${m}/components/no-network-policy`] }));
    assert.equal(without.filter((o) => o.kind === "NetworkPolicy").length, 0);
    assertValid(without);
    assertCertManager(without);
    assert.deepEqual(byKey(without), byKey(await cliObjects(["--cert-manager", "--no-network-policy"])));
    // Nothing else is left out.
    const all = kustomize(path.join(MANIFESTS, "cert-manager"));
    assert.deepEqual(
      [...byKey(all).keys()].filter((k) => !k.startsWith("NetworkPolicy/")),
      [...byKey(without).keys()],
    );
  });

  it("the exempt-operator component as rendered: CEL skips the operator's requests of every kind, not a user's", () => {
    const rendered = overlay((m) => ({ resources: [m], components: [`${m}/components/exempt-operator`] }));
    const samples: Record<KindName, unknown> = { Cluster: validCluster(), Backup: validBackup(), ScheduledBackup: validScheduledBackup() };
    const operator = `system:serviceaccount:${OPERATOR_SA.replace("/", ":")}`;
    let evaluated = 0;
    for (const w of allWebhooks(rendered)) {
      const kind = KINDS.find((k) => w.clientConfig.service.path.endsWith(`-${k.singular}`))!.kind;
      for (const operation of ["CREATE", "UPDATE"] as const) {
        const request = (username: string) =>
          admissionReview(kind, samples[kind], { operation, userInfo: { username, groups: ["system:authenticated"] } }).request;
        assert.equal(called(w.matchConditions, request(operator)), false, `${w.name} ${operation} by the operator`);
        assert.equal(called(w.matchConditions, request("alice@example.com")), true, `${w.name} ${operation} by a user`);
        evaluated++;
      }
    }
    assert.equal(evaluated, 12);
  });

  it("the README's patch of the knobs renders valid objects, the same as the flags", async () => {
    const patch = ["- {op: replace, path: /webhooks/1/failurePolicy, value: Ignore}", "- {op: replace, path: /webhooks/0/timeoutSeconds, value: 15}"].join(
      "\n",
    );
    const rendered = overlay((m) => ({ resources: [m], patches: [{ target: { kind: "ValidatingWebhookConfiguration", name: "cnp-webhook" }, patch }] }));
    assertValid(rendered);
    assert.deepEqual(byKey(rendered), byKey(await cliObjects(["--failure-policy", "validate-backup=Ignore", "--timeout-seconds", "validate-cluster=15"])));
  });

  it("an overlay patching every knob renders valid objects, the same as the flags", async () => {
    const skip = [0, 1, 2].map((i) => ({
      op: "add",
      path: `/webhooks/${i}/objectSelector`,
      value: { matchExpressions: [{ key: "cnp-webhook.io/skip", operator: "DoesNotExist" }] },
    }));
    const patches = {
      ValidatingWebhookConfiguration: [
        ...skip,
        { op: "replace", path: "/webhooks/1/failurePolicy", value: "Ignore" },
        { op: "replace", path: "/webhooks/0/timeoutSeconds", value: 15 },
      ],
      MutatingWebhookConfiguration: [...skip, { op: "replace", path: "/webhooks/1/failurePolicy", value: "Ignore" }],
    };
    const rendered = overlay((m) => ({
      resources: [m],
      patches: Object.entries(patches).map(([kind, ops]) => ({ target: { kind, name: "cnp-webhook" }, patch: JSON.stringify(ops) })),
    }));
    assertValid(rendered);
    const cli = await cliObjects([
      "--failure-policy",
      "backup=Ignore",
      "--timeout-seconds",
      "validate-cluster=15",
      "--object-selector",
      "!cnp-webhook.io/skip",
    ]);
    assert.deepEqual(byKey(rendered), byKey(cli));
    assert.deepEqual(knobs(rendered), [
      "mcluster Fail 5",
      "mbackup Ignore 5",
      "mscheduledbackup Fail 5",
      "vcluster Fail 15",
      "vbackup Ignore 10",
      "vscheduledbackup Fail 10",
    ]);
  });
});

describe("generated/manifests on disk", () => {
  it("is what the generator writes now (make generate is up to date)", () => {
    const crdDir = path.join(REPO_ROOT, "generated", "crds");
    const crds = Object.fromEntries(fs.readdirSync(crdDir).map((f) => [f, fs.readFileSync(path.join(crdDir, f), "utf8")]));
    for (const [name, text] of Object.entries(manifestFiles(crds))) {
      assert.equal(fs.readFileSync(path.join(MANIFESTS, name), "utf8"), text, name);
    }
  });
});

describe("cnp-webhook manifests", () => {
  it("prints a complete install (without the CRDs) that passes the same checks", async () => {
    const { code, stdout, stderr } = await manifestsCli([]);
    assert.equal(code, 0);
    assert.match(stderr, /no caBundle/); // says what is missing
    assert.match(stderr, /^cnp-webhook manifests: note: no --image: the Deployment runs "cnp-webhook:\d+\.\d+\.\d+", a name without a registry /m);
    assertInstall(parseYaml(stdout));
    const given = await manifestsCli(["--image", "registry.example.com/cnp-webhook:0.1.0"]);
    assert.doesNotMatch(given.stderr, /--image/, "an image given is not warned about");
  });

  it("--ca-bundle with the CA embeds it in every webhook", async () => {
    const { code, stdout, stderr } = await manifestsCli(["--ca-bundle", path.join(certs.dir, "ca.crt")]);
    assert.equal(code, 0, stderr);
    const objects = parseYaml(stdout);
    assertWebhooks(objects, "cnp-system", Buffer.from(certs.caPem).toString("base64"));
    assert.ok(isCACertificate(Buffer.from(Buffer.from(certs.caPem).toString("base64"), "base64").toString()));
  });

  it("--ca-bundle with the serving certificate is refused with exit 2", async () => {
    const out = await manifestsCli(["--ca-bundle", certs.cert]);
    assert.equal(out.code, 2);
    assert.equal(out.stdout, "");
    assert.match(out.stderr, /is not a CA certificate/);
    assert.match(out.stderr, /serving certificate/);
  });

  it("refuses with exit 2 and a message: not a certificate, a key, a missing file, bad flags", async () => {
    const garbage = path.join(certs.dir, "garbage.pem");
    fs.writeFileSync(garbage, "hello\n");
    const cases: [string[], RegExp][] = [
      [["--ca-bundle", garbage], /not a PEM certificate/],
      [["--ca-bundle", certs.key], /private key/],
      [["--ca-bundle", path.join(certs.dir, "nope.crt")], /cannot read/],
      [["--ca-bundle", path.join(certs.dir, "ca.crt"), "--cert-manager"], /exclusive/],
      [["--namespace", "Not_A_Namespace"], /not a valid DNS label/],
      [["--image", ""], /not an image/],
      [["--bogus"], /unknown flag --bogus/],
      [["stray"], /unexpected argument "stray"/],
      [["--crds", "--cert-manager"], /--crds prints the CRDs only/],
      [["--failure-policy", "Sometimes"], /--failure-policy must be Fail or Ignore, not "Sometimes"/],
      [["--failure-policy", "backups=Ignore"], /--failure-policy: "backups" names no webhook; use one of mutate, validate, cluster, backup/],
      [["--timeout-seconds", "31"], /--timeout-seconds must be a whole number of seconds from 1 to 30, not "31"/],
      [["--timeout-seconds", "mutate=0"], /from 1 to 30, not "0"/],
      [["--namespace-selector", "env in (prod"], /--namespace-selector: unbalanced "\(" in "env in \(prod"/],
      [["--object-selector", "Bad Key=x"], /--object-selector: cannot read "Bad Key=x"/],
      [["--object-selector", "team=-x"], /--object-selector: label value "-x"/],
      [["--exempt-service-account", "operator"], /--exempt-service-account must be NAMESPACE\/NAME, not "operator"/],
      [["--exempt-service-account", "Ops/x"], /not a valid DNS label/],
      [["--enforcement", "audit"], /--enforcement must be one of deny, warn, not "audit"/],
      [["--no-network-policy", "--restrict-egress"], /--restrict-egress changes the NetworkPolicy that --no-network-policy leaves out/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await manifestsCli(args);
      assert.equal(code, 2, args.join(" "));
      assert.equal(stdout, "");
      assert.match(stderr, message);
    }
  });

  it("--namespace, --image and --cert-manager change what they should", async () => {
    const { code, stdout } = await manifestsCli(["--namespace", "webhooks", "--image", "registry.example/cnp-webhook:1.2.3", "--cert-manager"]);
    assert.equal(code, 0);
    const objects = parseYaml(stdout);
    assert.equal(objects.filter((o) => o.kind === "CustomResourceDefinition").length, 0);
    assertWebhooks(objects, "webhooks", undefined);
    assertCertManager(objects, "webhooks");
    assert.equal(find(objects, "Namespace").metadata.name, "webhooks");
    assert.equal((find(objects, "Deployment") as any).spec.template.spec.containers[0].image, "registry.example/cnp-webhook:1.2.3");
    for (const o of objects) if (o.metadata.namespace !== undefined) assert.equal(o.metadata.namespace, "webhooks", `${o.kind}/${o.metadata.name}`);
  });

  it("the webhook knobs render valid objects with what was asked, and nothing else changes", async () => {
    const objects = await cliObjects([
      ...["--failure-policy", "Ignore", "--failure-policy", "validate=Fail,mutate-backup=Fail"],
      ...["--timeout-seconds", "20", "--timeout-seconds", "mutate=3"],
      ...["--namespace-selector", "env in (prod, staging),team!=legacy,cnp-webhook.io/enabled=true"],
      ...["--object-selector", "!cnp-webhook.io/skip"],
      ...["--exempt-service-account", OPERATOR_SA, "--exempt-service-account", "ci/deployer"],
    ]);
    assertValid(objects);
    assert.deepEqual(knobs(objects), [
      "mcluster Ignore 3",
      "mbackup Fail 3",
      "mscheduledbackup Ignore 3",
      "vcluster Fail 20",
      "vbackup Fail 20",
      "vscheduledbackup Fail 20",
    ]);
    for (const w of allWebhooks(objects)) {
      assert.deepEqual(w.namespaceSelector, {
        matchLabels: { "cnp-webhook.io/enabled": "true" },
        matchExpressions: [
          { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["cnp-system"] }, // always kept
          { key: "env", operator: "In", values: ["prod", "staging"] },
          { key: "team", operator: "NotIn", values: ["legacy"] },
        ],
      });
      assert.deepEqual(w.objectSelector, { matchExpressions: [{ key: "cnp-webhook.io/skip", operator: "DoesNotExist" }] });
      assert.deepEqual(w.matchConditions, [
        {
          name: "exempt-service-accounts",
          expression:
            "!(request.userInfo.username in ['system:serviceaccount:postgresql-operator-system:postgresql-operator-manager', 'system:serviceaccount:ci:deployer'])",
        },
      ]);
    }
    // Everything else is the default install.
    const strip = (o: Obj): Obj => (o.kind.endsWith("WebhookConfiguration") ? { ...o, webhooks: undefined } : o);
    assert.deepEqual(byKey(objects.map(strip)), byKey((await cliObjects([])).map(strip)));
  });

  it("--monitoring, --metrics-tls, --restrict-egress and --enforcement warn", async () => {
    const objects = await cliObjects(["--monitoring", "--metrics-tls", "--restrict-egress", "--enforcement", "warn"]);
    assertValid(objects);
    assert.ok(metricsOnService(objects));
    const deployment = find(objects, "Deployment") as any;
    assert.deepEqual(deployment.spec.template.spec.containers[0].args.slice(5), ["--metrics-tls", "--tls-san", "cnp-webhook", "--enforcement", "warn"]);
    assert.equal(deployment.spec.template.metadata.annotations["prometheus.io/scheme"], "https");
    const monitor = find(objects, "ServiceMonitor") as any;
    assert.deepEqual(monitor.spec.endpoints, [
      {
        port: "metrics",
        path: "/metrics",
        interval: "30s",
        scheme: "https",
        tlsConfig: { ca: { secret: { name: "cnp-webhook-tls", key: "ca.crt" } }, serverName: "cnp-webhook" },
      },
    ]);
    assert.deepEqual(monitor.spec.selector.matchLabels, (find(objects, "Service") as any).spec.selector);
    assertNetworkPolicy(objects, "cnp-system", true);
    const dashboard = find(objects, "ConfigMap") as any;
    assert.equal(dashboard.metadata.labels.grafana_dashboard, "1");
    assert.equal(JSON.parse(dashboard.data["grafana-dashboard.json"]).uid, "cnp-webhook");
    // Without the flags none of it is there.
    const plain = await cliObjects([]);
    for (const kind of ["ServiceMonitor", "PrometheusRule", "ConfigMap"]) assert.ok(!plain.some((o) => o.kind === kind), kind);
    assertNetworkPolicy(plain, "cnp-system"); // in by default, ingress only
    assert.ok(!(await cliObjects(["--no-network-policy"])).some((o) => o.kind === "NetworkPolicy"));
    assert.deepEqual((find(plain, "Deployment") as any).spec.template.spec.containers[0].args.length, 5);
  });

  it("--help exits 0", async () => {
    const { code, stdout } = await manifestsCli(["--help"]);
    assert.equal(code, 0);
    assert.match(stdout, /--ca-bundle FILE/);
  });
});
