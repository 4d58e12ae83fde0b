// admission.k8s.io/v1 AdmissionReview: decoding requests and encoding responses exactly as the
// kube-apiserver expects them.
import { GROUP, type KindName } from "../../schemas/kinds.js";
import { errorBody, errorString, ErrorTypes, type FieldError } from "./field.js";
import type { AdmissionInput, AdmissionOutcome } from "./pipeline.js";
import { isRecord } from "./values.js";

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
  if (typeof request.uid !== "string" || request.uid === "") throw new BadReview("request.uid is missing");
  if (typeof request.operation !== "string") throw new BadReview("request.operation is missing");
  return request as unknown as AdmissionRequest;
}

const OPERATIONS = new Set(["CREATE", "UPDATE", "DELETE", "CONNECT"]);

/** A string field of the request, or undefined when it is absent or of another type. */
const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The pipeline's input, or the reason this webhook cannot judge the request (answered in-band). */
export function toAdmissionInput(request: AdmissionRequest, kind: KindName): AdmissionInput | string {
  const requestKind: unknown = isRecord(request.kind) ? request.kind.kind : undefined;
  const requestGroup: unknown = isRecord(request.kind) ? request.kind.group : undefined;
  if (requestKind !== undefined && requestKind !== kind) return `this webhook admits ${kind}, not ${JSON.stringify(text(requestKind) ?? typeof requestKind)}`;
  if (requestGroup !== undefined && requestGroup !== GROUP) return `this webhook admits ${GROUP}, not ${JSON.stringify(text(requestGroup) ?? typeof requestGroup)}`;
  if (!OPERATIONS.has(request.operation)) return `unknown operation ${JSON.stringify(request.operation)}`;
  const metadata = isRecord(request.object) && isRecord(request.object.metadata) ? request.object.metadata : {};
  return {
    kind,
    operation: request.operation as AdmissionInput["operation"],
    object: request.object,
    oldObject: request.oldObject,
    namespace: text(request.namespace) ?? text(metadata.namespace) ?? "default",
    name: text(request.name) ?? text(metadata.name),
  };
}

/** apimachinery's NewInvalid message: `Kind.group "name" is invalid: [e1, e2]`. */
export function invalidMessage(kind: KindName, name: string, errors: readonly FieldError[]): string {
  const list = errors.map(errorString);
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

const review = (response: ReviewResponse) => ({ apiVersion: REVIEW_API_VERSION, kind: "AdmissionReview", response });

/** The response to one request, from the pipeline's outcome. */
export function encodeOutcome(uid: string, input: AdmissionInput, outcome: AdmissionOutcome) {
  if (outcome.ruleFailures.length > 0) {
    return internalError(uid, `internal error in rule ${outcome.ruleFailures.map((f) => f.rule).join(", ")}; please report it`);
  }
  const response: ReviewResponse = { uid, allowed: outcome.allowed };
  if (outcome.warnings.length) response.warnings = [...outcome.warnings];
  if (!outcome.allowed) {
    const name = input.name ?? "";
    response.status = {
      metadata: {},
      status: "Failure",
      message: invalidMessage(input.kind, name, outcome.errors),
      reason: "Invalid",
      details: {
        name,
        group: GROUP,
        kind: input.kind,
        causes: outcome.errors.map((e) => ({ reason: causeReason(e), message: errorBody(e), field: e.field })),
      },
      code: 422,
    };
  } else if (outcome.patch.length) {
    response.patchType = "JSONPatch";
    response.patch = Buffer.from(JSON.stringify(outcome.patch)).toString("base64");
  }
  return review(response);
}

const causeReason = (e: FieldError): string => ErrorTypes[e.type].reason;

/** A request this webhook can decode but not judge (wrong kind for the path): refused in-band. */
export const badRequest = (uid: string, message: string) =>
  review({ uid, allowed: false, status: { metadata: {}, status: "Failure", message, reason: "BadRequest", code: 400 } });

export const internalError = (uid: string, message: string) =>
  review({ uid, allowed: false, status: { metadata: {}, status: "Failure", message, reason: "InternalError", code: 500 } });
