// Defaulting: derived defaults, then the schema's (ajv fills them while it validates). The mutating
// webhook answers with the difference as a JSON patch (judge.ts); validation starts from the same
// defaults, so its verdict never depends on whether, or in which order, the mutating webhook ran.
import type { KindName } from "../../schemas/kinds.js";
import { cloneJson, isRecord } from "../formats/json.js";
import { objectTooLarge } from "./bounds.js";
import type { FieldError } from "./field.js";
import type { DefaultOptions, KindAdmission, Operation } from "./rule.js";
import { validateAgainstSchema } from "./schema.js";
import { allowed, type Verdict } from "./verdict.js";

export interface AdmissionInput<K extends KindName = KindName> {
  readonly kind: K;
  readonly operation: Operation | "DELETE" | "CONNECT";
  readonly object: unknown;
  readonly oldObject?: unknown;
  readonly namespace: string;
  /** request.name; the object's metadata.name when absent. */
  readonly name?: string;
}

/** The ID of the schema's own findings: `cluster/schema`. */
export const schemaRule = (kind: KindName): string => `${kind.toLowerCase()}/schema`;

export interface Admissible {
  readonly operation: Operation;
  readonly object: Record<string, unknown>;
  readonly oldObject?: Record<string, unknown>;
}

/**
 * The objects of a CREATE or UPDATE, or the verdict that ends the admission before any default:
 * DELETE and CONNECT pass untouched; what is not a JSON object, or is bigger than the apiserver could
 * store or far wider or deeper than any manifest (README "HTTP API"), is denied before any copy.
 */
export function admissible(input: AdmissionInput): Admissible | Verdict {
  if (input.operation !== "CREATE" && input.operation !== "UPDATE") return allowed();
  const deny = (error: FieldError): Verdict => ({ type: "denied", violations: [{ rule: schemaRule(input.kind), error }], warnings: [] });
  if (!isRecord(input.object)) return deny({ type: "Invalid", field: "<object>", value: typeof input.object, detail: "must be a JSON object" });
  const tooLarge = objectTooLarge(input.object) ?? (input.operation === "UPDATE" ? objectTooLarge(input.oldObject, "oldObject") : undefined);
  if (tooLarge) return deny(tooLarge);
  const oldObject = input.operation === "UPDATE" && isRecord(input.oldObject) ? input.oldObject : undefined;
  return { operation: input.operation, object: input.object, ...(oldObject ? { oldObject } : {}) };
}

export const isVerdict = (x: Admissible | Verdict): x is Verdict => "type" in x;

export interface Defaulted {
  /** A defaulted copy; the input is never modified. */
  readonly object: Record<string, unknown>;
  readonly schemaErrors: readonly FieldError[];
  /** Schema violations past the listing cap, counted only. */
  readonly omittedErrors: number;
  /** JSON Pointers of the values the schema refused. */
  readonly refused: readonly string[];
}

/** Applies every default to a copy of `object` and validates it against the schema. */
export function applyDefaults<K extends KindName>(admission: KindAdmission<K>, object: Record<string, unknown>, options: DefaultOptions): Defaulted {
  const copy = cloneJson(object);
  admission.deriveDefaults(copy, options);
  const { errors, refused, omitted } = validateAgainstSchema(admission.validator, copy);
  admission.finishDefaults?.(copy);
  return { object: copy, schemaErrors: errors, refused, omittedErrors: omitted };
}
