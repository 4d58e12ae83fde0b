// The HTTP surface (SPEC §5): six admission paths, health and readiness.
//
// The admission paths are dispatched before express: measured on 2 cores, express's router and
// body-parser cost about 200 µs per request, several times the whole pipeline, and capped the webhook
// at a fifth of what bare node:https serves (see README, Performance). Express keeps everything else:
// health, readiness, and the answers to unknown paths and methods.
import type { IncomingMessage, ServerResponse } from "node:http";
import express, { type NextFunction, type Request, type Response } from "express";
import { GROUP, KINDS, VERSION, type KindName } from "../../schemas/kinds.js";
import { admit, type AdmissionOptions } from "../admission/pipeline.js";
import { BadReview, badRequest, decodeReview, encodeOutcome, toAdmissionInput } from "../admission/review.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";

/** controller-runtime's limit for an admission request body. */
export const MAX_BODY_BYTES = 7 * 1024 * 1024;

export type Role = "mutate" | "validate";

/** controller-runtime's path convention: `/validate-postgresql-k8s-enterprisedb-io-v1alpha1-cluster`. */
export const webhookPath = (role: Role, singular: string): string => `/${role}-${GROUP.replaceAll(".", "-")}-${VERSION}-${singular}`;

export interface WebhookAppOptions {
  readonly admission: AdmissionOptions;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Ready once a serving certificate is loaded. */
  readonly isReady: () => boolean;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

function reply(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) }).end(body);
}
const plain = (res: ServerResponse, status: number, message: string): void => reply(res, status, `${message}\n`, "text/plain; charset=utf-8");

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const isJSON = (contentType: string | undefined): boolean => (contentType ?? "").split(";")[0]!.trim().toLowerCase() === "application/json";

/** The request body, at most MAX_BODY_BYTES of it. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (declared > MAX_BODY_BYTES) return Promise.reject(new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        req.resume();
        reject(new HttpError(413, `request body larger than ${MAX_BODY_BYTES} bytes`));
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)));
    req.on("error", reject);
  });
}

/** One admission path: decode, run the pipeline, encode, measure. */
function admissionHandler(role: Role, kind: KindName, { admission, metrics, logger }: WebhookAppOptions) {
  const webhook = `${role}-${kind.toLowerCase()}`;
  const validate = role === "validate";
  const labels = { webhook };
  const answer = async (req: IncomingMessage): Promise<{ review: unknown; log?: Record<string, unknown>; allowed: boolean }> => {
    if (!isJSON(req.headers["content-type"])) throw new HttpError(400, "content type must be application/json");
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      throw new HttpError(400, raw.length === 0 ? "body is empty" : "body is not valid JSON");
    }
    let request;
    try {
      request = decodeReview(body);
    } catch (err) {
      throw err instanceof BadReview ? new HttpError(400, err.message) : err;
    }
    const input = toAdmissionInput(request, kind);
    if (typeof input === "string") return { review: badRequest(request.uid, input), allowed: false };
    // The kube-apiserver refuses a validating webhook's answer that carries a patch.
    const outcome = await admit(input, admission, { validate, patch: !validate });
    for (const failure of outcome.ruleFailures) {
      metrics.ruleErrors.inc({ rule: failure.rule });
      logger.error({ uid: request.uid, rule: failure.rule, err: failure.error }, "rule failed");
    }
    const allowed = outcome.allowed && outcome.ruleFailures.length === 0;
    const log = {
      uid: request.uid,
      webhook,
      kind,
      namespace: input.namespace,
      name: input.name ?? "",
      operation: input.operation,
      dryRun: request.dryRun === true,
      allowed,
      patched: outcome.patch.length > 0,
      errors: outcome.errors.length,
      warnings: outcome.warnings.length,
    };
    return { review: encodeOutcome(request.uid, input, outcome), log, allowed };
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const started = process.hrtime.bigint();
    metrics.inFlight.inc();
    answer(req)
      .then(
        ({ review, log, allowed }) => {
          reply(res, 200, JSON.stringify(review), "application/json");
          metrics.requests.inc({ webhook, allowed: String(allowed) });
          if (log) logger.info({ ...log, durationMs: Number(process.hrtime.bigint() - started) / 1e6 }, "admission");
        },
        (err: unknown) => {
          if (err instanceof HttpError) {
            // A client still sending an oversized body gets its answer on a connection that then closes.
            if (err.status === 413) res.setHeader("connection", "close");
            return plain(res, err.status, err.message);
          }
          logger.error({ err, webhook }, "request failed");
          plain(res, 500, "internal error");
        },
      )
      .finally(() => {
        metrics.inFlight.dec();
        metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      });
  };
}

/** Health, readiness and everything that is not an admission. */
function createExpressApp(options: WebhookAppOptions): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", false);
  app.get("/healthz", (_req, res) => plain(res, 200, "ok"));
  app.get("/readyz", (_req, res) => (options.isReady() ? plain(res, 200, "ok") : plain(res, 503, "serving certificate not loaded")));
  app.use((req, res) => (admissionPaths.has(req.path) ? plain(res, 405, "method not allowed; use POST") : plain(res, 404, "not found")));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    options.logger.error({ err }, "request failed");
    if (!res.headersSent) plain(res, 500, "internal error");
  });
  return app;
}

const admissionPaths = new Set(KINDS.flatMap((k) => (["mutate", "validate"] as const).map((role) => webhookPath(role, k.singular))));

/** The HTTPS server's request listener. */
export function createRequestListener(options: WebhookAppOptions): Listener {
  const routes = new Map<string, Listener>();
  for (const info of KINDS) {
    for (const role of ["mutate", "validate"] as const) routes.set(webhookPath(role, info.singular), admissionHandler(role, info.kind, options));
  }
  const app = createExpressApp(options);
  return (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?"); // the apiserver calls `<path>?timeout=10s`
    const route = req.method === "POST" ? routes.get(query < 0 ? url : url.slice(0, query)) : undefined;
    if (route) route(req, res);
    else app(req, res);
  };
}
