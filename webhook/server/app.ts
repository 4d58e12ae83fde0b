// The HTTP surface (SPEC §5): six admission paths, health and readiness. Handlers stay thin: decode,
// run the pipeline, encode, measure.
import express, { type NextFunction, type Request, type Response } from "express";
import { KINDS, type KindName } from "../../schemas/kinds.js";
import { admit, type AdmissionOptions } from "../admission/pipeline.js";
import { BadReview, badRequest, decodeReview, encodeOutcome, toAdmissionInput } from "../admission/review.js";
import type { Logger } from "./log.js";
import type { Metrics } from "./metrics.js";

/** controller-runtime's limit for an admission request body. */
export const MAX_BODY_BYTES = 7 * 1024 * 1024;

export type Role = "mutate" | "validate";

export const webhookPath = (role: Role, singular: string): string => `/${role}-postgresql-k8s-enterprisedb-io-v1alpha1-${singular}`;

export interface WebhookAppOptions {
  readonly admission: AdmissionOptions;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Ready once a serving certificate is loaded. */
  readonly isReady: () => boolean;
}

const plain = (res: Response, status: number, message: string): void => {
  res.status(status).type("text/plain").send(`${message}\n`);
};

function admissionHandler(role: Role, kind: KindName, { admission, metrics, logger }: WebhookAppOptions) {
  const webhook = `${role}-${kind.toLowerCase()}`;
  const validate = role === "validate";
  return async (req: Request, res: Response): Promise<void> => {
    const started = process.hrtime.bigint();
    metrics.inFlight.inc();
    try {
      if (!req.is("application/json")) return plain(res, 400, "content type must be application/json");
      let request;
      try {
        request = decodeReview(req.body);
      } catch (err) {
        if (err instanceof BadReview) return plain(res, 400, err.message);
        throw err;
      }
      const input = toAdmissionInput(request, kind);
      if (typeof input === "string") {
        metrics.requests.inc({ webhook, allowed: "false" });
        res.json(badRequest(request.uid, input));
        return;
      }
      const outcome = await admit(input, admission, { validate });
      for (const failure of outcome.ruleFailures) {
        metrics.ruleErrors.inc({ rule: failure.rule });
        logger.error({ uid: request.uid, rule: failure.rule, err: failure.error }, "rule failed");
      }
      const allowed = outcome.allowed && outcome.ruleFailures.length === 0;
      res.json(encodeOutcome(request.uid, input, outcome));
      metrics.requests.inc({ webhook, allowed: String(allowed) });
      logger.info(
        {
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
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        },
        "admission",
      );
    } finally {
      metrics.inFlight.dec();
      metrics.duration.observe({ webhook }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}

export function createWebhookApp(options: WebhookAppOptions): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.disable("etag");
  app.set("query parser", false);

  app.get("/healthz", (_req, res) => plain(res, 200, "ok"));
  app.get("/readyz", (_req, res) => (options.isReady() ? plain(res, 200, "ok") : plain(res, 503, "serving certificate not loaded")));

  const json = express.json({ limit: MAX_BODY_BYTES, type: "application/json", strict: true });
  for (const info of KINDS) {
    for (const role of ["mutate", "validate"] as const) {
      app.post(webhookPath(role, info.singular), json, admissionHandler(role, info.kind, options));
    }
  }

  app.use((_req, res) => plain(res, 404, "not found"));
  // Body-parser and handler errors: a short plain message, never a stack trace; the server keeps serving.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = err as { type?: string; status?: number; message?: string };
    if (res.headersSent) return;
    if (e.type === "entity.too.large") return plain(res, 413, `request body larger than ${MAX_BODY_BYTES} bytes`);
    if (e.type === "entity.parse.failed") return plain(res, 400, "body is not valid JSON");
    if (typeof e.status === "number" && e.status >= 400 && e.status < 500) return plain(res, e.status, e.message ?? "bad request");
    options.logger.error({ err }, "request failed");
    return plain(res, 500, "internal error");
  });
  return app;
}
