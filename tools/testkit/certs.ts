// Test certificates from the project's own tooling, in temporary directories.
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FILE_NAMES } from "../../certs/files.js";
import { ensureCertificates } from "../../certs/tls.js";
import { NAME, NAMESPACE, serviceHost } from "../../webhook/deployment.js";

/** The name the kube-apiserver verifies the webhook's certificate against (clientConfig.service). */
export const SERVER_NAME = serviceHost();

export interface CertFiles {
  readonly dir: string;
  readonly caPem: string;
  readonly cert: string;
  readonly key: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** SHA-256 fingerprint as tls.PeerCertificate.fingerprint256 prints it. */
  readonly fingerprint: string;
}

export const tempDir = (prefix: string): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

export const fingerprintOf = (pem: string): string => new X509Certificate(pem).fingerprint256;

function readCerts(dir: string): CertFiles {
  const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
  const certPem = read(FILE_NAMES.cert);
  return {
    dir,
    caPem: read(FILE_NAMES.caCert),
    cert: path.join(dir, FILE_NAMES.cert),
    key: path.join(dir, FILE_NAMES.key),
    certPem,
    keyPem: read(FILE_NAMES.key),
    fingerprint: fingerprintOf(certPem),
  };
}

/** A CA and a serving certificate for the webhook's Service in a fresh temp dir. */
export async function makeCerts(prefix = "cnp-certs-"): Promise<CertFiles> {
  const dir = tempDir(prefix);
  await ensureCertificates({ service: NAME, namespace: NAMESPACE, outDir: dir });
  return readCerts(dir);
}

/**
 * A new serving certificate signed by the same CA (what a renewal produces); `issued` makes one the
 * apiserver would refuse: issued at another time (expired, or not yet valid), or for another Service.
 */
export async function renewServing(from: CertFiles, issued: { at?: Date; service?: string } = {}): Promise<CertFiles> {
  const dir = tempDir("cnp-renew-");
  for (const f of [FILE_NAMES.caCert, FILE_NAMES.caKey]) fs.copyFileSync(path.join(from.dir, f), path.join(dir, f));
  await ensureCertificates({ service: issued.service ?? NAME, namespace: NAMESPACE, outDir: dir, ...(issued.at ? { now: issued.at } : {}) });
  return readCerts(dir);
}

let shared: Promise<CertFiles> | undefined;
/** One CA and serving certificate per test process, removed at exit. */
export function sharedCerts(): Promise<CertFiles> {
  shared ??= makeCerts("cnp-webhook-test-").then((c) => {
    process.once("exit", () => fs.rmSync(c.dir, { recursive: true, force: true }));
    return c;
  });
  return shared;
}
