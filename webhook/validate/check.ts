// The check of `validate`: each document of this API through the webhook's own defaulting and
// validation, with the files (and a live cluster, if given) as the cluster state.
import { API_VERSION, DRAFT_API_VERSION, GROUP, KINDS, isKindName } from "../../schemas/kinds.js";
import type { FieldError } from "../admission/field.js";
import { mutate, schemaRule, type AdmissionInput } from "../admission/defaulting.js";
import type { Registry } from "../admission/rule.js";
import { validate } from "../admission/validation.js";
import type { PatchOperation, RuleFailure, Violation, Warning } from "../admission/verdict.js";
import { ManifestResolver, namespaceOf } from "../references/manifests.js";
import { chainResolvers } from "../references/resolver.js";
import type { ValidateConfig } from "./config.js";
import type { ManifestDocument } from "./discovery.js";

export type CheckStatus = "admitted" | "denied" | "skipped" | "error";

export interface CheckResult {
  readonly file: string;
  /** Position of the document in its file, from 0. */
  readonly index: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly status: CheckStatus;
  readonly violations: readonly Violation[];
  readonly warnings: readonly Warning[];
  /** Rules that threw (status "error"): a bug in the webhook. */
  readonly failures: readonly RuleFailure[];
  /** What the mutating webhook would add. */
  readonly patch: readonly PatchOperation[];
}

const DRAFT_EXPLANATION =
  `${DRAFT_API_VERSION} is the early draft's API group: use ${API_VERSION}; ` +
  `backup settings moved from spec.backup to spec.backup.barmanObjectStore, and encryption SHA256 is replaced by AES256 or aws:kms`;

/** Documents of this API group (or of the early draft's): the ones `validate` reports on. */
const isOurs = (doc: ManifestDocument): boolean =>
  (doc.value.apiVersion === DRAFT_API_VERSION || String(doc.value.apiVersion).startsWith(`${GROUP}/`)) && typeof doc.value.kind === "string";

async function checkDocument(doc: ManifestDocument, config: ValidateConfig, registry: Registry, options: Parameters<typeof validate>[2]): Promise<CheckResult> {
  const { value } = doc;
  const apiVersion = String(value.apiVersion);
  const kind = String(value.kind);
  const namespace = namespaceOf(value, config.namespace);
  const metadata = (value.metadata ?? {}) as { name?: unknown };
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const base = { file: doc.file, index: doc.index, apiVersion, kind, namespace, name };
  const versionErrors: FieldError[] = [];
  if (apiVersion === DRAFT_API_VERSION) versionErrors.push({ type: "Invalid", field: "apiVersion", value: apiVersion, detail: DRAFT_EXPLANATION });
  else if (apiVersion !== API_VERSION)
    versionErrors.push({ type: "NotSupported", field: "apiVersion", value: apiVersion, detail: `supported values: "${API_VERSION}"` });
  if (!isKindName(kind)) {
    versionErrors.push({ type: "NotSupported", field: "kind", value: kind, detail: `supported values: ${KINDS.map((k) => `"${k.kind}"`).join(", ")}` });
    return { ...base, status: "denied", violations: versionErrors.map((error) => ({ rule: "api/kind", error })), warnings: [], failures: [], patch: [] };
  }
  const input: AdmissionInput = { kind, operation: "CREATE", object: value, namespace, name };
  const defaulted = mutate(input, registry, options);
  const verdict = await validate(input, registry, options);
  const violations = [...versionErrors.map((error) => ({ rule: schemaRule(kind), error })), ...(verdict.type === "denied" ? verdict.violations : [])];
  const status = verdict.type === "failed" ? "error" : violations.length > 0 ? "denied" : "admitted";
  return {
    ...base,
    status,
    violations,
    warnings: verdict.warnings,
    failures: verdict.type === "failed" ? verdict.failures : [],
    patch: defaulted.type === "allowed" ? defaulted.patch : [],
  };
}

/** Checks every document of this API among `documents`; the others are only cluster state. */
export async function checkDocuments(documents: readonly ManifestDocument[], config: ValidateConfig, registry: Registry): Promise<CheckResult[]> {
  const files = new ManifestResolver(
    documents.map((d) => d.value),
    config.namespace,
  );
  const resolver = config.cluster ? chainResolvers([files, config.cluster]) : files;
  const { defaultImage, strictReferences, lookupTimeoutMs, settings } = config;
  const options = { defaultImage, strictReferences, lookupTimeoutMs, settings, resolver };
  const results: CheckResult[] = [];
  for (const doc of documents.filter(isOurs)) results.push(await checkDocument(doc, config, registry, options));
  return results;
}
