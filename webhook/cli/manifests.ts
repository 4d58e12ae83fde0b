// `cnp-webhook manifests`: the install as one multi-document YAML stream, for `| kubectl apply -f -`.
import { readFileSync, readdirSync } from "node:fs";
import { isCACertificate, readCertificateInfo } from "../../certs/tls.js";
import { NAMESPACE, TLS_SECRET } from "../deployment.js";
import { installObjects, renderYaml, webhookImage } from "../install/manifests.js";
import { UsageError, defineCommand, dnsLabel, type Command } from "./command.js";

const HELP = `Usage: cnp-webhook manifests [--ca-bundle FILE | --cert-manager] [--namespace N] [--image IMG] [--no-crds]

Prints everything the webhook needs on a cluster as multi-document YAML: the CRDs, Namespace,
ServiceAccount, ClusterRole(Binding), Service, Deployment (reading Secret ${TLS_SECRET}),
PodDisruptionBudget and the Mutating/ValidatingWebhookConfigurations. Pipe it to 'kubectl apply -f -'.

The apiserver must trust the webhook's serving certificate; pick one:
  --ca-bundle FILE   the CA that signed it (e.g. the ca.crt written by 'cnp-webhook certs'), embedded
                     as caBundle in every webhook. Refused unless FILE holds only CA certificates:
                     a serving (leaf) certificate there would break every admission.
  --cert-manager     cert-manager issues the certificate into ${TLS_SECRET} and injects the CA
                     (adds its Issuers and Certificates and the cert-manager.io/inject-ca-from annotation)

Flags:
  --namespace N      namespace of the webhook (default ${NAMESPACE}); it is excluded from admission
  --image IMG        container image (default ${webhookImage()})
  --no-crds          leave the CRDs out (they are in generated/crds/)
  -h, --help         show this help

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
    "no-crds": { type: "boolean" },
  },
  async run(values, _positionals, io) {
    const namespace = dnsLabel(values.namespace ?? NAMESPACE, "--namespace");
    const image = values.image ?? webhookImage();
    if (image === "" || /\s/.test(image)) throw new UsageError(`--image "${image}" is not an image reference`);
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
    const objects = installObjects({ namespace, image, caBundle: bundle, certManager: values["cert-manager"] ?? false });
    const docs = [...(values["no-crds"] ? [] : crdDocuments()), renderYaml(objects)];
    io.stdout(docs.join("---\n"));
    return 0;
  },
});
