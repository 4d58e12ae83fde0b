// admission.k8s.io/v1 AdmissionReview: decoding requests and encoding verdicts exactly as the
// kube-apiserver expects them.
import { GROUP, type KindName } from "../../schemas/kinds.js";
import { isRecord } from "../formats/json.js";
import type { AdmissionInput } from "./defaulting.js";
import { MAX_LISTED } from "./bounds.js";
import { errorBody, errorString, ErrorTypes, warningText, type FieldError } from "./field.js";
import type { Verdict } from "./verdict.js";

export const REVIEW_API_VERSION = "admission.k8s.io/v1";

/** A decoded request: uid and operation are checked strings; the rest is as the client sent it. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly operation: string;
  readonly kind?: unknown;
  readonly name?: unknown;
  readonly namespace?: unknown;
  readonly object?: unknown;
  readonly oldObject?: unknown;
  readonly dryRun?: unknown;
}

/** A body that is not an AdmissionReview: answered with HTTP 400 and this short message. */
export class BadReview extends Error {}

export function decodeReview(body: unknown): AdmissionRequest {
  if (!isRecord(body)) throw new BadReview("body must be a JSON AdmissionReview object");
  if (body.apiVersion !== REVIEW_API_VERSION || body.kind !== "AdmissionReview") {
    throw new BadReview(`expected apiVersion ${REVIEW_API_VERSION}, kind AdmissionReview`);
  }
  const request = body.request;
  if (!isRecord(request)) throw new BadReview("AdmissionReview has no request");
  const { uid, operation } = request;
  if (typeof uid !== "string" || uid === "") throw new BadReview("request.uid is missing");
  if (typeof operation !== "string") throw new BadReview("request.operation is missing");
  return { ...request, uid, operation };
}

const OPERATIONS = new Set<string>(["CREATE", "UPDATE", "DELETE", "CONNECT"]);
const isOperation = (op: string): op is AdmissionInput["operation"] => OPERATIONS.has(op);

/** A string field of the request, or undefined when it is absent or of another type. */
const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The pipeline's input, or the reason this webhook cannot judge the request (answered in-band). */
export function toAdmissionInput(request: AdmissionRequest, kind: KindName): AdmissionInput | string {
  const requestKind: unknown = isRecord(request.kind) ? request.kind.kind : undefined;
  const requestGroup: unknown = isRecord(request.kind) ? request.kind.group : undefined;
  if (requestKind !== undefined && requestKind !== kind) return `this webhook admits ${kind}, not ${JSON.stringify(text(requestKind) ?? typeof requestKind)}`;
  if (requestGroup !== undefined && requestGroup !== GROUP)
    return `this webhook admits ${GROUP}, not ${JSON.stringify(text(requestGroup) ?? typeof requestGroup)}`;
  if (!isOperation(request.operation)) return `unknown operation ${JSON.stringify(request.operation)}`;
  const metadata = isRecord(request.object) && isRecord(request.object.metadata) ? request.object.metadata : {};
  const name = text(request.name) ?? text(metadata.name);
  return {
    kind,
    operation: request.operation,
    object: request.object,
    oldObject: request.oldObject,
    namespace: text(request.namespace) ?? text(metadata.namespace) ?? "default",
    ...(name !== undefined ? { name } : {}),
  };
}

/** The first MAX_LISTED items, and how many more there were. */
const listed = <T>(items: readonly T[], omitted = 0): { shown: readonly T[]; more: number } => ({
  shown: items.slice(0, MAX_LISTED),
  more: Math.max(0, items.length - MAX_LISTED) + omitted,
});

/** apimachinery's NewInvalid message: `Kind.group "name" is invalid: [e1, e2]`, and "and N more" past MAX_LISTED. */
export function invalidMessage(kind: KindName, name: string, errors: readonly FieldError[], omitted = 0): string {
  const { shown, more } = listed(errors, omitted);
  const list = [...shown.map(errorString), ...(more > 0 ? [`and ${more} more`] : [])];
  return `${kind}.${GROUP} ${JSON.stringify(name)} is invalid: ${list.length === 1 ? list[0] : `[${list.join(", ")}]`}`;
}

interface ReviewResponse {
  uid: string;
  allowed: boolean;
  status?: Record<string, unknown>;
  patchType?: "JSONPatch";
  patch?: string;
  warnings?: string[];
}

export interface AdmissionReviewResponse {
  apiVersion: typeof REVIEW_API_VERSION;
  kind: "AdmissionReview";
  response: ReviewResponse;
}

const review = (response: ReviewResponse): AdmissionReviewResponse => ({ apiVersion: REVIEW_API_VERSION, kind: "AdmissionReview", response });

const failure = (uid: string, code: 400 | 500, reason: "BadRequest" | "InternalError", message: string): AdmissionReviewResponse =>
  review({ uid, allowed: false, status: { metadata: {}, status: "Failure", message, reason, code } });

/** A request this webhook can decode but not judge (wrong kind for the path): refused in-band. */
export const badRequest = (uid: string, message: string): AdmissionReviewResponse => failure(uid, 400, "BadRequest", message);

/** The response to one request, for every verdict. */
export function encodeVerdict(uid: string, subject: { kind: KindName; name: string }, verdict: Verdict): AdmissionReviewResponse {
  const unique = [...new Set(verdict.warnings.map((w) => warningText(w.field, w.message)))];
  const { shown, more } = listed(unique);
  const warnings = more > 0 ? [...shown, warningText("<object>", `and ${more} more warnings`)] : [...shown];
  const withWarnings = (response: ReviewResponse): ReviewResponse => (warnings.length > 0 ? { ...response, warnings } : response);
  switch (verdict.type) {
    case "allowed":
      return review(
        withWarnings({
          uid,
          allowed: true,
          ...(verdict.patch.length > 0 ? { patchType: "JSONPatch" as const, patch: Buffer.from(JSON.stringify(verdict.patch)).toString("base64") } : {}),
        }),
      );
    case "denied": {
      const errors = verdict.violations.map((v) => v.error);
      return review(
        withWarnings({
          uid,
          allowed: false,
          status: {
            metadata: {},
            status: "Failure",
            message: invalidMessage(subject.kind, subject.name, errors, verdict.omitted),
            reason: "Invalid",
            details: {
              name: subject.name,
              group: GROUP,
              kind: subject.kind,
              causes: listed(errors).shown.map((e) => ({ reason: ErrorTypes[e.type].reason, message: errorBody(e), field: e.field })),
            },
            code: 422,
          },
        }),
      );
    }
    case "failed":
      return failure(uid, 500, "InternalError", `internal error in rule ${verdict.failures.map((f) => f.rule).join(", ")}; please report it`);
  }
}
