// The admission pipeline, once for the HTTPS webhook and `cnp-webhook validate`:
// decode → defaults (derived, then the schema's) → JSON patch from the diff → validate → outcome.
import jsonpatch from "fast-json-patch";
import type { KindName } from "../../schemas/kinds.js";
import { ReferenceSession, type LookupObserver, type ReferenceResolver } from "../references/resolver.js";
import { backupAdmission } from "../rules/backup.js";
import { clusterAdmission } from "../rules/cluster.js";
import { scheduledBackupAdmission } from "../rules/scheduledbackup.js";
import { warningText, type FieldError } from "./field.js";
import type { DefaultOptions, KindAdmission, Operation } from "./kind.js";
import type { Finding } from "./rule.js";
import { validateAgainstSchema } from "./schema.js";
import { isRecord, MAX_NESTING, nestsDeeperThan } from "./values.js";

export type PatchOperation = jsonpatch.Operation;

export type Admissions = Readonly<Record<KindName, KindAdmission<never>>>;

export const ADMISSIONS: Admissions = Object.freeze({
  Cluster: clusterAdmission as KindAdmission<never>,
  Backup: backupAdmission as KindAdmission<never>,
  ScheduledBackup: scheduledBackupAdmission as KindAdmission<never>,
});

export interface AdmissionInput {
  readonly kind: KindName;
  readonly operation: Operation | "DELETE" | "CONNECT";
  readonly object: unknown;
  readonly oldObject?: unknown;
  readonly namespace: string;
  /** request.name; the object's metadata.name when absent. */
  readonly name?: string;
}

export interface AdmissionOptions extends DefaultOptions {
  readonly resolver: ReferenceResolver;
  readonly strictReferences: boolean;
  readonly lookupTimeoutMs: number;
  readonly observeLookup?: LookupObserver;
  /** The kinds' admissions; tests substitute one with a faulty rule. */
  readonly admissions?: Admissions;
}

export interface RuleFailure {
  readonly rule: string;
  readonly error: unknown;
}

export interface AdmissionOutcome {
  readonly allowed: boolean;
  readonly errors: readonly FieldError[];
  /** Each starts with the field path and fits in 120 characters. */
  readonly warnings: readonly string[];
  /** RFC 6902 operations from the request's object to the defaulted one; [] when nothing changed. */
  readonly patch: readonly PatchOperation[];
  /** Rules that threw: a bug in this webhook, answered as an internal error rather than a verdict. */
  readonly ruleFailures: readonly RuleFailure[];
}

interface Defaulted {
  readonly object: Record<string, unknown>;
  readonly schemaErrors: FieldError[];
  /** Pointers of the values the schema refused. */
  readonly refused: string[];
}

/** Applies every default to a copy of `object` and validates it against the schema. */
export function applyDefaults(admission: KindAdmission<never>, object: unknown, options: DefaultOptions): Defaulted {
  const copy = structuredClone(object) as Record<string, unknown>;
  admission.deriveDefaults(copy as never, options);
  const { errors, refused } = validateAgainstSchema(admission.validator, copy);
  admission.finishDefaults?.(copy as never);
  return { object: copy, schemaErrors: errors, refused };
}

/**
 * Removes the values the schema refused, so rules only ever see data of the declared types; the
 * schema errors themselves are reported as they are.
 */
function withoutInvalidValues({ object, refused }: Defaulted): Record<string, unknown> {
  if (refused.length === 0) return object;
  const copy = structuredClone(object);
  for (const pointer of refused) {
    const parts = pointer.split("/").slice(1).map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = parts.pop();
    if (last === undefined) continue;
    let node: unknown = copy;
    for (const p of parts) node = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[p] : undefined;
    if (Array.isArray(node)) node[Number(last)] = undefined;
    else if (isRecord(node)) delete node[last];
  }
  return copy;
}

const objectName = (object: unknown): string | undefined => {
  const meta = isRecord(object) ? object.metadata : undefined;
  return isRecord(meta) && typeof meta.name === "string" ? meta.name : undefined;
};

export interface AdmitMode {
  /** false: defaults and patch only (the mutating webhook); true: the full verdict. */
  readonly validate: boolean;
  /** false: no patch is computed (the validating webhook may not answer with one). Default true. */
  readonly patch?: boolean;
}

export async function admit(input: AdmissionInput, options: AdmissionOptions, mode: AdmitMode = { validate: true }): Promise<AdmissionOutcome> {
  if (input.operation !== "CREATE" && input.operation !== "UPDATE") {
    return { allowed: true, errors: [], warnings: [], patch: [], ruleFailures: [] };
  }
  const admission = (options.admissions ?? ADMISSIONS)[input.kind];
  if (!isRecord(input.object)) {
    const error: FieldError = { type: "Invalid", field: "<object>", value: typeof input.object, detail: "must be a JSON object" };
    return { allowed: false, errors: [error], warnings: [], patch: [], ruleFailures: [] };
  }
  // Real manifests nest a few dozen levels; far deeper ones would exhaust the stack when copied or compared.
  if (nestsDeeperThan(input.object, MAX_NESTING) || nestsDeeperThan(input.oldObject, MAX_NESTING)) {
    const error: FieldError = { type: "Forbidden", field: "<object>", detail: `nests deeper than ${MAX_NESTING} levels` };
    return { allowed: false, errors: [error], warnings: [], patch: [], ruleFailures: [] };
  }
  const defaulted = applyDefaults(admission, input.object, options);
  const patch = mode.patch === false ? [] : jsonpatch.compare(input.object, defaulted.object);
  if (!mode.validate) return { allowed: true, errors: [], warnings: [], patch, ruleFailures: [] };

  const old = input.operation === "UPDATE" && isRecord(input.oldObject) ? applyDefaults(admission, input.oldObject, options) : undefined;
  const base = {
    operation: input.operation,
    object: withoutInvalidValues(defaulted) as never,
    oldObject: old ? (withoutInvalidValues(old) as never) : undefined,
    name: input.name || objectName(input.object) || "",
    namespace: input.namespace,
  };

  const ruleFailures: RuleFailure[] = [];
  const session = new ReferenceSession(options.resolver, input.namespace, options.lookupTimeoutMs, options.observeLookup);
  try {
    await admission.gatherReferences(base, session);
  } catch (error) {
    ruleFailures.push({ rule: `${input.kind.toLowerCase()}/references`, error });
  } finally {
    session.close();
  }

  const findings: Finding[] = [];
  const ctx = { ...base, references: session.resolved };
  for (const rule of admission.rules) {
    try {
      findings.push(...rule.check(ctx));
    } catch (error) {
      ruleFailures.push({ rule: rule.name, error });
    }
  }

  const errors: FieldError[] = [...defaulted.schemaErrors];
  const warnings: string[] = [];
  for (const f of findings) {
    if (f.severity === "error") errors.push(f.error);
    else if (f.strict && options.strictReferences) errors.push(f.strict);
    else warnings.push(warningText(f.field, f.message));
  }
  return { allowed: errors.length === 0 && ruleFailures.length === 0, errors, warnings: [...new Set(warnings)], patch, ruleFailures };
}
