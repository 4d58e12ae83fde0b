// Test support: the real HTTPS webhook on 127.0.0.1, and a client that trusts only its CA, as the
// kube-apiserver does.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { ensureCertificates } from "../../certs/tls.js";
import { GROUP, VERSION, kindInfo } from "../../schemas/kinds.js";
import type { ReferenceResolver } from "../../webhook/references/resolver.js";
import { createLogger } from "../../webhook/server/log.js";
import { startServer, type RunningServer, type ServeOptions } from "../../webhook/server/serve.js";

export const SERVER_NAME = "cnp-webhook.cnp-system.svc";

let certDir: string | undefined;
/** One CA and serving certificate per test process. */
export async function testCertificates(): Promise<{ dir: string; ca: Buffer; cert: string; key: string }> {
  if (!certDir) {
    certDir = mkdtempSync(join(tmpdir(), "cnp-webhook-test-"));
    await ensureCertificates({ service: "cnp-webhook", namespace: "cnp-system", outDir: certDir });
    process.once("exit", () => rmSync(certDir!, { recursive: true, force: true }));
  }
  return { dir: certDir, ca: readFileSync(join(certDir, "ca.crt")), cert: join(certDir, "tls.crt"), key: join(certDir, "tls.key") };
}

export interface TestWebhook {
  server: RunningServer;
  /** JSON log lines written by the server. */
  logs: Record<string, unknown>[];
  post(path: string, body: unknown, opts?: { contentType?: string; raw?: string | Buffer }): Promise<{ status: number; text: string; json?: any }>;
  close(): Promise<void>;
}

export async function startTestWebhook(opts: Partial<ServeOptions> & { resolver?: ReferenceResolver } = {}): Promise<TestWebhook> {
  const certs = await testCertificates();
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const { resolver, ...serveOptions } = opts;
  const server = await startServer(
    {
      host: "127.0.0.1",
      port: 0,
      tlsCert: certs.cert,
      tlsKey: certs.key,
      metricsPort: 0,
      defaultImage: "quay.io/enterprisedb/postgresql:13",
      strictReferences: false,
      lookupTimeoutMs: 1000,
      ...serveOptions,
    },
    { logger: createLogger("info", sink), resolver },
  );
  const post: TestWebhook["post"] = (path, body, o = {}) =>
    new Promise((resolve, reject) => {
      const payload = o.raw ?? JSON.stringify(body);
      const req = request(
        {
          host: "127.0.0.1",
          port: server.port,
          path,
          method: "POST",
          ca: certs.ca,
          servername: SERVER_NAME,
          headers: { "content-type": o.contentType ?? "application/json", "content-length": Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, text, json });
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  return { server, logs, post, close: () => server.close(1000) };
}

/** An AdmissionReview exactly as the kube-apiserver sends it (admission.k8s.io/v1). */
export function admissionReview(opts: {
  kind: "Cluster" | "Backup" | "ScheduledBackup";
  operation: "CREATE" | "UPDATE" | "DELETE";
  object: any;
  oldObject?: any;
  dryRun?: boolean;
  uid?: string;
}) {
  const resource = { group: GROUP, version: VERSION, resource: kindInfo(opts.kind).plural };
  const kind = { group: GROUP, version: VERSION, kind: opts.kind };
  const object = opts.operation === "DELETE" ? null : opts.object;
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: opts.uid ?? crypto.randomUUID(),
      kind,
      resource,
      requestKind: kind,
      requestResource: resource,
      name: opts.object?.metadata?.name ?? "",
      namespace: opts.object?.metadata?.namespace ?? "default",
      operation: opts.operation,
      userInfo: { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] },
      object,
      oldObject: opts.operation === "CREATE" ? null : (opts.oldObject ?? opts.object),
      dryRun: opts.dryRun ?? false,
      options: { kind: `${opts.operation === "DELETE" ? "Delete" : opts.operation === "UPDATE" ? "Update" : "Create"}Options`, apiVersion: "meta.k8s.io/v1", fieldManager: "kubectl-client-side-apply" },
    },
  };
}
