// `cnp-webhook certs`: create or renew the webhook's CA and serving certificate.
import { ensureCertificates, isoDate, issueClientCertificate, type CertificateStatus } from "../../certs/tls.js";
import { NAME, NAMESPACE, TLS_SECRET } from "../deployment.js";
import { UsageError, defineCommand, dnsLabel, type Command } from "./command.js";

const RENEW_WITHIN_DAYS = 30;
const SERVING_VALIDITY_DAYS = 365;

const HELP = `Usage: cnp-webhook certs --out DIR [--service S] [--namespace N] [--renew-within-days D]

Creates (or renews) a private CA and a TLS serving certificate for the webhook
Service, using the file names of a Kubernetes TLS Secret:

  DIR/ca.crt   CA certificate (CN "<S>-ca", valid 10 years)
  DIR/ca.key   CA private key
  DIR/tls.crt  serving certificate (CN "S.N.svc", valid 1 year, signed by the CA)
  DIR/tls.key  serving private key

The serving certificate covers the DNS names S, S.N, S.N.svc,
S.N.svc.cluster.local and localhost, and the IP address 127.0.0.1.
Keys are ECDSA P-256 in PKCS#8 PEM; key files are (re)set to mode 0600.

Running it again is safe: valid files are kept byte-for-byte. A certificate is
renewed when it expires within D days, and the serving certificate also when its
names do not match S/N, it is not signed by DIR/ca.crt, or its key does not
match. Renewing the CA also renews the serving certificate.

Options:
  --service S             Service name (default ${NAME})
  --namespace N           namespace of the Service (default ${NAMESPACE})
  --out DIR               output directory, created with mode 0700 (required)
  --renew-within-days D   renewal window in days (default ${RENEW_WITHIN_DAYS})
  --client CN             also issue a client certificate (DIR/client.crt, DIR/client.key) signed by
                          the CA, for the apiserver to present to 'serve --client-ca DIR/ca.crt'
  -h, --help              show this help

Then store the serving pair as a Secret and the CA in the webhook configuration:
  kubectl -n N create secret tls ${TLS_SECRET} --cert DIR/tls.crt --key DIR/tls.key
  cnp-webhook manifests --ca-bundle DIR/ca.crt
(to update an existing Secret, add: --dry-run=client -o yaml | kubectl apply -f -)
`;

export const certsCommand: Command = defineCommand({
  name: "certs",
  summary: "create or renew the webhook's CA and serving certificate",
  help: HELP,
  options: {
    service: { type: "string" },
    namespace: { type: "string" },
    out: { type: "string" },
    "renew-within-days": { type: "string" },
    client: { type: "string" },
  },
  async run(values, _positionals, io) {
    const service = dnsLabel(values.service ?? NAME, "--service");
    const namespace = dnsLabel(values.namespace ?? NAMESPACE, "--namespace");
    const outDir = values.out;
    if (outDir === undefined || outDir === "") throw new UsageError("--out DIR is required (e.g. certs/cluster)");
    let renewWithinDays = RENEW_WITHIN_DAYS;
    if (values["renew-within-days"] !== undefined) {
      const raw = values["renew-within-days"];
      renewWithinDays = /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!(renewWithinDays < SERVING_VALIDITY_DAYS)) {
        throw new UsageError(`--renew-within-days must be an integer from 0 to ${SERVING_VALIDITY_DAYS - 1}, got "${raw}"`);
      }
    }
    const report = await ensureCertificates({ service, namespace, outDir, renewWithinDays, servingValidityDays: SERVING_VALIDITY_DAYS });
    const { ca, serving } = report;
    io.stdout(certLine(ca, `CA "${ca.commonName}"`));
    io.stdout(keyLine(ca));
    io.stdout(certLine(serving, `serving cert "${serving.commonName}"`));
    io.stdout(keyLine(serving));
    if (ca.action !== "kept") io.stdout(`note: new CA; regenerate the webhook configuration: cnp-webhook manifests --ca-bundle ${ca.certFile}\n`);
    if (values.client !== undefined) {
      if (!/^[\w.@:-]{1,64}$/.test(values.client))
        throw new UsageError(`--client "${values.client}": a common name of letters, digits and . _ @ : - (at most 64)`);
      const client = await issueClientCertificate({ dir: outDir, commonName: values.client });
      io.stdout(`created  ${client.certFile} (client cert "${values.client}", valid until ${isoDate(client.notAfter)})\n`);
      io.stdout(`created  ${client.keyFile} (private key, mode 0600)\n`);
    }
    if (serving.action !== "kept") {
      io.stdout(`note: update the Secret: kubectl -n ${namespace} create secret tls ${TLS_SECRET} --cert ${serving.certFile} --key ${serving.keyFile}\n`);
    }
    return 0;
  },
});

function certLine(s: CertificateStatus, what: string): string {
  const why = s.action === "renewed" ? `; renewed because ${s.reason}` : "";
  return `${s.action.padEnd(8)} ${s.certFile} (${what}, valid until ${isoDate(s.notAfter)}${why})\n`;
}

function keyLine(s: CertificateStatus): string {
  return `${s.action.padEnd(8)} ${s.keyFile} (private key, mode 0600)\n`;
}
