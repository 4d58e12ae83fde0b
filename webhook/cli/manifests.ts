// `cnp-webhook manifests`: the install as one multi-document YAML stream, for `| kubectl apply -f -`.
import { readFileSync, readdirSync } from "node:fs";
import { isCACertificate, readCertificateInfo } from "../../certs/tls.js";
import { FAILURE_POLICY, MONITORING_NAMESPACE, NAMESPACE, OPERATOR_SERVICE_ACCOUNT, TLS_SECRET, WEBHOOK_TIMEOUT_SECONDS } from "../deployment.js";
import { installObjects, renderYaml, webhookImage } from "../install/bundle.js";
import { UsageError, defineCommand, dnsLabel, type Command } from "./command.js";
import { webhookKnobs } from "./webhook-knobs.js";

const HELP = `Usage: cnp-webhook manifests [--ca-bundle FILE | --cert-manager] [--namespace N] [--image IMG] [flags]
       cnp-webhook manifests --crds

Prints everything the webhook needs on a cluster as multi-document YAML: Namespace (Pod Security
"restricted"), ServiceAccount, ClusterRole(Binding), Service, Deployment (reading Secret ${TLS_SECRET}),
PodDisruptionBudget, NetworkPolicy and the Mutating/ValidatingWebhookConfigurations. Pipe it to
'kubectl apply -f -'.
The CRDs are not included: on a cluster with the operator they are the operator's (see --crds).

The apiserver must trust the webhook's serving certificate; pick one:
  --ca-bundle FILE   the CA that signed it (e.g. the ca.crt written by 'cnp-webhook certs'), embedded
                     as caBundle in every webhook. Refused unless FILE holds only CA certificates:
                     a serving (leaf) certificate there would break every admission.
  --cert-manager     cert-manager issues the certificate into ${TLS_SECRET} and injects the CA
                     (adds its Issuers and Certificates and the cert-manager.io/inject-ca-from annotation)

Flags:
  --namespace N      namespace of the webhook (default ${NAMESPACE}); it is excluded from admission
  --image IMG        container image (default ${webhookImage()})
  --crds             print only the three CRDs (for clusters without the operator, e.g. CI)

Webhook configuration (WEBHOOKS: a role mutate|validate, a kind cluster|backup|scheduledbackup, or
one webhook such as validate-backup; without "WEBHOOKS=" every webhook; later settings win):
  --failure-policy [WEBHOOKS=]Fail|Ignore   (default ${FAILURE_POLICY}; repeatable, comma-separated)
  --timeout-seconds [WEBHOOKS=]N            1-30 (default mutate ${WEBHOOK_TIMEOUT_SECONDS.mutate}, validate ${WEBHOOK_TIMEOUT_SECONDS.validate})
  --namespace-selector SELECTOR             only namespaces matching it (kubectl -l syntax:
                                            'env in (prod,staging),!skip-cnp-webhook'); the
                                            webhook's own namespace stays excluded
  --object-selector SELECTOR                only objects whose labels match it
  --exempt-service-account NS/NAME          requests of this service account skip the webhook
                                            (matchConditions, Kubernetes 1.28+; repeatable), e.g. the
                                            operator's: ${OPERATOR_SERVICE_ACCOUNT.namespace}/${OPERATOR_SERVICE_ACCOUNT.name}

The webhook and its surroundings:
  --enforcement deny|warn    warn: admit what would be denied, with "would deny:" warnings
  --monitoring               metrics port on the Service, ServiceMonitor, PrometheusRule and a
                             Grafana dashboard ConfigMap (needs the Prometheus Operator's CRDs)
  --metrics-tls              serve /metrics over HTTPS with the serving certificate
  --no-network-policy        leave out the NetworkPolicy (in by default: ingress only to the webhook
                             port, and to metrics from namespace ${MONITORING_NAMESPACE})
  --restrict-egress          the NetworkPolicy also limits egress to the API server's ports (443, 6443)
  -h, --help                 show this help

Exit codes: 0 printed, 2 usage error or unusable --ca-bundle.
`;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Why FILE cannot be a caBundle, or its base64 content. */
function caBundle(file: string): { base64: string } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return { problem: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  const blocks = [...text.matchAll(PEM_BLOCK)];
  if (blocks.some((b) => b[1]!.includes("PRIVATE KEY"))) return { problem: `${file} contains a private key; a caBundle holds certificates only` };
  const certs = blocks.filter((b) => b[1] === "CERTIFICATE").map((b) => `${b[0]}\n`);
  if (certs.length === 0) return { problem: `${file} is not a PEM certificate (no '-----BEGIN CERTIFICATE-----' block)` };
  // Several CAs are allowed (old and new during a CA rotation); every one must be a CA.
  for (const pem of certs) {
    let info: ReturnType<typeof readCertificateInfo>;
    try {
      info = readCertificateInfo(pem);
    } catch (err) {
      return { problem: `${file}: ${(err as Error).message}` };
    }
    if (!isCACertificate(pem)) {
      const names = info.dnsNames.length ? `, DNS names ${info.dnsNames.join(", ")}` : "";
      return {
        problem:
          `${file} is not a CA certificate (subject ${info.subject}${names}; no basicConstraints CA:true). ` +
          `It looks like the serving certificate: pass the CA that signed it (ca.crt from 'cnp-webhook certs'), ` +
          `or the apiserver would reject the webhook's certificate and every admission would fail.`,
      };
    }
    if (info.notAfter.getTime() <= Date.now()) return { problem: `${file}: CA certificate ${info.subject} expired on ${info.notAfter.toISOString()}` };
  }
  return { base64: Buffer.from(certs.join("")).toString("base64") };
}

/** The CRDs shipped with the package (generated/crds/), in name order. */
function crdDocuments(): string[] {
  const dir = new URL("../../../generated/crds/", import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((f) => readFileSync(new URL(f, dir), "utf8"));
}

export const manifestsCommand: Command = defineCommand({
  name: "manifests",
  summary: "print the install manifests (for kubectl apply -f -)",
  help: HELP,
  options: {
    "ca-bundle": { type: "string" },
    "cert-manager": { type: "boolean" },
    namespace: { type: "string", short: "n" },
    image: { type: "string" },
    crds: { type: "boolean" },
    // Leaving the CRDs out is the default now; the flag stays so that scripts keep working.
    "no-crds": { type: "boolean" },
    "failure-policy": { type: "string", multiple: true },
    "timeout-seconds": { type: "string", multiple: true },
    "namespace-selector": { type: "string" },
    "object-selector": { type: "string" },
    "exempt-service-account": { type: "string", multiple: true },
    enforcement: { type: "string" },
    monitoring: { type: "boolean" },
    "metrics-tls": { type: "boolean" },
    "no-network-policy": { type: "boolean" },
    "restrict-egress": { type: "boolean" },
  },
  async run(values, _positionals, io) {
    if (values.crds) {
      const others = Object.keys(values).filter((k) => k !== "crds" && values[k as keyof typeof values] !== undefined);
      if (others.length > 0) throw new UsageError(`--crds prints the CRDs only; it takes no other flag (got --${others[0]})`);
      io.stdout(crdDocuments().join("---\n"));
      return 0;
    }
    const namespace = dnsLabel(values.namespace ?? NAMESPACE, "--namespace");
    const image = values.image ?? webhookImage();
    if (image === "" || /\s/.test(image)) throw new UsageError(`--image "${image}" is not an image reference`);
    if (values.image === undefined) {
      io.stderr(
        `cnp-webhook manifests: note: no --image: the Deployment runs ${JSON.stringify(image)}, a name without a registry (the kubelet ` +
          'looks for it on Docker Hub); pass --image REGISTRY/cnp-webhook:TAG, the image you built and pushed (README "0. The image").\n',
      );
    }
    if (values["ca-bundle"] !== undefined && values["cert-manager"]) {
      throw new UsageError("--ca-bundle and --cert-manager are exclusive: with cert-manager, its CA injector fills caBundle");
    }
    let bundle: string | undefined;
    if (values["ca-bundle"] !== undefined) {
      const checked = caBundle(values["ca-bundle"]);
      if ("problem" in checked) throw new UsageError(`--ca-bundle: ${checked.problem}`);
      bundle = checked.base64;
    } else if (!values["cert-manager"]) {
      io.stderr(
        "cnp-webhook manifests: note: no --ca-bundle and no --cert-manager: the webhooks have no caBundle, so the apiserver " +
          "will not trust the webhook (and with failurePolicy Fail, creating Clusters/Backups fails) until one is set.\n",
      );
    }
    if (values.enforcement !== undefined && values.enforcement !== "deny" && values.enforcement !== "warn") {
      throw new UsageError(`--enforcement must be one of deny, warn, not ${JSON.stringify(values.enforcement)}`);
    }
    if (values["no-network-policy"] && values["restrict-egress"]) {
      throw new UsageError("--restrict-egress changes the NetworkPolicy that --no-network-policy leaves out: pick one");
    }
    const objects = installObjects({
      namespace,
      image,
      ...(bundle ? { caBundle: bundle } : {}),
      certManager: values["cert-manager"] ?? false,
      ...webhookKnobs(values),
      ...(values.enforcement ? { enforcement: values.enforcement } : {}),
      monitoring: values.monitoring ?? false,
      metricsTls: values["metrics-tls"] ?? false,
      networkPolicy: values["no-network-policy"] !== true,
      restrictEgress: values["restrict-egress"] ?? false,
    });
    io.stdout(renderYaml(objects));
    return 0;
  },
});
