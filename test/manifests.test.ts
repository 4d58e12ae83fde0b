// The install manifests (README "Install and operate"): what `kubectl kustomize generated/manifests` renders, checked field by
// field and against the Kubernetes OpenAPI models; the cert-manager variant; and `cnp-webhook manifests`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { MutatingWebhookConfiguration, ValidatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1";
import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ClusterRole, ClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import { Namespace, Service, ServiceAccount } from "kubernetes-models/v1";
import { isCACertificate } from "../certs/tls.js";
import { GROUP } from "../schemas/kinds.js";
import { makeCerts, type CertFiles } from "../tools/testkit/certs.js";
import { runMain } from "../tools/testkit/cli.js";
import { kustomizeUnavailable } from "../tools/testkit/kubectl.js";
import { CLI, REPO_ROOT } from "../tools/testkit/paths.js";
import { manifestFiles } from "../webhook/install/manifests.js";

const MANIFESTS = path.join(REPO_ROOT, "generated", "manifests");

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; [k: string]: unknown };
type Webhook = {
  name: string;
  admissionReviewVersions: string[];
  sideEffects: string;
  failurePolicy: string;
  timeoutSeconds: number;
  matchPolicy: string;
  namespaceSelector: unknown;
  rules: unknown[];
  clientConfig: { service: { name: string; namespace: string; path: string; port: number }; caBundle?: string };
};

const parseYaml = (text: string): Obj[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);

const noKubectl = kustomizeUnavailable;

function kustomize(dir: string): Obj[] {
  const out = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", maxBuffer: 16 << 20 });
  assert.equal(out.status, 0, out.stderr);
  return parseYaml(out.stdout);
}

const manifestsCli = (args: string[]) => runMain(["manifests", ...args]);

const find = (objects: Obj[], kind: string): Obj => {
  const found = objects.filter((o) => o.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0]!;
};
const byKey = (objects: Obj[]) => new Map(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o]));

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  Namespace,
  ServiceAccount,
  Service,
  ClusterRole,
  ClusterRoleBinding,
  Deployment,
  PodDisruptionBudget,
  MutatingWebhookConfiguration,
  ValidatingWebhookConfiguration,
  CustomResourceDefinition,
};
const INSTALL_KINDS = Object.keys(MODELS);
const PATHS = ["cluster", "backup", "scheduledbackup"].flatMap((k) => [
  `/mutate-postgresql-k8s-enterprisedb-io-v1alpha1-${k}`,
  `/validate-postgresql-k8s-enterprisedb-io-v1alpha1-${k}`,
]);

function assertWebhooks(objects: Obj[], namespace: string, caBundle?: string): void {
  const seen: string[] = [];
  for (const [kind, prefix] of [
    ["MutatingWebhookConfiguration", "m"],
    ["ValidatingWebhookConfiguration", "v"],
  ] as const) {
    const webhooks = find(objects, kind)["webhooks"] as Webhook[];
    assert.equal(webhooks.length, 3);
    for (const w of webhooks) {
      const singular = w.clientConfig.service.path.split("-").pop()!;
      assert.equal(w.name, `${prefix}${singular}.cnp-webhook.${GROUP}`);
      assert.deepEqual(w.admissionReviewVersions, ["v1"]);
      assert.equal(w.sideEffects, "None");
      assert.equal(w.failurePolicy, "Fail");
      assert.equal(w.timeoutSeconds, 10);
      assert.equal(w.matchPolicy, "Equivalent");
      assert.deepEqual(w.namespaceSelector, { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: [namespace] }] });
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

function assertInstall(objects: Obj[], namespace = "cnp-system"): void {
  for (const kind of INSTALL_KINDS)
    assert.ok(
      objects.some((o) => o.kind === kind),
      `renders a ${kind}`,
    );
  assert.equal(objects.filter((o) => o.kind === "CustomResourceDefinition").length, 3);
  for (const o of objects) {
    const Model = MODELS[o.kind];
    if (Model) assert.doesNotThrow(() => new Model(o as never).validate(), `${o.kind}/${o.metadata.name} is valid`);
  }
  // RBAC: exactly what the reference checks need (README "References"), nothing more.
  assert.deepEqual(find(objects, "ClusterRole")["rules"], [
    { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
    { apiGroups: [GROUP], resources: ["clusters", "backups"], verbs: ["get", "list", "watch"] },
  ]);
  assert.deepEqual((find(objects, "ClusterRoleBinding")["subjects"] as unknown[])[0], { kind: "ServiceAccount", name: "cnp-webhook", namespace });
  assertWebhooks(objects, namespace, undefined);

  const deployment = find(objects, "Deployment") as Obj & { spec: any };
  assert.equal(deployment.metadata.namespace, namespace);
  assert.equal(deployment.spec.replicas, 2);
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  assert.deepEqual(container.args, ["serve", "--tls-cert", "/etc/cnp-webhook/tls/tls.crt", "--tls-key", "/etc/cnp-webhook/tls/tls.key"]);
  assert.deepEqual(container.readinessProbe.httpGet, { path: "/readyz", port: 9443, scheme: "HTTPS" });
  assert.deepEqual(container.livenessProbe.httpGet, { path: "/healthz", port: 9443, scheme: "HTTPS" });
  assert.deepEqual(
    container.ports.map((p: { containerPort: number }) => p.containerPort),
    [9443, 8080],
  );
  assert.ok(container.resources.requests.cpu && container.resources.requests.memory && container.resources.limits.memory);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.deepEqual(pod.securityContext.seccompProfile, { type: "RuntimeDefault" });
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(container.securityContext.capabilities, { drop: ["ALL"] });
  assert.equal(pod.volumes[0].secret.secretName, "cnp-webhook-tls");
  assert.deepEqual(container.volumeMounts[0], { name: "tls", mountPath: "/etc/cnp-webhook/tls", readOnly: true });
  assert.equal(pod.topologySpreadConstraints[0].topologyKey, "kubernetes.io/hostname");
  assert.equal(pod.serviceAccountName, "cnp-webhook");

  const service = find(objects, "Service") as Obj & { spec: any };
  assert.deepEqual(
    service.spec.ports.map((p: { port: number; targetPort: number }) => [p.port, p.targetPort]),
    [
      [443, 9443],
      [8080, 8080],
    ],
  );
  assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
  assert.equal((find(objects, "PodDisruptionBudget") as Obj & { spec: any }).spec.minAvailable, 1);
}

function assertCertManager(objects: Obj[], namespace = "cnp-system"): void {
  for (const kind of ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]) {
    assert.equal(find(objects, kind).metadata.annotations?.["cert-manager.io/inject-ca-from"], `${namespace}/cnp-webhook`);
  }
  const certificates = objects.filter((o) => o.kind === "Certificate") as (Obj & { spec: any })[];
  const serving = certificates.find((c) => c.metadata.name === "cnp-webhook")!;
  assert.equal(serving.metadata.namespace, namespace); // what inject-ca-from names
  assert.equal(serving.spec.secretName, "cnp-webhook-tls");
  assert.ok(serving.spec.dnsNames.includes(`cnp-webhook.${namespace}.svc`));
  const ca = certificates.find((c) => c.spec.isCA === true)!;
  const caIssuer = objects.find((o) => o.kind === "Issuer" && (o as any).spec.ca?.secretName === ca.spec.secretName)!;
  assert.equal(serving.spec.issuerRef.name, caIssuer.metadata.name);
  for (const o of objects.filter((x) => x.kind === "Issuer" || x.kind === "Certificate")) assert.equal(o.apiVersion, "cert-manager.io/v1");
}

let certs: CertFiles;
before(async () => {
  certs = await makeCerts();
});
after(() => fs.rmSync(certs.dir, { recursive: true, force: true }));

describe("generated/manifests", { skip: noKubectl }, () => {
  it("kubectl kustomize renders every kind, valid against the Kubernetes OpenAPI models", () => {
    const objects = kustomize(MANIFESTS);
    assertInstall(objects);
    // The models do check: a wrongly typed field is refused.
    const deployment = find(objects, "Deployment") as Obj & { spec: object };
    assert.throws(() => new Deployment({ ...deployment, spec: { ...deployment.spec, replicas: "2" } } as never).validate(), /replicas/);
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
      const cli = await manifestsCli([...flags]);
      assert.equal(cli.code, 0, cli.stderr);
      assert.deepEqual(byKey(kustomize(dir)), byKey(parseYaml(cli.stdout)));
    }
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
  it("prints a complete install (CRDs included) that passes the same checks", async () => {
    const { code, stdout, stderr } = await manifestsCli([]);
    assert.equal(code, 0);
    assert.match(stderr, /no caBundle/); // says what is missing
    assertInstall(parseYaml(stdout));
  });

  it("--ca-bundle with the CA embeds it in every webhook", async () => {
    const { code, stdout, stderr } = await manifestsCli(["--ca-bundle", path.join(certs.dir, "ca.crt")]);
    assert.equal(code, 0, stderr);
    const objects = parseYaml(stdout);
    assertWebhooks(objects, "cnp-system", Buffer.from(certs.caPem).toString("base64"));
    assert.ok(isCACertificate(Buffer.from(Buffer.from(certs.caPem).toString("base64"), "base64").toString()));
  });

  it("--ca-bundle with the serving certificate is refused with exit 2 (through the real CLI)", () => {
    const out = spawnSync(process.execPath, [CLI, "manifests", "--ca-bundle", certs.cert], { encoding: "utf8" });
    assert.equal(out.status, 2);
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
      [["--bogus"], /Unknown option/],
      [["stray"], /unexpected argument "stray"/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await manifestsCli(args);
      assert.equal(code, 2, args.join(" "));
      assert.equal(stdout, "");
      assert.match(stderr, message);
    }
  });

  it("--namespace, --image and --cert-manager change what they should", async () => {
    const { code, stdout } = await manifestsCli(["--namespace", "webhooks", "--image", "registry.example/cnp-webhook:1.2.3", "--cert-manager", "--no-crds"]);
    assert.equal(code, 0);
    const objects = parseYaml(stdout);
    assert.equal(objects.filter((o) => o.kind === "CustomResourceDefinition").length, 0);
    assertWebhooks(objects, "webhooks", undefined);
    assertCertManager(objects, "webhooks");
    assert.equal(find(objects, "Namespace").metadata.name, "webhooks");
    assert.equal((find(objects, "Deployment") as any).spec.template.spec.containers[0].image, "registry.example/cnp-webhook:1.2.3");
    for (const o of objects) if (o.metadata.namespace !== undefined) assert.equal(o.metadata.namespace, "webhooks", `${o.kind}/${o.metadata.name}`);
  });

  it("--help exits 0", async () => {
    const { code, stdout } = await manifestsCli(["--help"]);
    assert.equal(code, 0);
    assert.match(stdout, /--ca-bundle FILE/);
  });
});
