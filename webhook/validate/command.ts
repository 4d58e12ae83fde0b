// `cnp-webhook validate`: the webhook's pipeline over manifest files, for CI (SPEC §9).
import { GROUP, KINDS, API_VERSION, DRAFT_API_VERSION, type KindName } from "../../schemas/kinds.js";
import { errorBody, type FieldError } from "../admission/field.js";
import { admit, type PatchOperation } from "../admission/pipeline.js";
import { invalidMessage } from "../admission/review.js";
import { ManifestResolver, namespaceOf } from "../references/manifests.js";
import { chainResolvers, type ReferenceResolver } from "../references/resolver.js";
import { collectFiles, InputError, readDocuments, type ManifestDocument } from "./documents.js";

export interface ValidateOptions {
  readonly paths: readonly string[];
  readonly output: "text" | "json";
  readonly strictReferences: boolean;
  readonly defaultImage: string;
  readonly lookupTimeoutMs: number;
  readonly namespace: string;
  /** A live cluster, consulted after the files (--kubeconfig). */
  readonly cluster?: ReferenceResolver;
}

export interface ValidationResult {
  file: string;
  index: number;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  allowed: boolean;
  warnings: string[];
  errors: { field: string; message: string }[];
  patch: PatchOperation[];
}

const DRAFT_EXPLANATION =
  `${DRAFT_API_VERSION} is the early draft's API group: use ${API_VERSION}; ` +
  `backup settings moved from spec.backup to spec.backup.barmanObjectStore, and encryption SHA256 is replaced by AES256 or aws:kms`;

const KIND_NAMES = new Set<string>(KINDS.map((k) => k.kind));
const isOurs = (doc: ManifestDocument): boolean =>
  (doc.value.apiVersion === DRAFT_API_VERSION || String(doc.value.apiVersion).startsWith(`${GROUP}/`)) &&
  typeof doc.value.kind === "string";

/** One document's verdict, with the field errors kept for kubectl-style text. */
interface Checked {
  readonly result: ValidationResult;
  readonly fieldErrors: readonly FieldError[];
}

async function validateDocument(doc: ManifestDocument, options: ValidateOptions, resolver: ReferenceResolver): Promise<Checked> {
  const { value } = doc;
  const apiVersion = String(value.apiVersion);
  const kind = String(value.kind);
  const namespace = namespaceOf(value, options.namespace);
  const metadata = (value.metadata ?? {}) as { name?: unknown };
  const name = typeof metadata.name === "string" ? metadata.name : "";
  const result: ValidationResult = { file: doc.file, index: doc.index, apiVersion, kind, namespace, name, allowed: true, warnings: [], errors: [], patch: [] };
  const extra: FieldError[] = [];
  if (apiVersion === DRAFT_API_VERSION) extra.push({ type: "Invalid", field: "apiVersion", value: apiVersion, detail: DRAFT_EXPLANATION });
  else if (apiVersion !== API_VERSION) extra.push({ type: "NotSupported", field: "apiVersion", value: apiVersion, detail: `supported values: "${API_VERSION}"` });
  if (!KIND_NAMES.has(kind)) {
    extra.push({ type: "NotSupported", field: "kind", value: kind, detail: `supported values: ${KINDS.map((k) => `"${k.kind}"`).join(", ")}` });
    result.allowed = false;
    result.errors = extra.map((e) => ({ field: e.field, message: errorBody(e) }));
    return { result, fieldErrors: extra };
  }
  const outcome = await admit(
    { kind: kind as KindName, operation: "CREATE", object: value, namespace, name },
    { defaultImage: options.defaultImage, strictReferences: options.strictReferences, lookupTimeoutMs: options.lookupTimeoutMs, resolver },
  );
  const errors = [...extra, ...outcome.errors];
  result.allowed = errors.length === 0 && outcome.ruleFailures.length === 0;
  result.warnings = [...outcome.warnings];
  result.errors = [
    ...errors.map((e) => ({ field: e.field, message: errorBody(e) })),
    ...outcome.ruleFailures.map((f) => ({ field: "", message: `internal error in rule ${f.rule}: ${String(f.error)}` })),
  ];
  result.patch = [...outcome.patch];
  return { result, fieldErrors: errors };
}

/** kubectl's way of saying it: warnings first, then the object's fate. */
function formatText({ result: r, fieldErrors }: Checked): string {
  const lines = r.warnings.map((w) => `Warning: ${w}`);
  const where = `${r.file}#${r.index}`;
  const info = KINDS.find((k) => k.kind === r.kind);
  const ref = `${info ? `${info.singular}.${GROUP}` : r.kind.toLowerCase()}/${r.name || "<no name>"}`;
  if (r.allowed) {
    const defaults = r.patch.length ? `; ${r.patch.length} default${r.patch.length === 1 ? "" : "s"} would be applied` : "";
    lines.push(`${ref} admitted (${where}${defaults})`);
  } else {
    const message =
      KIND_NAMES.has(r.kind) && fieldErrors.length
        ? invalidMessage(r.kind as KindName, r.name, fieldErrors)
        : r.errors.map((e) => `${e.field}: ${e.message}`).join(", ");
    lines.push(`Error (Invalid): error when creating ${JSON.stringify(where)}: ${message}`);
  }
  return lines.join("\n");
}

export interface CommandIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

/** Runs `validate`; returns the exit code: 0 all admitted, 1 any denied, 2 input or usage error. */
export async function runValidate(options: ValidateOptions, io: CommandIO): Promise<number> {
  let documents: ManifestDocument[];
  try {
    const files = collectFiles(options.paths);
    const problems: string[] = [];
    documents = files.flatMap((f) => {
      try {
        return readDocuments(f);
      } catch (err) {
        if (err instanceof InputError) problems.push(err.message);
        else throw err;
        return [];
      }
    });
    if (problems.length) {
      for (const p of problems) io.stderr(`error: ${p}\n`);
      return 2;
    }
  } catch (err) {
    if (err instanceof InputError) {
      io.stderr(`error: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const files = new ManifestResolver(documents.map((d) => d.value), options.namespace);
  const resolver = options.cluster ? chainResolvers([files, options.cluster]) : files;
  const checked: Checked[] = [];
  for (const doc of documents.filter(isOurs)) checked.push(await validateDocument(doc, options, resolver));
  const results = checked.map((c) => c.result);

  if (options.output === "json") {
    io.stdout(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    for (const c of checked) io.stdout(`${formatText(c)}\n`);
    const denied = results.filter((r) => !r.allowed).length;
    const warnings = results.reduce((n, r) => n + r.warnings.length, 0);
    io.stdout(`${results.length} object${results.length === 1 ? "" : "s"} checked: ${results.length - denied} admitted, ${denied} denied, ${warnings} warning${warnings === 1 ? "" : "s"}\n`);
  }
  return results.some((r) => !r.allowed) ? 1 : 0;
}
