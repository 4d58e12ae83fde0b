// Test support for the live-reference acceptance tests: the real HTTPS webhook (startServer) backed
// by a KubeResolver that reaches the local fake API server through a kubeconfig, a pino logger whose
// lines the test can read, and an HTTPS client that posts AdmissionReviews shaped like the
// kube-apiserver's.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { ensureCertificates } from "../certs/tls.js";
import { API_VERSION, GROUP, VERSION, kindInfo, type KindName } from "../schemas/kinds.js";
import { KubeResolver, loadKubeConfig } from "../webhook/references/kube.js";
import type { ReferenceResolver } from "../webhook/references/resolver.js";
import { createLogger } from "../webhook/server/log.js";
import { webhookPath } from "../webhook/server/app.js";
import { startServer, type RunningServer } from "../webhook/server/serve.js";
import { SERVER_NAME } from "./support/webhook.js";

export const SERVICE = "cnp-webhook";
export const SERVICE_NAMESPACE = "cnp-system";
/** The name the kube-apiserver verifies the webhook's certificate against (clientConfig.service). */
export const SERVERNAME = SERVER_NAME;

export interface WebhookCerts {
  readonly dir: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** A CA and serving certificate from the project's own tooling, in a fresh temporary directory. */
export async function makeCerts(): Promise<WebhookCerts> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-live-certs-"));
  await ensureCertificates({ service: SERVICE, namespace: SERVICE_NAMESPACE, outDir: dir });
  return { dir, ca: fs.readFileSync(path.join(dir, "ca.crt"), "utf8"), cert: path.join(dir, "tls.crt"), key: path.join(dir, "tls.key") };
}

/** A JSON log line as pino writes it. */
export interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
}

export interface ReviewAnswer {
  /** HTTP status code. */
  status: number;
  /** The raw response body, for "never contains" checks. */
  text: string;
  /** The AdmissionReview's response (undefined when the body is not an AdmissionReview). */
  response: AdmissionResponse;
  /** Wall time of the HTTPS round trip, ms. */
  ms: number;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  warnings?: string[];
  patchType?: string;
  patch?: string;
  status?: {
    code?: number;
    reason?: string;
    message?: string;
    details?: { name?: string; group?: string; kind?: string; causes?: { reason: string; field: string; message: string }[] };
  };
}

export interface LiveWebhook {
  readonly running: RunningServer;
  readonly resolver: ReferenceResolver;
  /** Every raw log line written so far. */
  readonly logText: string[];
  /** Parsed log lines. */
  logs(): LogLine[];
  /** POSTs an AdmissionReview for `object` to the validating (default) or mutating path of its kind. */
  review(kind: KindName, object: Record<string, unknown>, opts?: ReviewOptions): Promise<ReviewAnswer>;
  close(): Promise<void>;
}

export interface ReviewOptions {
  role?: "validate" | "mutate";
  operation?: "CREATE" | "UPDATE" | "DELETE";
  oldObject?: Record<string, unknown>;
  /** request.namespace; the object's metadata.namespace by default. */
  namespace?: string;
  dryRun?: boolean;
}


/** An admission.k8s.io/v1 AdmissionReview as the kube-apiserver sends it for a CNP object. */
export function admissionReview(kind: KindName, object: Record<string, unknown>, opts: ReviewOptions = {}): Record<string, unknown> {
  const metadata = (object["metadata"] ?? {}) as { name?: string; namespace?: string };
  const operation = opts.operation ?? "CREATE";
  const gvk = { group: GROUP, version: VERSION, kind };
  const gvr = { group: GROUP, version: VERSION, resource: kindInfo(kind).plural };
  const options =
    operation === "CREATE"
      ? { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" }
      : operation === "UPDATE"
        ? { apiVersion: "meta.k8s.io/v1", kind: "UpdateOptions" }
        : { apiVersion: "meta.k8s.io/v1", kind: "DeleteOptions" };
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: randomUUID(),
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      name: metadata.name ?? "",
      namespace: opts.namespace ?? metadata.namespace ?? "default",
      operation,
      userInfo: { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] },
      object: operation === "DELETE" ? null : object,
      oldObject: operation === "CREATE" ? null : (opts.oldObject ?? object),
      dryRun: opts.dryRun ?? false,
      options,
    },
  };
}

export interface StartOptions {
  readonly certs: WebhookCerts;
  /** A kubeconfig for the fake API server (or a broken one); the resolver is a real KubeResolver over it. */
  readonly kubeconfig: string;
  readonly strictReferences?: boolean;
  readonly lookupTimeoutMs?: number;
  /** pino level of the captured log (default info, as `serve` runs). */
  readonly logLevel?: "trace" | "debug" | "info";
}

export async function startLiveWebhook(opts: StartOptions): Promise<LiveWebhook> {
  const loaded = loadKubeConfig({ kubeconfig: opts.kubeconfig, env: {} });
  if (!loaded) throw new Error(`no cluster in ${opts.kubeconfig}`);
  const resolver = new KubeResolver(loaded);
  const logText: string[] = [];
  let partial = "";
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      partial += chunk.toString();
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      logText.push(...lines.filter((l) => l !== ""));
      done();
    },
  });
  const logger = createLogger(opts.logLevel ?? "info", stream);
  const running = await startServer(
    {
      host: "127.0.0.1",
      port: 0,
      tlsCert: opts.certs.cert,
      tlsKey: opts.certs.key,
      metricsPort: 0,
      defaultImage: "quay.io/enterprisedb/postgresql:13",
      strictReferences: opts.strictReferences ?? false,
      lookupTimeoutMs: opts.lookupTimeoutMs ?? 1000,
    },
    { logger, resolver },
  );
  // One kept-alive connection, as the kube-apiserver keeps to a webhook.
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: opts.certs.ca, servername: SERVERNAME });

  const review = (kind: KindName, object: Record<string, unknown>, ro: ReviewOptions = {}): Promise<ReviewAnswer> => {
    const body = JSON.stringify(admissionReview(kind, object, ro));
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: "127.0.0.1",
          port: running.port,
          method: "POST",
          path: `${webhookPath(ro.role ?? "validate", kindInfo(kind).singular)}?timeout=10s`,
          agent,
          headers: { "content-type": "application/json", accept: "application/json, */*", "content-length": Buffer.byteLength(body) },
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let response: AdmissionResponse;
            try {
              response = (JSON.parse(text) as { response: AdmissionResponse }).response;
            } catch {
              response = undefined as unknown as AdmissionResponse;
            }
            resolve({ status: res.statusCode ?? 0, text, response, ms: performance.now() - started });
          });
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error("webhook did not answer within 10 s")));
      req.on("error", reject);
      req.end(body);
    });
  };

  return {
    running,
    resolver,
    logText,
    logs: () => logText.map((l) => JSON.parse(l) as LogLine),
    review,
    async close() {
      agent.destroy();
      await running.close(1000);
      resolver.close();
    },
  };
}

export { API_VERSION };
