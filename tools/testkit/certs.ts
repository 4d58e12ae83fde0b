// Test certificates from the project's own tooling, in temporary directories.
import { createHash, X509Certificate } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { FILE_NAMES } from "../../certs/files.js";
import type { EnsureCertificatesOptions } from "../../certs/tls.js";
import { NAME, NAMESPACE, serviceHost } from "../../webhook/deployment.js";

/**
 * The project's certificate tooling, loaded only when a certificate is made: @peculiar/x509 is some
 * 200 modules, a third of a test process's start-up, and most processes only read a cached pair.
 */
async function ensureCertificates(opts: EnsureCertificatesOptions): Promise<void> {
  const tls = await import("../../certs/tls.js");
  await tls.ensureCertificates(opts);
}

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

/** A CA and a serving certificate for the webhook's Service (or another) in a fresh temp dir. */
export async function makeCerts(prefix = "cnp-certs-", service = NAME, namespace = NAMESPACE): Promise<CertFiles> {
  const dir = tempDir(prefix);
  await ensureCertificates({ service, namespace, outDir: dir });
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

/** A day's margin: a cached pair that expires sooner is made again. */
const FRESH_FOR_MS = 24 * 3600_000;

/**
 * A CA and serving certificate for `service` that every test process of a run (and the runs after it)
 * shares, for tests that need a certificate but not a fresh one: the first process makes it in a
 * temporary directory and renames it into place; the others read it. The directory's name hashes the
 * tooling that made it and the names, so a change to either makes a new pair.
 */
export async function cachedCerts(service: string, namespace: string): Promise<CertFiles> {
  const tooling = fs.readFileSync(new URL("../../certs/tls.js", import.meta.url));
  const key = createHash("sha256").update(tooling).update(`\0${service}.${namespace}`).digest("hex").slice(0, 16);
  const dir = path.join(os.tmpdir(), `cnp-webhook-test-certs-${key}`);
  const usable = (d: string): CertFiles | undefined => {
    try {
      const certs = readCerts(d);
      return Date.parse(new X509Certificate(certs.certPem).validTo) - Date.now() > FRESH_FOR_MS ? certs : undefined;
    } catch {
      return undefined; // not there yet
    }
  };
  const cached = usable(dir);
  if (cached) return cached;
  const made = tempDir("cnp-certs-");
  await ensureCertificates({ service, namespace, outDir: made });
  try {
    fs.renameSync(made, dir); // atomic: a reader sees all files or none
    return readCerts(dir);
  } catch {
    // Another process got there first (or an expired pair is in the way): use whichever is usable.
    const theirs = usable(dir);
    if (theirs) {
      fs.rmSync(made, { recursive: true, force: true });
      return theirs;
    }
    process.once("exit", () => fs.rmSync(made, { recursive: true, force: true }));
    return readCerts(made);
  }
}

let shared: Promise<CertFiles> | undefined;
/** The webhook's CA and serving certificate that tests share (cachedCerts). */
export function sharedCerts(): Promise<CertFiles> {
  shared ??= cachedCerts(NAME, NAMESPACE);
  return shared;
}
