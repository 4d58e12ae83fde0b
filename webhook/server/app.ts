// The HTTP surface (README "HTTP API"): a thin adapter around the admission handler, plus health and readiness.
//
// The admission paths are dispatched before express: measured on 2 cores, express's router and
// body-parser cost about 200 µs per request, several times the whole pipeline (see README,
// Performance). Express keeps everything else: health, readiness, unknown paths and methods.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import express, { type NextFunction, type Request, type Response } from "express";
import { handle, type HandlerDependencies } from "../admission/handler.js";
import { ROUTES, type Route } from "../routes.js";
import type { Logger } from "pino";
import type { Metrics } from "./metrics.js";

/** controller-runtime's limit for an admission request body. */
export const MAX_BODY_BYTES = 7 * 1024 * 1024;

export interface WebhookAppOptions extends HandlerDependencies {
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** undefined when ready (a serving certificate is loaded, caches synced); otherwise why not, for /readyz. */
  readonly notReadyBecause: () => string | undefined;
  /** When ready: what /readyz adds below its "ok" (a refused certificate, caches not known to be current). */
  readonly readinessNotes?: () => readonly string[];
  /** --client-ca: only peers with a verified client certificate may call the admission paths. */
  readonly requireClientCertificate?: boolean;
  /** A request body not wholly received this long after its headers is cut off with a 408 (serve.ts ConnectionLimits). */
  readonly requestTimeoutMs: number;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

function reply(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) }).end(body);
}
const plain = (res: ServerResponse, status: number, message: string): void => reply(res, status, `${message}\n`, "text/plain; charset=utf-8");

class TooLarge extends Error {}
class TooSlow extends Error {}

/**
 * The request body, at most MAX_BODY_BYTES of it, within `timeoutMs`. The bound is kept here, not left
 * to Node's requestTimeout check alone: a body that stalled after its first byte was seen held open for
 * over 70 s (issue 20), and a stalled client would hold one of the connections a fail-closed webhook has.
 */
function readBody(req: IncomingMessage, timeoutMs: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (declared > MAX_BODY_BYTES) return Promise.reject(new TooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const timer = setTimeout(() => {
      req.removeAllListeners("data");
      reject(new TooSlow());
    }, timeoutMs);
    const settle =
      <T>(done: (value: T) => void) =>
      (value: T) => {
        clearTimeout(timer);
        done(value);
      };
    req.on("data", (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        req.resume();
        settle(reject)(new TooLarge());
      } else chunks.push(chunk);
    });
    req.on(
      "end",
      settle(() => resolve(chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, length))),
    );
    req.on("error", settle(reject));
    // A client that hangs up mid-body ends the request with neither "end" nor always "error".
    req.on(
      "close",
      settle(() => reject(new Error("aborted"))),
    );
  });
}

/** The client went away before it was answered (it hung up, or its deadline passed): nobody to tell. */
const clientGone = (req: IncomingMessage, err: unknown): boolean =>
  req.destroyed || (err as NodeJS.ErrnoException | undefined)?.code === "ECONNRESET" || (err as Error | undefined)?.message === "aborted";

/** One admission path: body in, handler, answer out; metrics and the log line. */
function admissionListener(route: Route, { metrics, logger, requireClientCertificate, requestTimeoutMs, ...deps }: WebhookAppOptions): Listener {
  const labels = { webhook: route.label };
  const answer = async (req: IncomingMessage, res: ServerResponse, started: bigint): Promise<void> => {
    if (requireClientCertificate && !(req.socket as TLSSocket).authorized) {
      res.setHeader("connection", "close");
      return plain(res, 403, "a client certificate from the configured CA is required");
    }
    const handled = await handle(route, await readBody(req, requestTimeoutMs), req.headers["content-type"], deps);
    if (handled.status !== 200) return plain(res, handled.status, handled.message);
    reply(res, 200, handled.body, "application/json");
    metrics.requests.inc({ webhook: route.label, allowed: String(handled.allowed) });
    // Each rule once per admission: how many requests deny mode would have refused because of it.
    for (const rule of new Set(handled.wouldDeny.map((v) => v.rule))) metrics.wouldDeny.inc({ rule });
    for (const failure of handled.failures) {
      metrics.ruleErrors.inc({ rule: failure.rule });
      logger.error({ uid: handled.log?.uid, rule: failure.rule, err: failure.error }, "rule failed");
    }
    if (handled.log) logger.info({ ...handled.log, durationMs: Number(process.hrtime.bigint() - started) / 1e6 }, "admission");
  };
  return (req, res) => {
    const started = process.hrtime.bigint();
    metrics.inFlight.inc();
    answer(req, res, started)
      .catch((err: unknown) => {
        if (err instanceof TooLarge) {
          // A client still sending an oversized body gets its answer on a connection that then closes.
          res.setHeader("connection", "close");
          return plain(res, 413, `request body larger than ${MAX_BODY_BYTES} bytes`);
        }
        if (err instanceof TooSlow) {
          logger.warn({ webhook: route.label, timeoutMs: requestTimeoutMs }, "request body not received in time: connection closed");
          res.setHeader("connection", "close");
          res.once("finish", () => req.socket.destroy());
          return plain(res, 408, `request body not received within ${requestTimeoutMs / 1000} s`);
        }
        if (clientGone(req, err))
          return logger.debug({ webhook: route.label, reason: (err as Error | undefined)?.message }, "client closed the connection before the answer");
        logger.error({ err, webhook: route.label }, "request failed");
        if (!res.headersSent) plain(res, 500, "internal error");
      })
      .finally(() => {
        metrics.inFlight.dec();
        // Only answered requests are timed: a client that hung up after minutes says nothing of the webhook.
        if (res.headersSent) metrics.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      });
  };
}

const admissionPaths = new Set(ROUTES.map((r) => r.path));

/** Health, readiness and everything that is not an admission. */
function createExpressApp(options: WebhookAppOptions): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", false);
  app.get("/healthz", (_req, res) => plain(res, 200, "ok"));
  app.get("/readyz", (_req, res) => {
    const why = options.notReadyBecause();
    if (why === undefined) plain(res, 200, ["ok", ...(options.readinessNotes?.() ?? [])].join("\n"));
    else plain(res, 503, why);
  });
  app.use((req, res) => (admissionPaths.has(req.path) ? plain(res, 405, "method not allowed; use POST") : plain(res, 404, "not found")));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    options.logger.error({ err }, "request failed");
    if (!res.headersSent) plain(res, 500, "internal error");
  });
  return app;
}

/** The HTTPS server's request listener. */
export function createRequestListener(options: WebhookAppOptions): Listener {
  const routes = new Map(ROUTES.map((r) => [r.path, admissionListener(r, options)]));
  const app = createExpressApp(options);
  return (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?"); // the apiserver calls `<path>?timeout=10s`
    const route = req.method === "POST" ? routes.get(query < 0 ? url : url.slice(0, query)) : undefined;
    if (route) route(req, res);
    else app(req, res);
  };
}
