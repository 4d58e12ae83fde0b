// The serving certificate: loaded from files, checked as a pair before it is used, and reloaded when
// the files change (README "Install and operate") — including a Kubernetes Secret volume's atomic `..data` symlink swap.
import { X509Certificate, createHash, createPrivateKey, webcrypto } from "node:crypto";
import { readFileSync, watch, type FSWatcher } from "node:fs";
import { isIP } from "node:net";
import { dirname } from "node:path";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import type { Logger } from "pino";
import type { Metrics } from "./metrics.js";

/** README "HTTP API": TLS 1.2 or later, on the first context and on every reloaded one. */
const MIN_TLS_VERSION = "TLSv1.2" as const;

export interface ServingPair {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** When the certificate becomes valid, and when it expires. */
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Hex serial number, for logs. */
  readonly serialNumber: string;
}

/**
 * Why a pair is refused: `failure`, not a usable pair at all (unreadable, not PEM, key of another
 * certificate); the others, a usable pair the apiserver would refuse on every call.
 */
export const REFUSALS = ["failure", "expired", "not-yet-valid", "wrong-name"] as const;
export type Refusal = (typeof REFUSALS)[number];

class Refused extends Error {
  constructor(
    readonly reason: Refusal,
    message: string,
  ) {
    super(message);
  }
}

/**
 * What the apiserver will check of the certificate: that it is valid now, and that its SANs cover the
 * name it calls (clientConfig.service: `<service>.<namespace>.svc`) and any other name given (--tls-san).
 * Go checks the DNS SANs only, never the subject's CN (Go 1.15 and later): neither does this.
 */
function servingProblem(x509cert: X509Certificate, certFile: string, names: readonly string[], now: Date): Refused | undefined {
  const notBefore = new Date(x509cert.validFrom);
  const notAfter = new Date(x509cert.validTo);
  if (now < notBefore) return new Refused("not-yet-valid", `${certFile}: not valid before ${notBefore.toISOString()}`);
  if (now >= notAfter) return new Refused("expired", `${certFile}: expired at ${notAfter.toISOString()}`);
  const covered = (name: string) => (isIP(name) ? x509cert.checkIP(name) : x509cert.checkHost(name, { subject: "never" })) !== undefined;
  const uncovered = names.filter((name) => !covered(name));
  if (uncovered.length > 0) {
    const sans = x509cert.subjectAltName ?? "none";
    return new Refused("wrong-name", `${certFile}: its SANs (${sans}) do not cover ${uncovered.map((n) => JSON.stringify(n)).join(", ")}`);
  }
  return undefined;
}

/** Checks a certificate/key pair from memory; throws a Refused saying what is wrong with which file. */
function parseServingPair(cert: Buffer, key: Buffer, certFile: string, keyFile: string, names: readonly string[], now: Date): ServingPair {
  let x509cert: X509Certificate;
  try {
    x509cert = new X509Certificate(cert);
  } catch (err) {
    throw new Refused("failure", `${certFile}: not a PEM certificate (${(err as Error).message})`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new Refused("failure", `${keyFile}: not a PEM private key (${(err as Error).message})`);
  }
  if (!x509cert.checkPrivateKey(privateKey)) throw new Refused("failure", `${keyFile} does not match the certificate in ${certFile}`);
  try {
    // What the TLS server will do with it: catches whatever OpenSSL refuses beyond the checks above.
    createSecureContext(secureContextOptions({ cert, key }));
  } catch (err) {
    throw new Refused("failure", `${certFile}/${keyFile}: unusable for TLS (${(err as Error).message})`);
  }
  const problem = servingProblem(x509cert, certFile, names, now);
  if (problem) throw problem;
  return { cert, key, notBefore: new Date(x509cert.validFrom), notAfter: new Date(x509cert.validTo), serialNumber: x509cert.serialNumber };
}

/**
 * Mozilla's "intermediate" profile without its DHE suites: TLS 1.3, and TLS 1.2 with ECDHE key
 * exchange and AEAD ciphers only (no CBC, no SHA-1, no CCM8). Every Kubernetes apiserver speaks these.
 */
const CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");

/** The context of every connection: the serving pair, the protocol floor and suites, and the CA client certificates must come from. */
export const secureContextOptions = (pair: Pick<ServingPair, "cert" | "key">, clientCa?: Buffer): SecureContextOptions => ({
  cert: pair.cert,
  key: pair.key,
  minVersion: MIN_TLS_VERSION,
  ciphers: CIPHERS,
  honorCipherOrder: true,
  ...(clientCa ? { ca: clientCa } : {}),
});

/** A client CA file (--client-ca): PEM CA certificates, or an Error naming the file and what is wrong. */
export function readClientCa(file: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(file);
  } catch (err) {
    throw new Error(`--client-ca ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const blocks = pem.toString("utf8").match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error(`--client-ca ${file}: no PEM certificate in it`);
  for (const block of blocks) {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch (err) {
      throw new Error(`--client-ca ${file}: not a certificate (${(err as Error).message})`);
    }
    if (!cert.ca) throw new Error(`--client-ca ${file}: ${cert.subject.replace(/\n/g, ", ")} is not a CA certificate`);
  }
  return pem;
}

/**
 * A throwaway self-signed pair, served only while the real files are not there yet: the port is open
 * and kubelet's HTTPS probes (which do not verify certificates) get a real 503 from /readyz instead
 * of a failed handshake. The apiserver never trusts it, and the Service routes nothing to an unready Pod.
 */
export async function placeholderPair(): Promise<ServingPair> {
  // Loaded only here: the X.509 library costs start-up time that a normal start does not need.
  await import("reflect-metadata"); // @peculiar/x509 resolves providers through tsyringe, which needs it
  const x509 = await import("@peculiar/x509");
  x509.cryptoProvider.set(webcrypto);
  const keys = await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=cnp-webhook placeholder (serving certificate not loaded)",
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 24 * 3600_000),
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    cert: Buffer.from(cert.toString("pem")),
    key: Buffer.from(x509.PemConverter.encode(pkcs8, "PRIVATE KEY")),
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
    serialNumber: cert.serialNumber,
  };
}

export interface CertificateReloaderOptions {
  readonly certFile: string;
  readonly keyFile: string;
  /** Names the certificate's SANs must cover (the Service's DNS name, --tls-san); none: no name is checked. */
  readonly names?: readonly string[];
  /** The clock validity is checked against (tests). */
  readonly now?: () => Date;
  /** Puts a new, checked pair into service (e.g. `https.Server.setSecureContext`); the first pair included. */
  readonly apply: (pair: ServingPair) => void;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  /** Safety net for swaps that inotify misses (some volume types, renames of parent links). Default 3 s. */
  readonly pollIntervalMs?: number;
  /** Quiet time after a file event before reading: a rotation writes two files. Default 100 ms. */
  readonly debounceMs?: number;
  /**
   * A pair that fails its checks is read again after this long before it is refused: between the
   * writes of the key and the certificate the files legitimately do not match. Default 500 ms.
   */
  readonly settleMs?: number;
  /** false: polling only (tests of the poll path). */
  readonly watch?: boolean;
}

export type ReloadResult = "loaded" | "unchanged" | "missing" | "settling" | "refused";

const fingerprint = (cert: Buffer, key: Buffer): string => createHash("sha256").update(cert).update("\0").update(key).digest("hex");

/**
 * Watches the certificate and key and applies every new valid pair. `fs.watch` on the directories
 * (in a Secret volume the swap is a rename of `..data` there) gives prompt pickup; the poll, comparing
 * contents, catches what inotify misses. A broken pair is refused once, logged and counted, and the
 * pair in use keeps serving. Missing files are "waiting", not failures: at start-up the Secret volume
 * may not be populated yet.
 */
export class CertificateReloader {
  private pair: ServingPair | undefined;
  private inUse: string | undefined;
  /** The pair on disk that was refused, and why; a pair not yet valid is looked at again once it is. */
  private refused: { readonly fp: string; readonly error: Refused; readonly validFrom?: Date } | undefined;
  private suspect: string | undefined;
  private missingLogged = false;
  private watchers = new Map<string, FSWatcher>();
  private debounce: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly listeners = new Set<(result: ReloadResult) => void>();

  constructor(private readonly options: CertificateReloaderOptions) {}

  /** The pair in use; undefined until the files have been loaded once. */
  get current(): ServingPair | undefined {
    return this.pair;
  }

  /** Why the pair in the files is not the one in use (for /readyz), undefined when it is. */
  get refusal(): { readonly reason: Refusal; readonly message: string } | undefined {
    return this.refused && { reason: this.refused.error.reason, message: this.refused.error.message };
  }

  /**
   * The first load, at start-up: a pair that is there but refused (after the settle time a rotation
   * may need) is thrown, so that the process fails saying why; missing files are waited for.
   */
  async load(): Promise<ReloadResult> {
    let result = this.check();
    if (result === "settling") {
      await new Promise((resolve) => setTimeout(resolve, this.options.settleMs ?? 500));
      result = this.check();
    }
    if (result === "refused" && this.refused) throw new Error(`serving certificate refused: ${this.refused.error.message}`);
    return result;
  }

  /** Loads what is there now, then starts watching and polling. */
  start(): ReloadResult {
    const result = this.check();
    this.watchDirectories();
    this.poll = setInterval(() => {
      this.watchDirectories(); // a directory that appeared (or was recreated) since
      this.check();
    }, this.options.pollIntervalMs ?? 3000);
    this.poll.unref();
    return result;
  }

  stop(): void {
    this.stopped = true;
    for (const t of [this.debounce, this.settle]) if (t) clearTimeout(t);
    if (this.poll) clearInterval(this.poll);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /** Calls `listener` after every check (tests wait on it). Returns the unsubscribe function. */
  onCheck(listener: (result: ReloadResult) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads both files and applies them if they changed and pass the checks. */
  check(): ReloadResult {
    const result = this.checkOnce();
    for (const l of this.listeners) l(result);
    return result;
  }

  private checkOnce(): ReloadResult {
    if (this.stopped) return "unchanged";
    const { certFile, keyFile, logger, metrics } = this.options;
    let cert: Buffer;
    let key: Buffer;
    try {
      cert = readFileSync(certFile);
      key = readFileSync(keyFile);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // Out of file descriptors says nothing about the certificate: count it as such, try again at the next poll.
      if (e.code === "EMFILE" || e.code === "ENFILE") {
        metrics?.filesExhausted.inc({ during: "certificate-reload" });
        logger?.warn({ code: e.code, certFile }, "out of file descriptors: certificate files not read this time");
        return "unchanged";
      }
      if (e.code !== "ENOENT") return this.refuse(`unreadable:${e.code}`, new Refused("failure", e.message));
      if (!this.missingLogged) {
        this.missingLogged = true;
        logger?.warn({ certFile, keyFile, serving: this.pair ? "previous certificate" : "none yet" }, "certificate files missing; waiting for them");
      }
      return "missing";
    }
    this.missingLogged = false;
    const fp = fingerprint(cert, key);
    if (fp === this.inUse) {
      this.suspect = undefined;
      if (this.refused) this.clearRefusal(); // the files went back to the pair in use
      return "unchanged";
    }
    const now = this.options.now?.() ?? new Date();
    // Already logged and counted; unless it was refused for not being valid yet, and now is.
    if (fp === this.refused?.fp && !(this.refused.validFrom && now >= this.refused.validFrom)) return "refused";
    let pair: ServingPair;
    try {
      pair = parseServingPair(cert, key, certFile, keyFile, this.options.names ?? [], now);
      this.options.apply(pair);
    } catch (err) {
      return this.refuse(fp, err instanceof Refused ? err : new Refused("failure", (err as Error).message), cert);
    }
    const first = this.pair === undefined;
    this.pair = pair;
    this.inUse = fp;
    this.suspect = undefined;
    this.clearRefusal();
    metrics?.certificateReloads.inc({ outcome: "success" });
    metrics?.certificateExpiry.set(pair.notAfter.getTime() / 1000);
    logger?.info(
      { certFile, serialNumber: pair.serialNumber, notAfter: pair.notAfter.toISOString() },
      first ? "serving certificate loaded" : "serving certificate reloaded",
    );
    return "loaded";
  }

  private clearRefusal(): void {
    this.refused = undefined;
    for (const reason of REFUSALS) this.options.metrics?.certificateRefused.set({ reason }, 0);
  }

  /** A bad read is only refused when it is still bad after `settleMs` (a rotation may be half done). */
  private refuse(fp: string, error: Refused, cert?: Buffer): ReloadResult {
    if (this.suspect !== fp) {
      this.suspect = fp;
      if (this.settle) clearTimeout(this.settle);
      this.settle = setTimeout(() => this.check(), this.options.settleMs ?? 500);
      this.settle.unref();
      return "settling";
    }
    this.suspect = undefined;
    const validFrom = error.reason === "not-yet-valid" && cert ? new Date(new X509Certificate(cert).validFrom) : undefined;
    this.refused = { fp, error, ...(validFrom ? { validFrom } : {}) };
    const { metrics, logger } = this.options;
    metrics?.certificateReloads.inc({ outcome: error.reason });
    for (const reason of REFUSALS) metrics?.certificateRefused.set({ reason }, reason === error.reason ? 1 : 0);
    logger?.error(
      { err: error.message, reason: error.reason, serving: this.pair ? `previous certificate (serial ${this.pair.serialNumber})` : "none" },
      "new serving certificate refused",
    );
    return "refused";
  }

  private watchDirectories(): void {
    if (this.options.watch === false || this.stopped) return;
    for (const dir of new Set([dirname(this.options.certFile), dirname(this.options.keyFile)])) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.scheduleCheck());
        // The directory went away (volume unmounted): drop the watcher; the poll re-creates it.
        w.on("error", () => {
          w.close();
          this.watchers.delete(dir);
        });
        this.watchers.set(dir, w);
      } catch {
        // Not there yet: the poll keeps trying.
      }
    }
  }

  private scheduleCheck(): void {
    if (this.stopped) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.check(), this.options.debounceMs ?? 100);
    this.debounce.unref();
  }
}
