// The check of `validate`: what each document is (an object of this API, of another PostgreSQL API,
// cluster state, or not an object at all), and for this API's objects the webhook's own defaulting
// and validation, with the files (and a live cluster, if given) as the cluster state.
import { API_VERSION, DRAFT_API_VERSION, GROUP, KINDS, isKindName, type KindName } from "../../schemas/kinds.js";
import { objectTooLarge } from "../admission/bounds.js";
import { catalog } from "../admission/catalog.js";
import { asCreated, type Created } from "../admission/created.js";
import { schemaRule, type AdmissionInput } from "../admission/defaulting.js";
import { warningMessage } from "../admission/enforcement.js";
import { errorBody, FieldPath, type FieldError } from "../admission/field.js";
import { IGNORE_ANNOTATION, ignoredRules } from "../admission/ignore.js";
import { judge, type JudgeContext } from "../admission/judge.js";
import type { Registry } from "../admission/rule.js";
import type { PatchOperation } from "../admission/verdict.js";
import { isRecord } from "../formats/json.js";
import { ManifestResolver, namespaceOf } from "../references/files.js";
import { chainResolvers } from "../references/resolver.js";
import type { ValidateConfig } from "./config.js";
import { INPUT_CHECKS, type InputCheckId } from "./inputs.js";
import { KUSTOMIZE_HINT, MAX_OBJECT_BYTES, type ManifestDocument, type ReadProblem, type SourcePosition } from "./yaml.js";

export type CheckStatus = "admitted" | "denied" | "skipped" | "error";

/** One finding, located in its file: what every output format reports. */
export interface LocatedFinding {
  readonly severity: "error" | "warning";
  /** A rule of the catalog (`cnp-webhook rules`) or an input check (webhook/checker/inputs.ts). */
  readonly rule: string;
  /** apimachinery's field path; "" for the document as a whole. */
  readonly field: string;
  /** The message after the field: `Invalid value: 0: must be greater than or equal to 1`. */
  readonly message: string;
  readonly line: number;
  readonly column: number;
}

export interface CheckResult {
  readonly file: string;
  /** Position of the document in its file, from 0; -1 for the file as a whole. */
  readonly index: number;
  /** Where the document starts. */
  readonly line: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly status: CheckStatus;
  /** Why a document is skipped, or what to do instead. */
  readonly hint?: string;
  /** The input check that skipped it. */
  readonly skippedBy?: InputCheckId;
  /** Errors (deny) and warnings, in that order. */
  readonly findings: readonly LocatedFinding[];
  /** Findings left out by the cnp-webhook.io/ignore annotation. */
  readonly ignored: readonly LocatedFinding[];
  /** What the mutating webhook would add. */
  readonly patch: readonly PatchOperation[];
  /** The object as the apiserver would hand it to the webhooks, for --print-defaulted. */
  readonly created?: Created;
  readonly document?: ManifestDocument;
}

const DRAFT_EXPLANATION =
  `${DRAFT_API_VERSION} is the early draft's API group: use ${API_VERSION}; ` +
  "backup settings moved from spec.backup to spec.backup.barmanObjectStore, and encryption SHA256 is replaced by AES256 or aws:kms; " +
  "`cnp-webhook migrate` converts such manifests";

const KIND_NAMES = KINDS.map((k) => k.kind).join(", ");

/** A PostgreSQL API that is not the one checked here: reported as skipped, with what it is. */
function otherPostgresApi(apiVersion: string): string | undefined {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === GROUP) return `${apiVersion} is a later operator's API; cnp-webhook checks ${API_VERSION} (Cloud Native PostgreSQL 0.5): not checked`;
  if (group === "postgresql.cnpg.io")
    return `${apiVersion} is CloudNativePG's API; cnp-webhook checks ${API_VERSION} (Cloud Native PostgreSQL 0.5): not checked`;
  if (/postgres|cnpg|enterprisedb|2ndq/i.test(group ?? ""))
    return `${group}/${version} is another PostgreSQL operator's API; cnp-webhook checks ${API_VERSION}: not checked`;
  return undefined;
}

const text = (v: unknown): string => (typeof v === "string" ? v : "");

/** The result for something that could not be read as an object. */
export function problemResult(problem: ReadProblem): CheckResult {
  return {
    file: problem.file,
    index: problem.index ?? -1,
    line: problem.position.line,
    apiVersion: "",
    kind: "",
    namespace: "",
    name: "",
    status: "error",
    findings: [{ severity: "error", rule: problem.check, field: "", message: problem.message, ...at(problem.position) }],
    ignored: [],
    patch: [],
  };
}

/** In the order they are written (a stable sort: findings at one place keep the rules' order). */
const byPosition = (findings: readonly LocatedFinding[]): LocatedFinding[] => [...findings].sort((a, b) => a.line - b.line || a.column - b.column);

const at = (p: SourcePosition): { line: number; column: number } => ({ line: p.line, column: p.column });

interface Context {
  readonly config: ValidateConfig;
  readonly registry: Registry;
  /** How every document is judged: as the webhook would, the ignore annotation always honoured. */
  readonly judging: JudgeContext;
  /** Every rule ID and input check ID, for the ignore annotation. */
  readonly knownRules: ReadonlySet<string>;
}

/** What a document is, before any rule: null when it is only cluster state (Secrets, ConfigMaps, ...). */
function classify(doc: ManifestDocument, ctx: Context): CheckResult | { kind: KindName } | null {
  const { value } = doc;
  const apiVersion = text(value.apiVersion);
  const kind = text(value.kind);
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const name = text(metadata.name) || text(metadata.generateName);
  const base = { file: doc.file, index: doc.index, line: doc.position.line, apiVersion, kind, namespace: namespaceOf(value, ctx.config.namespace), name };
  const result = (status: CheckStatus, check: InputCheckId, field: string, message: string, hint?: string): CheckResult => ({
    ...base,
    status,
    ...(hint ? { hint } : {}),
    ...(status === "skipped" ? { skippedBy: check } : {}),
    findings: status === "skipped" ? [] : [{ severity: "error", rule: check, field, message, ...at(doc.locate(field)) }],
    ignored: [],
    patch: [],
  });
  if (apiVersion === "" || kind === "") {
    const missing = [apiVersion === "" ? "apiVersion" : "", kind === "" ? "kind" : ""].filter(Boolean);
    // A kind of this API without its apiVersion is almost certainly meant to be one: say which.
    const meant = apiVersion === "" && isKindName(kind) ? `; for a ${kind} of Cloud Native PostgreSQL 0.5 add apiVersion: ${API_VERSION}` : "";
    return result(
      "error",
      "input/not-an-object",
      missing[0] ?? "",
      `Required value: a Kubernetes object needs ${missing.join(" and ")}; kubectl refuses this document${meant}`,
    );
  }
  if (apiVersion !== API_VERSION && apiVersion !== DRAFT_API_VERSION) {
    const other = otherPostgresApi(apiVersion);
    return other ? result("skipped", "input/other-api", "apiVersion", other, other) : null;
  }
  if (!isKindName(kind)) {
    return result("denied", "input/api", "kind", `Unsupported value: ${JSON.stringify(kind)}: ${API_VERSION} has the kinds ${KIND_NAMES}`);
  }
  if (doc.size > MAX_OBJECT_BYTES) {
    // Judged no further: the rules' cost grows with the object, and the apiserver would refuse it anyway.
    return {
      ...base,
      status: "denied",
      ignored: [],
      patch: [],
      findings: [
        {
          severity: "error",
          rule: "input/object-size",
          field: "",
          message: `Too long: ${doc.size} bytes, above ${MAX_OBJECT_BYTES}, etcd's default request limit: the apiserver could not store this object`,
          ...at(doc.position),
        },
      ],
    };
  }
  if (name === "") {
    return result(
      "error",
      "input/patch",
      "metadata.name",
      `Required value: an object without a name is a kustomize patch or a fragment; ${KUSTOMIZE_HINT}`,
      KUSTOMIZE_HINT,
    );
  }
  if (ctx.config.skipKinds.some((k) => k.toLowerCase() === kind.toLowerCase())) {
    return result("skipped", "input/skip-kind", "kind", "left out by --skip-kind", `${kind} left out by --skip-kind`);
  }
  return { kind };
}

async function admit(doc: ManifestDocument, kind: KindName, ctx: Context): Promise<CheckResult> {
  const { value } = doc;
  const apiVersion = text(value.apiVersion);
  const namespace = namespaceOf(value, ctx.config.namespace);
  const metadata = isRecord(value.metadata) ? value.metadata : {};
  const name = text(metadata.name) || text(metadata.generateName);
  // An object past the webhook's bounds (admission/bounds.ts) is denied before any copy there, and is
  // not copied here either: a JSON file nested 100,000 levels deep would overflow the copy's stack.
  const created: Created = objectTooLarge(value) ? { object: value, removed: [] } : asCreated(value, ctx.registry[kind].validator.shape);
  const input: AdmissionInput = { kind, operation: "CREATE", object: created.object, namespace, name };
  const { verdict, patch, ignored } = await judge(input, ctx.judging);
  const ignore = ignoredRules(value);

  const located = (severity: LocatedFinding["severity"], rule: string, field: string, message: string): LocatedFinding => ({
    severity,
    rule,
    field,
    message,
    ...at(doc.locate(field)),
  });
  const denial = (rule: string, e: FieldError): LocatedFinding => located("error", rule, e.field, errorBody(e));
  const versionErrors: LocatedFinding[] =
    apiVersion === DRAFT_API_VERSION ? [denial(schemaRule(kind), { type: "Invalid", field: "apiVersion", value: apiVersion, detail: DRAFT_EXPLANATION })] : [];
  const errors: LocatedFinding[] = [
    ...versionErrors,
    ...(verdict.type === "denied" ? verdict.violations.map((v) => denial(v.rule, v.error)) : []),
    ...(verdict.type === "failed"
      ? verdict.failures.map((f) => located("error", f.rule, "", `internal error in rule ${f.rule}: ${String(f.error)}; please report it`))
      : []),
  ];
  const annotation = FieldPath.root("metadata", "annotations").key(IGNORE_ANNOTATION).toString();
  const warnings: LocatedFinding[] = [
    ...verdict.warnings.map((w) => located("warning", w.rule, w.field, warningMessage(w))),
    ...doc.duplicateKeys.map((d) => ({
      severity: "warning" as const,
      rule: "input/duplicate-key",
      field: d.field,
      message: "written twice in one mapping; kubectl keeps the last, silently",
      ...at(d.position),
    })),
    ...ignore
      .filter((id) => !ctx.knownRules.has(id))
      .map((id) =>
        located("warning", "input/ignore-annotation", annotation, `no rule ${JSON.stringify(id)}: nothing is ignored for it (cnp-webhook rules lists them)`),
      ),
  ];
  return {
    file: doc.file,
    index: doc.index,
    line: doc.position.line,
    apiVersion,
    kind,
    namespace,
    name,
    status: verdict.type === "failed" ? "error" : errors.length > 0 ? "denied" : "admitted",
    findings: [...byPosition(errors), ...byPosition(warnings)],
    ignored: [...ignored.violations.map((v) => denial(v.rule, v.error)), ...ignored.warnings.map((w) => located("warning", w.rule, w.field, w.message))],
    patch,
    created,
    document: doc,
  };
}

/**
 * Checks every document: this API's objects are judged, other PostgreSQL APIs skipped with a hint,
 * and every document (status included) is cluster state for the references of the others.
 */
export async function checkDocuments(documents: readonly ManifestDocument[], config: ValidateConfig, registry: Registry): Promise<CheckResult[]> {
  const files = new ManifestResolver(
    documents.map((d) => d.value),
    config.namespace,
  );
  const resolver = config.cluster ? chainResolvers([files, config.cluster]) : files;
  const { defaultImage, strictReferences, lookupTimeoutMs, settings, enforcement } = config;
  const judging: JudgeContext = {
    registry,
    options: { defaultImage, strictReferences, lookupTimeoutMs, settings, resolver },
    ...(enforcement ? { enforcement } : {}),
    honourIgnoreAnnotation: true,
  };
  const knownRules = new Set([...catalog(registry).map((e) => e.id), ...INPUT_CHECKS.map((c) => c.id)]);
  const ctx: Context = { config, registry, judging, knownRules };
  const results: CheckResult[] = [];
  for (const [i, doc] of documents.entries()) {
    const classified = classify(doc, ctx);
    if (classified !== null) results.push("status" in classified ? classified : await admit(doc, classified.kind, ctx));
    config.onProgress?.(i + 1, documents.length);
  }
  return results;
}
