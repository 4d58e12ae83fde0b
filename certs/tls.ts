/**
 * Certificate tooling for the webhook's HTTPS endpoint: a private CA plus a
 * serving certificate for the in-cluster Service, written in the layout of a
 * Kubernetes TLS Secret (ca.crt, ca.key, tls.crt, tls.key).
 *
 * Generation uses @peculiar/x509 on top of Node's WebCrypto (ECDSA P-256 /
 * SHA-256); validation of what is on disk uses node:crypto's X509Certificate.
 */
import { X509Certificate as NodeX509, createPrivateKey, randomBytes, webcrypto } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import "reflect-metadata"; // must precede @peculiar/x509 (tsyringe needs the Reflect metadata API)
import * as x509 from "@peculiar/x509";
import { FILE_NAMES } from "./files.js";

x509.cryptoProvider.set(webcrypto);

type CryptoKey = webcrypto.CryptoKey;

const DAY_MS = 24 * 60 * 60 * 1000;
// Backdate notBefore so that a kube-apiserver whose clock lags a little still accepts a fresh cert.
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const EC_ALG = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING_ALG = { name: "ECDSA", hash: "SHA-256" } as const;

export interface EnsureCertificatesOptions {
  service: string;
  namespace: string;
  outDir: string;
  now?: Date;
  caValidityDays?: number;
  servingValidityDays?: number;
  renewWithinDays?: number;
}

export type CertificateAction = "created" | "kept" | "renewed";

export interface CertificateStatus {
  action: CertificateAction;
  /** Human-readable why, e.g. "missing", "expires 2026-01-02 (within 30 days)", "valid". */
  reason: string;
  commonName: string;
  notAfter: Date;
  certFile: string;
  keyFile: string;
}

export interface CertificateReport {
  outDir: string;
  ca: CertificateStatus;
  serving: CertificateStatus & { dnsNames: string[]; ipAddresses: string[] };
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  isCA: boolean;
  dnsNames: string[];
  ipAddresses: string[];
  serialNumber: string;
}

/** DNS names the kube-apiserver (and local development) may use to reach the Service. */
function servingDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`, "localhost"];
}
const SERVING_IP_ADDRESSES = ["127.0.0.1"];

function parsePem(pem: string): x509.X509Certificate {
  // @peculiar/x509 also accepts hex/base64, which would make typos "parse"; insist on PEM.
  if (typeof pem !== "string" || !pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new Error("not a PEM certificate (expected a '-----BEGIN CERTIFICATE-----' block)");
  }
  try {
    return new x509.X509Certificate(pem);
  } catch (err) {
    throw new Error(`invalid PEM certificate: ${(err as Error).message}`);
  }
}

export function readCertificateInfo(pem: string): CertificateInfo {
  const cert = parsePem(pem);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const names = san?.names.items ?? [];
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    isCA: cert.getExtension(x509.BasicConstraintsExtension)?.ca === true,
    dnsNames: names.filter((n) => n.type === "dns").map((n) => n.value),
    ipAddresses: names.filter((n) => n.type === "ip").map((n) => n.value),
    serialNumber: cert.serialNumber,
  };
}

/** True only for basicConstraints CA:true; false for leaf certs and for anything unparsable. */
export function isCACertificate(pem: string): boolean {
  try {
    return readCertificateInfo(pem).isCA;
  } catch {
    return false;
  }
}

export function keyMatchesCertificate(certPem: string, keyPem: string): boolean {
  try {
    return new NodeX509(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// ensureCertificates

interface LoadedCA {
  cert: x509.X509Certificate;
  certPem: string;
  key: CryptoKey;
}

export async function ensureCertificates(opts: EnsureCertificatesOptions): Promise<CertificateReport> {
  const now = opts.now ?? new Date();
  const caDays = opts.caValidityDays ?? 3650;
  const servingDays = opts.servingValidityDays ?? 365;
  const renewDays = opts.renewWithinDays ?? 30;
  for (const [name, v] of Object.entries({ caDays, servingDays, renewDays })) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a non-negative number, got ${v}`);
  }
  // Otherwise every run would immediately renew what it just created.
  if (servingDays <= renewDays || caDays <= renewDays) {
    throw new RangeError(`validity (CA ${caDays}d, serving ${servingDays}d) must exceed renewWithinDays (${renewDays}d)`);
  }
  const dnsNames = servingDnsNames(opts.service, opts.namespace);
  const files = {
    caCert: path.join(opts.outDir, FILE_NAMES.caCert),
    caKey: path.join(opts.outDir, FILE_NAMES.caKey),
    cert: path.join(opts.outDir, FILE_NAMES.cert),
    key: path.join(opts.outDir, FILE_NAMES.key),
  };
  fs.mkdirSync(opts.outDir, { recursive: true, mode: 0o700 });
  const renewBefore = new Date(now.getTime() + renewDays * DAY_MS);

  // --- CA ---
  const caCertPem = readIfExists(files.caCert);
  const caKeyPem = readIfExists(files.caKey);
  let ca: LoadedCA;
  let caAction: CertificateAction;
  let caReason: string;
  const caProblem = await checkCA(caCertPem, caKeyPem, now, renewBefore, renewDays);
  if (typeof caProblem !== "string") {
    ca = caProblem;
    caAction = "kept";
    caReason = "valid";
  } else {
    caAction = caCertPem === undefined ? "created" : "renewed";
    caReason = caProblem;
    const created = await createCA(opts.service, now, caDays);
    writeAtomic(files.caKey, created.keyPem, 0o600);
    writeAtomic(files.caCert, created.certPem, 0o644);
    ca = created;
  }
  fs.chmodSync(files.caKey, 0o600);

  // --- serving certificate ---
  const certPem = readIfExists(files.cert);
  const keyPem = readIfExists(files.key);
  let action: CertificateAction;
  let reason: string;
  let servingPem: string;
  const problem = caAction !== "kept" ? `CA was ${caAction}` : checkServing(certPem, keyPem, ca.certPem, dnsNames, now, renewBefore, renewDays);
  if (problem === undefined && certPem !== undefined) {
    action = "kept";
    reason = "valid";
    servingPem = certPem;
  } else {
    action = certPem === undefined ? "created" : "renewed";
    reason = problem ?? "missing";
    const created = await createLeaf(ca, { commonName: `${opts.service}.${opts.namespace}.svc`, usage: "server", dnsNames }, now, servingDays);
    // Two renames are not one atomic swap: a watcher may briefly see a new key with the old cert,
    // so it should check keyMatchesCertificate() before reloading.
    writeAtomic(files.key, created.keyPem, 0o600);
    writeAtomic(files.cert, created.certPem, 0o644);
    servingPem = created.certPem;
  }
  fs.chmodSync(files.key, 0o600);
  const notAfter = readCertificateInfo(servingPem).notAfter;

  return {
    outDir: opts.outDir,
    ca: {
      action: caAction,
      reason: caReason,
      commonName: commonName(ca.cert),
      notAfter: ca.cert.notAfter,
      certFile: files.caCert,
      keyFile: files.caKey,
    },
    serving: {
      action,
      reason,
      commonName: `${opts.service}.${opts.namespace}.svc`,
      notAfter,
      certFile: files.cert,
      keyFile: files.key,
      dnsNames,
      ipAddresses: [...SERVING_IP_ADDRESSES],
    },
  };
}

/** Returns the usable CA, or a reason why it must be (re)created. */
async function checkCA(certPem: string | undefined, keyPem: string | undefined, now: Date, renewBefore: Date, renewDays: number): Promise<LoadedCA | string> {
  if (certPem === undefined) return "missing";
  if (keyPem === undefined) return `${FILE_NAMES.caKey} missing`;
  let cert: x509.X509Certificate;
  try {
    cert = parsePem(certPem);
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
  if (cert.getExtension(x509.BasicConstraintsExtension)?.ca !== true) return "not a CA certificate";
  const expiry = expiryProblem(cert.notBefore, cert.notAfter, now, renewBefore, renewDays);
  if (expiry) return expiry;
  if (!keyMatchesCertificate(certPem, keyPem)) return "private key does not match certificate";
  try {
    return { cert, certPem, key: await importSigningKey(keyPem) };
  } catch (err) {
    return `unusable key: ${(err as Error).message}`;
  }
}

/** Returns why the serving certificate must be (re)issued, or undefined if it can be kept. */
function checkServing(
  certPem: string | undefined,
  keyPem: string | undefined,
  caPem: string,
  dnsNames: string[],
  now: Date,
  renewBefore: Date,
  renewDays: number,
): string | undefined {
  if (certPem === undefined) return "missing";
  if (keyPem === undefined) return `${FILE_NAMES.key} missing`;
  let info: CertificateInfo;
  try {
    info = readCertificateInfo(certPem);
  } catch (err) {
    return `unreadable: ${(err as Error).message}`;
  }
  const expiry = expiryProblem(info.notBefore, info.notAfter, now, renewBefore, renewDays);
  if (expiry) return expiry;
  if (!sameSet(info.dnsNames, dnsNames) || !sameSet(info.ipAddresses, SERVING_IP_ADDRESSES)) {
    return `SANs do not match the requested service/namespace (certificate is for ${info.subject})`;
  }
  const leaf = new NodeX509(certPem);
  const caCert = new NodeX509(caPem);
  if (!leaf.checkIssued(caCert) || !leaf.verify(caCert.publicKey)) return "not signed by the CA on disk";
  if (!keyMatchesCertificate(certPem, keyPem)) return "private key does not match certificate";
  return undefined;
}

function expiryProblem(notBefore: Date, notAfter: Date, now: Date, renewBefore: Date, renewDays: number): string | undefined {
  if (notBefore > now) return `not valid before ${isoDate(notBefore)}`;
  if (notAfter <= now) return `expired ${isoDate(notAfter)}`;
  if (notAfter <= renewBefore) return `expires ${isoDate(notAfter)} (within ${renewDays} days)`;
  return undefined;
}

// ---------------------------------------------------------------------------
// generation

async function generateKeyPair(): Promise<{ keys: webcrypto.CryptoKeyPair; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(EC_ALG, true, ["sign", "verify"]);
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { keys, keyPem: withNewline(x509.PemConverter.encode(pkcs8, "PRIVATE KEY")) };
}

async function importSigningKey(keyPem: string): Promise<CryptoKey> {
  const der = createPrivateKey(keyPem).export({ format: "der", type: "pkcs8" });
  return webcrypto.subtle.importKey("pkcs8", der, EC_ALG, false, ["sign"]);
}

function validity(now: Date, days: number): { notBefore: Date; notAfter: Date; serialNumber: string } {
  // 16 random bytes with the top bit cleared: positive, unique, within the 20-octet limit of RFC 5280.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  return {
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
    serialNumber: serial.toString("hex"),
  };
}

async function createCA(service: string, now: Date, days: number): Promise<LoadedCA & { keyPem: string }> {
  const { keys, keyPem } = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    ...validity(now, days),
    name: [{ CN: [`${service}-ca`] }],
    keys,
    signingAlgorithm: SIGNING_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, certPem: withNewline(cert.toString("pem")), key: keys.privateKey, keyPem };
}

/** A certificate signed by the CA: a serving one (with its DNS names and IPs) or a client one. */
async function createLeaf(
  ca: LoadedCA,
  leaf: { commonName: string; usage: "server" | "client"; dnsNames?: readonly string[] },
  now: Date,
  days: number,
): Promise<{ certPem: string; keyPem: string }> {
  const { keys, keyPem } = await generateKeyPair();
  const v = validity(now, days);
  // A leaf outliving its CA would fail verification after the CA expires anyway.
  if (v.notAfter > ca.cert.notAfter) v.notAfter = ca.cert.notAfter;
  const caSki = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const names =
    leaf.usage === "server"
      ? [
          new x509.SubjectAlternativeNameExtension([
            ...(leaf.dnsNames ?? []).map((value) => ({ type: "dns" as const, value })),
            ...SERVING_IP_ADDRESSES.map((value) => ({ type: "ip" as const, value })),
          ]),
        ]
      : [];
  const cert = await x509.X509CertificateGenerator.create({
    ...v,
    subject: [{ CN: [leaf.commonName] }],
    issuer: ca.cert.subjectName, // reuse the CA's encoded name so chain building matches byte-for-byte
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: SIGNING_ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([leaf.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      ...names,
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      caSki ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId) : await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  return { certPem: withNewline(cert.toString("pem")), keyPem };
}

/**
 * A client certificate signed by the CA in `dir` (`client.crt`, `client.key` beside it): what the
 * apiserver presents to a webhook started with --client-ca (README "HTTP API").
 */
export async function issueClientCertificate(opts: {
  dir: string;
  commonName: string;
  days?: number;
  now?: Date;
}): Promise<{ certFile: string; keyFile: string; notAfter: Date }> {
  const caCertPem = readIfExists(path.join(opts.dir, FILE_NAMES.caCert));
  const caKeyPem = readIfExists(path.join(opts.dir, FILE_NAMES.caKey));
  if (caCertPem === undefined || caKeyPem === undefined)
    throw new Error(`${opts.dir}: no ${FILE_NAMES.caCert} and ${FILE_NAMES.caKey} (run 'cnp-webhook certs --out ${opts.dir}' first)`);
  const ca: LoadedCA = { cert: parsePem(caCertPem), certPem: caCertPem, key: await importSigningKey(caKeyPem) };
  const created = await createLeaf(ca, { commonName: opts.commonName, usage: "client" }, opts.now ?? new Date(), opts.days ?? 365);
  const files = { certFile: path.join(opts.dir, FILE_NAMES.clientCert), keyFile: path.join(opts.dir, FILE_NAMES.clientKey) };
  writeAtomic(files.keyFile, created.keyPem, 0o600);
  writeAtomic(files.certFile, created.certPem, 0o644);
  return { ...files, notAfter: readCertificateInfo(created.certPem).notAfter };
}

// ---------------------------------------------------------------------------
// small helpers

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

/** Temp file in the same directory + rename, so watchers never observe a half-written file. */
function writeAtomic(file: string, data: string, mode: number): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    fs.writeFileSync(tmp, data, { mode, flag: "wx" });
    fs.chmodSync(tmp, mode); // writeFileSync's mode is filtered by the umask
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

function withNewline(pem: string): string {
  return pem.endsWith("\n") ? pem : `${pem}\n`;
}

function commonName(cert: x509.X509Certificate): string {
  return cert.subjectName.getField("CN")[0] ?? cert.subject;
}

function sameSet(a: string[], b: string[]): boolean {
  const norm = (xs: string[]) => [...new Set(xs.map((x) => x.toLowerCase()))].sort().join(",");
  return norm(a) === norm(b);
}

export function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}
