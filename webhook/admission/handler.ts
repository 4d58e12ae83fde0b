// One admission request, from body bytes to response bytes, without any HTTP: the server's adapter
// reads the body and writes the answer; this decides what the answer is.
import type { Route } from "../routes.js";
import { OBJECT_LIMITS } from "./bounds.js";
import { schemaRule } from "./defaulting.js";
import type { Enforcement } from "./enforcement.js";
import { errorString, type FieldError } from "./field.js";
import { judge } from "./judge.js";
import { REVIEW_LIMITS, requestHead, tooBigToParse } from "./prescan.js";
import type { Registry } from "./rule.js";
import { BadReview, badRequest, decodeReview, encodeVerdict, toAdmissionInput, type AdmissionRequest } from "./review.js";
import type { AdmissionOptions } from "./options.js";
import { allowed, type RuleFailure, type Verdict, type Violation } from "./verdict.js";

export interface HandlerDependencies {
  readonly registry: Registry;
  readonly options: AdmissionOptions;
  /** deny (default), warn, or warn for some rules (README "Rolling out"). */
  readonly enforcement?: Enforcement;
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
  /** What deny mode would have denied, admitted by the enforcement mode: rule and error. */
  readonly wouldDeny?: readonly { readonly rule: string; readonly error: string }[];
}

export type Handled =
  /** An AdmissionReview answer (HTTP 200), including in-band refusals. */
  | {
      readonly status: 200;
      readonly body: string;
      readonly allowed: boolean;
      readonly log?: AdmissionLog;
      readonly failures: readonly RuleFailure[];
      /** Violations the enforcement mode turned into warnings (counted in cnp_webhook_would_deny_total). */
      readonly wouldDeny: readonly Violation[];
    }
  /** Not an AdmissionReview at all: HTTP 400 with a short plain message. */
  | { readonly status: 400; readonly message: string };

const isJSON = (contentType: string | undefined): boolean => (contentType ?? "").split(";")[0]?.trim().toLowerCase() === "application/json";

/**
 * The answer to a review once its verdict is known, with the log line that goes with it; `wouldDeny`
 * is what the enforcement mode admitted (README "Rolling out").
 */
function answer(
  route: Route,
  uid: string,
  subject: { namespace: string; name: string; operation: string; dryRun: boolean },
  verdict: Verdict,
  wouldDeny: readonly Violation[] = [],
): Handled {
  const review = encodeVerdict(uid, { kind: route.kind, name: subject.name }, verdict);
  const violations = verdict.type === "denied" ? verdict.violations : [];
  const log: AdmissionLog = {
    uid,
    webhook: route.label,
    kind: route.kind,
    ...subject,
    allowed: review.response.allowed,
    patched: verdict.type === "allowed" && verdict.patch.length > 0,
    errors: violations.length,
    warnings: review.response.warnings?.length ?? 0,
    rules: [...new Set([...violations.map((v) => v.rule), ...verdict.warnings.map((w) => w.rule)])],
    ...(wouldDeny.length > 0 ? { wouldDeny: wouldDeny.map((v) => ({ rule: v.rule, error: errorString(v.error) })) } : {}),
  };
  const failures = verdict.type === "failed" ? verdict.failures : [];
  return { status: 200, body: JSON.stringify(review), allowed: review.response.allowed, log, failures, wouldDeny };
}

/**
 * A body too big to carry storable objects is judged from its bytes: parsing megabytes of JSON
 * would cost every other admission its latency. The request is identified by its first fields.
 * Denied in every enforcement mode: a bound on the server's cost, not a rule's verdict (the
 * apiserver could not store such objects anyway).
 */
function tooBig(route: Route, body: Buffer, why: "bytes" | "separators"): Handled {
  const head = requestHead(body);
  if (!head.uid) return { status: 400, message: "body is too large for a review of storable objects, and has no readable request.uid" };
  const operation = head.operation ?? "";
  const subject = { namespace: head.namespace ?? "", name: head.name ?? "", operation, dryRun: false };
  if (operation !== "CREATE" && operation !== "UPDATE") return answer(route, head.uid, subject, allowed());
  const error: FieldError =
    why === "bytes"
      ? {
          type: "TooLong",
          field: "<object>",
          detail: `the review is more than ${(REVIEW_LIMITS.maxBytes / 2 ** 20).toFixed(1)} MiB of JSON: its objects are more than the apiserver can store (etcd's request limit is 1.5 MiB each)`,
        }
      : {
          type: "Forbidden",
          field: "<object>",
          detail: `the review holds far more fields and list items than any manifest (at most ${OBJECT_LIMITS.maxNodes} per object)`,
        };
  return answer(route, head.uid, subject, { type: "denied", violations: [{ rule: schemaRule(route.kind), error }], warnings: [] });
}

export async function handle(
  route: Route,
  body: Buffer,
  contentType: string | undefined,
  { registry, options, enforcement, allowIgnoreAnnotation }: HandlerDependencies,
): Promise<Handled> {
  if (!isJSON(contentType)) return { status: 400, message: "content type must be application/json" };
  const oversized = tooBigToParse(body);
  if (oversized) return tooBig(route, body, oversized);
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
  if (typeof input === "string") return { status: 200, body: JSON.stringify(badRequest(request.uid, input)), allowed: false, failures: [], wouldDeny: [] };

  const { verdict, wouldDeny } = await judge(
    input,
    { registry, options, ...(enforcement ? { enforcement } : {}), honourIgnoreAnnotation: allowIgnoreAnnotation === true },
    route.role,
  );
  const subject = { namespace: input.namespace, name: input.name ?? "", operation: input.operation, dryRun: request.dryRun === true };
  return answer(route, request.uid, subject, verdict, wouldDeny);
}
