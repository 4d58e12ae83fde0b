// One admission request, from body bytes to response bytes, without any HTTP: the server's adapter
// reads the body and writes the answer; this decides what the answer is.
import type { Route } from "../kinds.js";
import { mutate } from "./defaulting.js";
import { ignoredRules, withoutIgnoredRules } from "./ignore.js";
import type { Registry } from "./rule.js";
import { BadReview, badRequest, decodeReview, encodeVerdict, toAdmissionInput, type AdmissionRequest } from "./review.js";
import { validate, type AdmissionOptions } from "./validation.js";
import type { RuleFailure } from "./verdict.js";

export interface HandlerDependencies {
  readonly registry: Registry;
  readonly options: AdmissionOptions;
  /** Honour the annotation cnp-webhook.io/ignore (flag --allow-ignore-annotation); off by default. */
  readonly allowIgnoreAnnotation?: boolean;
}

/** What the server logs for one admission (never a Secret value: resolvers keep key names only). */
export interface AdmissionLog {
  readonly uid: string;
  readonly webhook: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly operation: string;
  readonly dryRun: boolean;
  readonly allowed: boolean;
  readonly patched: boolean;
  readonly errors: number;
  readonly warnings: number;
  /** The rules of the denials and warnings, for logs and metrics. */
  readonly rules: readonly string[];
}

export type Handled =
  /** An AdmissionReview answer (HTTP 200), including in-band refusals. */
  | { readonly status: 200; readonly body: string; readonly allowed: boolean; readonly log?: AdmissionLog; readonly failures: readonly RuleFailure[] }
  /** Not an AdmissionReview at all: HTTP 400 with a short plain message. */
  | { readonly status: 400; readonly message: string };

const isJSON = (contentType: string | undefined): boolean => (contentType ?? "").split(";")[0]?.trim().toLowerCase() === "application/json";

export async function handle(
  route: Route,
  body: Buffer,
  contentType: string | undefined,
  { registry, options, allowIgnoreAnnotation }: HandlerDependencies,
): Promise<Handled> {
  if (!isJSON(contentType)) return { status: 400, message: "content type must be application/json" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return { status: 400, message: body.length === 0 ? "body is empty" : "body is not valid JSON" };
  }
  let request: AdmissionRequest;
  try {
    request = decodeReview(parsed);
  } catch (err) {
    if (err instanceof BadReview) return { status: 400, message: err.message };
    throw err;
  }
  const input = toAdmissionInput(request, route.kind);
  if (typeof input === "string") return { status: 200, body: JSON.stringify(badRequest(request.uid, input)), allowed: false, failures: [] };

  const judged = route.role === "mutate" ? mutate(input, registry, options) : await validate(input, registry, options);
  const verdict = allowIgnoreAnnotation && route.role === "validate" ? withoutIgnoredRules(judged, ignoredRules(input.object)).verdict : judged;
  const name = input.name ?? "";
  const review = encodeVerdict(request.uid, { kind: input.kind, name }, verdict);
  const violations = verdict.type === "denied" ? verdict.violations : [];
  const log: AdmissionLog = {
    uid: request.uid,
    webhook: route.label,
    kind: input.kind,
    namespace: input.namespace,
    name,
    operation: input.operation,
    dryRun: request.dryRun === true,
    allowed: review.response.allowed,
    patched: verdict.type === "allowed" && verdict.patch.length > 0,
    errors: violations.length,
    warnings: review.response.warnings?.length ?? 0,
    rules: [...new Set([...violations.map((v) => v.rule), ...verdict.warnings.map((w) => w.rule)])],
  };
  return { status: 200, body: JSON.stringify(review), allowed: review.response.allowed, log, failures: verdict.type === "failed" ? verdict.failures : [] };
}
