// Shared pieces of the server tests: certificates in a temp dir, an HTTPS client that trusts only the
// generated CA (as the kube-apiserver does), AdmissionReview bodies, and a wait-until helper.
import { X509Certificate } from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { ensureCertificates } from "../certs/tls.js";
import { API_VERSION, GROUP, VERSION } from "../schemas/kinds.js";
import { webhookPath } from "../webhook/server/app.js";
import { SERVER_NAME } from "./support/webhook.js";

export { SERVER_NAME };


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

/** A CA and a serving certificate for cnp-webhook/cnp-system in a fresh temp dir. */
export async function makeCerts(prefix = "cnp-certs-"): Promise<CertFiles> {
  const dir = tempDir(prefix);
  await ensureCertificates({ service: "cnp-webhook", namespace: "cnp-system", outDir: dir });
  return readCerts(dir);
}

function readCerts(dir: string): CertFiles {
  const read = (f: string) => fs.readFileSync(path.join(dir, f), "utf8");
  const certPem = read("tls.crt");
  return {
    dir,
    caPem: read("ca.crt"),
    cert: path.join(dir, "tls.crt"),
    key: path.join(dir, "tls.key"),
    certPem,
    keyPem: read("tls.key"),
    fingerprint: fingerprintOf(certPem),
  };
}

/** A new serving certificate signed by the same CA (what a renewal produces). */
export async function renewServing(from: CertFiles): Promise<CertFiles> {
  const dir = tempDir("cnp-renew-");
  for (const f of ["ca.crt", "ca.key"]) fs.copyFileSync(path.join(from.dir, f), path.join(dir, f));
  await ensureCertificates({ service: "cnp-webhook", namespace: "cnp-system", outDir: dir });
  return readCerts(dir);
}

export interface Reply {
  readonly status: number;
  readonly body: string;
  /** fingerprint256 of the certificate the server presented. */
  readonly peer: string;
  readonly reusedSocket: boolean;
  readonly headers: import("node:http").IncomingHttpHeaders;
}

/** One HTTPS request the way the kube-apiserver makes it: trusts `ca` only, SNI = the Service name. */
export function request(
  port: number,
  ca: string,
  options: { path: string; method?: string; body?: unknown; agent?: https.Agent | false; timeoutMs?: number },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        path: options.path,
        method: options.method ?? (payload ? "POST" : "GET"),
        ca,
        servername: SERVER_NAME,
        agent: options.agent ?? false,
        headers: payload ? { "content-type": "application/json", "content-length": payload.length } : {},
        timeout: options.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const socket = res.socket as import("node:tls").TLSSocket;
        const peer = socket.getPeerCertificate().fingerprint256;
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), peer, reusedSocket: req.reusedSocket, headers: res.headers }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end(payload);
  });
}

export const mutatePath = (singular: string) => webhookPath("mutate", singular);
export const validatePath = (singular: string) => webhookPath("validate", singular);

let uidCounter = 0;

/** An AdmissionReview for CREATE of a Backup of Cluster `cluster` in namespace `app`. */
export function backupReview(cluster = "pg", uid = `uid-${++uidCounter}`) {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid,
      kind: { group: GROUP, version: VERSION, kind: "Backup" },
      resource: { group: GROUP, version: VERSION, resource: "backups" },
      namespace: "app",
      name: "nightly",
      operation: "CREATE",
      object: { apiVersion: API_VERSION, kind: "Backup", metadata: { name: "nightly", namespace: "app" }, spec: { cluster: { name: cluster } } },
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `condition` every 10 ms; rejects with `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
