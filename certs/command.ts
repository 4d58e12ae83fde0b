/** `cnp-webhook certs`: create or renew the webhook's CA and serving certificate. */
import { parseArgs } from "node:util";
import { type CertificateStatus, ensureCertificates, isoDate } from "./tls.js";

export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const DEFAULTS = { service: "cnp-webhook", namespace: "cnp-system", out: "certs/dev", renewWithinDays: 30 };
const SERVING_VALIDITY_DAYS = 365;
// Service and namespace names become DNS labels in the SANs.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const CERTS_HELP = `Usage: cnp-webhook certs [--service S] [--namespace N] [--out DIR] [--renew-within-days D]

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
  --service S             Service name (default ${DEFAULTS.service})
  --namespace N           namespace of the Service (default ${DEFAULTS.namespace})
  --out DIR               output directory, created with mode 0700 (default ${DEFAULTS.out})
  --renew-within-days D   renewal window in days (default ${DEFAULTS.renewWithinDays})
  -h, --help              show this help

Then store the serving pair as a Secret and the CA in the webhook configuration:
  kubectl -n N create secret tls cnp-webhook-tls --cert DIR/tls.crt --key DIR/tls.key
  cnp-webhook manifests --ca-bundle DIR/ca.crt
(to update an existing Secret, add: --dry-run=client -o yaml | kubectl apply -f -)
`;

export async function runCertsCommand(argv: string[], io: CommandIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        service: { type: "string" },
        namespace: { type: "string" },
        out: { type: "string" },
        "renew-within-days": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    return usageError(io, (err as Error).message);
  }
  if (values.help) {
    io.stdout(CERTS_HELP);
    return 0;
  }

  const service = values.service ?? DEFAULTS.service;
  const namespace = values.namespace ?? DEFAULTS.namespace;
  const outDir = values.out ?? DEFAULTS.out;
  for (const [flag, v] of [["--service", service], ["--namespace", namespace]] as const) {
    if (!DNS_LABEL.test(v)) return usageError(io, `${flag} "${v}" is not a valid DNS label (lowercase letters, digits, '-', at most 63)`);
  }
  if (outDir === "") return usageError(io, "--out must not be empty");
  let renewWithinDays = DEFAULTS.renewWithinDays;
  if (values["renew-within-days"] !== undefined) {
    const raw = values["renew-within-days"];
    renewWithinDays = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(renewWithinDays < SERVING_VALIDITY_DAYS)) {
      return usageError(io, `--renew-within-days must be an integer from 0 to ${SERVING_VALIDITY_DAYS - 1}, got "${raw}"`);
    }
  }

  try {
    const report = await ensureCertificates({ service, namespace, outDir, renewWithinDays, servingValidityDays: SERVING_VALIDITY_DAYS });
    const { ca, serving } = report;
    io.stdout(certLine(ca, `CA "${ca.commonName}"`));
    io.stdout(keyLine(ca));
    io.stdout(certLine(serving, `serving cert "${serving.commonName}"`));
    io.stdout(keyLine(serving));
    if (ca.action !== "kept") io.stdout(`note: new CA; regenerate the webhook configuration: cnp-webhook manifests --ca-bundle ${ca.certFile}\n`);
    if (serving.action !== "kept") {
      io.stdout(`note: update the Secret: kubectl -n ${namespace} create secret tls cnp-webhook-tls --cert ${serving.certFile} --key ${serving.keyFile}\n`);
    }
    return 0;
  } catch (err) {
    io.stderr(`cnp-webhook certs: ${(err as Error).message}\n`);
    return 1;
  }
}

function certLine(s: CertificateStatus, what: string): string {
  const why = s.action === "renewed" ? `; renewed because ${s.reason}` : "";
  return `${s.action.padEnd(8)} ${s.certFile} (${what}, valid until ${isoDate(s.notAfter)}${why})\n`;
}

function keyLine(s: CertificateStatus): string {
  return `${s.action.padEnd(8)} ${s.keyFile} (private key, mode 0600)\n`;
}

function usageError(io: CommandIO, message: string): number {
  io.stderr(`cnp-webhook certs: ${message}\nRun 'cnp-webhook certs --help' for usage.\n`);
  return 2;
}
