// The one way tests start the real webhook: `startServer` on 127.0.0.1 with the real rule registry,
// a certificate from the project's tooling, a log the test can read, and a client that posts
// AdmissionReviews over a kept-alive connection, as the kube-apiserver does.
import https from "node:https";
import { Writable } from "node:stream";
import type { LevelWithSilent } from "pino";
import type { KindName } from "../../schemas/kinds.js";
import type { Registry } from "../../webhook/admission/rule.js";
import { DEFAULT_POSTGRES_IMAGE } from "../../webhook/deployment.js";
import { route, type Role } from "../../webhook/routes.js";
import type { Logger } from "pino";
import { KubeApi } from "../../webhook/references/api.js";
import { CachedResolver } from "../../webhook/references/cached.js";
import { logInformerEvent } from "../../webhook/references/connect.js";
import { loadKubeConfig } from "../../webhook/references/credentials.js";
import type { CachedKind } from "../../webhook/references/reference-kinds.js";
import { KubeResolver } from "../../webhook/references/kube.js";
import { noCluster, type ReferenceResolver } from "../../webhook/references/resolver.js";
import { RULES } from "../../webhook/rules/registry.js";
import { createLogger } from "../../webhook/server/log.js";
import { Metrics } from "../../webhook/server/metrics.js";
import { startServer, type RunningServer, type ServeOptions } from "../../webhook/server/serve.js";
import { SERVER_NAME, sharedCerts, type CertFiles } from "./certs.js";
import { request, type Reply, type RequestOptions } from "./https.js";
import { admissionReview, type ReviewOptions } from "./review.js";

/** A JSON log line as pino writes it. */
export interface LogLine {
  level: string;
  msg: string;
  [k: string]: unknown;
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

export interface ReviewAnswer {
  /** HTTP status code. */
  readonly status: number;
  /** The raw response body, for "never contains" checks. */
  readonly text: string;
  /** The AdmissionReview's response; undefined when the body is not an AdmissionReview. */
  readonly response: AdmissionResponse | undefined;
  /** Wall time of the HTTPS round trip, ms. */
  readonly ms: number;
}

export interface WebhookOptions extends Partial<ServeOptions> {
  /**
   * References from this resolver; `kubeconfig` builds what `serve --kubeconfig` builds (watch caches,
   * GETs), and the webhook starts once the caches have synced; default: no cluster.
   */
  readonly resolver?: ReferenceResolver;
  readonly kubeconfig?: string;
  readonly registry?: Registry;
  readonly certs?: CertFiles;
  readonly metrics?: Metrics;
  /** pino level of the captured log (default info, as `serve` runs). */
  readonly logLevel?: LevelWithSilent;
  /** With `kubeconfig`: serve --secret-reuse in milliseconds (default as `serve`). */
  readonly secretReuseMs?: number;
}

export interface TestWebhook {
  readonly running: RunningServer;
  readonly port: number;
  readonly certs: CertFiles;
  readonly resolver: ReferenceResolver;
  /** Every raw log line written so far. */
  readonly logText: string[];
  logs(): LogLine[];
  /** POSTs an AdmissionReview for `object` to the validating (default) or mutating path of its kind. */
  review(kind: KindName, object: unknown, opts?: ReviewOptions & { role?: Role }): Promise<ReviewAnswer>;
  /** Any request on the webhook's port, trusting only its CA. */
  request(options: RequestOptions): Promise<Reply>;
  /** POSTs `body` (JSON, or `raw` as it is) to `path`; `json` is the parsed answer, if it is JSON. */
  post(path: string, body: unknown, opts?: { contentType?: string; raw?: string | Buffer }): Promise<{ status: number; text: string; json: any }>;
  close(): Promise<void>;
}

/** What `serve --kubeconfig` builds; returned once its caches have synced, or have failed once (an API that is down). */
async function resolverOf(opts: WebhookOptions, logger: Logger): Promise<ReferenceResolver> {
  if (opts.resolver) return opts.resolver;
  if (!opts.kubeconfig) return noCluster;
  const credentials = loadKubeConfig({ kubeconfig: opts.kubeconfig, env: {} });
  if (!credentials) throw new Error(`no cluster in ${opts.kubeconfig}`);
  let failed = () => {};
  const firstFailure = new Promise<void>((resolve) => (failed = resolve));
  const log = logInformerEvent(logger);
  const reuse = opts.secretReuseMs === undefined ? {} : { secretReuseMs: opts.secretReuseMs };
  const resolver = new CachedResolver(new KubeResolver(new KubeApi(credentials), reuse), {
    watch: true,
    observe: (event) => {
      log(event);
      if (event.type === "error") failed();
    },
  }).start();
  await Promise.race([resolver.caches.wait(10_000), firstFailure]);
  return resolver;
}

/**
 * Waits until the webhook's watch cache holds (or, with `present` false, no longer holds) an object:
 * changes reach the caches through the watch, a moment after the API server has them.
 */
export async function cached(webhook: TestWebhook, kind: CachedKind, namespace: string, name: string, present = true): Promise<void> {
  const resolver = webhook.resolver;
  if (!(resolver instanceof CachedResolver)) throw new Error("the webhook has no watch caches");
  const deadline = Date.now() + 5000;
  while ((resolver.informers[kind].store.get(namespace, name) !== undefined) !== present) {
    if (Date.now() > deadline) throw new Error(`${kind} ${namespace}/${name} ${present ? "not in" : "still in"} the cache after 5 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function startWebhook(opts: WebhookOptions = {}): Promise<TestWebhook> {
  const { resolver: _r, kubeconfig: _k, secretReuseMs: _s, registry = RULES, certs: given, metrics, logLevel, ...serveOptions } = opts;
  const certs = given ?? (await sharedCerts());
  const logText: string[] = [];
  let partial = "";
  const sink = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      partial += chunk.toString();
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      logText.push(...lines.filter((l) => l !== ""));
      done();
    },
  });
  const logger = createLogger(logLevel ?? "info", sink);
  const resolver = await resolverOf(opts, logger);
  const running = await startServer(
    {
      host: "127.0.0.1",
      port: 0,
      tlsCert: certs.cert,
      tlsKey: certs.key,
      metricsPort: 0,
      defaultImage: DEFAULT_POSTGRES_IMAGE,
      strictReferences: false,
      lookupTimeoutMs: 1000,
      servingNames: [SERVER_NAME],
      ...serveOptions,
    },
    { registry, resolver, logger, metrics: metrics ?? new Metrics({ processMetrics: false }) },
  );
  // Kept-alive connections, as the kube-apiserver keeps to a webhook.
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: certs.caPem, servername: SERVER_NAME });

  const review: TestWebhook["review"] = async (kind, object, ro = {}) => {
    const started = performance.now();
    const reply = await request(running.port, certs.caPem, {
      path: `${route(ro.role ?? "validate", kind).path}?timeout=10s`,
      body: admissionReview(kind, object, ro),
      agent,
    });
    let response: AdmissionResponse | undefined;
    try {
      response = (JSON.parse(reply.body) as { response?: AdmissionResponse }).response;
    } catch {
      response = undefined;
    }
    return { status: reply.status, text: reply.body, response, ms: performance.now() - started };
  };

  return {
    running,
    port: running.port,
    certs,
    resolver,
    logText,
    logs: () => logText.map((l) => JSON.parse(l) as LogLine),
    review,
    request: (options) => request(running.port, certs.caPem, { agent, ...options }),
    async post(path, body, o = {}) {
      const reply = await request(running.port, certs.caPem, {
        path,
        method: "POST",
        agent,
        body,
        ...(o.raw !== undefined ? { raw: o.raw } : {}),
        ...(o.contentType ? { contentType: o.contentType } : {}),
      });
      let json: unknown;
      try {
        json = JSON.parse(reply.body);
      } catch {
        json = undefined;
      }
      return { status: reply.status, text: reply.body, json };
    },
    async close() {
      agent.destroy();
      await running.close(1000);
      resolver.close();
    },
  };
}
