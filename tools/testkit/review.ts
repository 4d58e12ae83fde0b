// AdmissionReview requests exactly as the kube-apiserver sends them (admission.k8s.io/v1).
import { randomUUID } from "node:crypto";
import { API_VERSION, GROUP, VERSION, kindInfo, type KindName } from "../../schemas/kinds.js";
import { REVIEW_API_VERSION } from "../../webhook/admission/review.js";

export interface ReviewOptions {
  readonly operation?: "CREATE" | "UPDATE" | "DELETE";
  readonly oldObject?: unknown;
  /** request.namespace; the object's metadata.namespace (or "default") by default. */
  readonly namespace?: string;
  readonly dryRun?: boolean;
  readonly uid?: string;
  /** Who sent it (request.userInfo); a cluster admin by default. */
  readonly userInfo?: { readonly username: string; readonly groups?: readonly string[] };
}

export interface AdmissionReviewRequest {
  apiVersion: string;
  kind: string;
  request: Record<string, unknown> & { uid: string };
}

const OPTIONS_KIND = { CREATE: "CreateOptions", UPDATE: "UpdateOptions", DELETE: "DeleteOptions" } as const;

export function admissionReview(kind: KindName, object: unknown, opts: ReviewOptions = {}): AdmissionReviewRequest {
  const metadata = (object as { metadata?: { name?: string; namespace?: string } } | null)?.metadata ?? {};
  const operation = opts.operation ?? "CREATE";
  const gvk = { group: GROUP, version: VERSION, kind };
  const gvr = { group: GROUP, version: VERSION, resource: kindInfo(kind).plural };
  return {
    apiVersion: REVIEW_API_VERSION,
    kind: "AdmissionReview",
    request: {
      uid: opts.uid ?? randomUUID(),
      kind: gvk,
      resource: gvr,
      requestKind: gvk,
      requestResource: gvr,
      name: metadata.name ?? "",
      namespace: opts.namespace ?? metadata.namespace ?? "default",
      operation,
      userInfo: opts.userInfo ?? { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] },
      object: operation === "DELETE" ? null : object,
      oldObject: operation === "CREATE" ? null : (opts.oldObject ?? object),
      dryRun: opts.dryRun ?? false,
      options: { apiVersion: "meta.k8s.io/v1", kind: OPTIONS_KIND[operation], fieldManager: "kubectl-client-side-apply" },
    },
  };
}

let uidCounter = 0;

/** CREATE of a Backup of Cluster `cluster` in namespace `app`. */
export const backupReview = (cluster = "pg", uid = `uid-${++uidCounter}`): AdmissionReviewRequest =>
  admissionReview(
    "Backup",
    { apiVersion: API_VERSION, kind: "Backup", metadata: { name: "nightly", namespace: "app" }, spec: { cluster: { name: cluster } } },
    { uid },
  );
