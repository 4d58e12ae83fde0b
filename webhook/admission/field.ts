// Field paths and field errors in the shape of k8s.io/apimachinery/pkg/util/validation/field,
// so that messages read exactly like the apiserver's own:
//   spec.instances: Invalid value: 0: must be greater than or equal to 1
import { measureJson } from "../formats/json.js";

/** A path to a field, rendered `spec.backup.barmanObjectStore.wal.encryption` or `spec.imagePullSecrets[0].name`. */
export class FieldPath {
  private constructor(private readonly segments: readonly (string | number)[]) {}

  static root(...names: string[]): FieldPath {
    return new FieldPath(names);
  }

  /** From path segments: names, and numbers for list indices. */
  static fromSegments(segments: readonly (string | number)[]): FieldPath {
    return new FieldPath([...segments]);
  }

  /** From a JSON Pointer (`/spec/imagePullSecrets/0/name`), as ajv and RFC 6902 use. */
  static fromPointer(pointer: string): FieldPath {
    if (pointer === "" || pointer === "/") return new FieldPath([]);
    const segments = pointer
      .slice(1)
      .split("/")
      .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
      .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
    return new FieldPath(segments);
  }

  child(...names: string[]): FieldPath {
    return new FieldPath([...this.segments, ...names]);
  }

  index(i: number): FieldPath {
    return new FieldPath([...this.segments, i]);
  }

  /** A map key: apimachinery renders it `parameters[archive_mode]`. */
  key(k: string): FieldPath {
    return new FieldPath([...this.segments, { key: k } as unknown as string]);
  }

  toString(): string {
    let out = "";
    for (const s of this.segments) {
      if (typeof s === "number") out += `[${s}]`;
      else if (typeof s === "object" && s !== null) out += `[${(s as { key: string }).key}]`;
      else out += out === "" ? s : `.${s}`;
    }
    return out;
  }
}

/** apimachinery's field.ErrorType, with the StatusCause reason each maps to. */
export const ErrorTypes = {
  NotFound: { reason: "FieldValueNotFound", text: "Not found" },
  Required: { reason: "FieldValueRequired", text: "Required value" },
  Duplicate: { reason: "FieldValueDuplicate", text: "Duplicate value" },
  Invalid: { reason: "FieldValueInvalid", text: "Invalid value" },
  NotSupported: { reason: "FieldValueNotSupported", text: "Unsupported value" },
  Forbidden: { reason: "FieldValueForbidden", text: "Forbidden" },
  TooLong: { reason: "FieldValueTooLong", text: "Too long" },
  TooMany: { reason: "FieldValueTooMany", text: "Too many" },
  TypeInvalid: { reason: "FieldValueTypeInvalid", text: "Invalid value" },
} as const;
export type ErrorType = keyof typeof ErrorTypes;

/** Types whose message shows the offending value, as apimachinery's ErrorBody does. */
const showsValue: ReadonlySet<ErrorType> = new Set(["NotFound", "Duplicate", "Invalid", "NotSupported", "TypeInvalid", "TooMany"]);

export interface FieldError {
  readonly type: ErrorType;
  readonly field: string;
  readonly value?: unknown;
  readonly detail: string;
}

/** Values are shown at most this long: a message must stay short whatever a manifest holds. */
const MAX_VALUE_CHARS = 80;
const clip = (text: string): string => (text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 3)}...` : text);

function renderValue(value: unknown): string {
  if (value === undefined) return "null";
  if (typeof value === "string") return clip(JSON.stringify(value));
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  // apimachinery prints composite values with %#v; JSON is the readable equivalent here, and a big
  // value is summarised rather than serialised.
  const size = measureJson(value, { maxBytes: 4 * MAX_VALUE_CHARS, maxNodes: MAX_VALUE_CHARS, maxDepth: 8 });
  if (size.bytes > 4 * MAX_VALUE_CHARS || size.nodes > MAX_VALUE_CHARS || size.depth > 8) {
    const count = Array.isArray(value) ? value.length : Object.keys(value as object).length;
    return Array.isArray(value) ? `[${count} items]` : `{${count} fields}`;
  }
  return clip(JSON.stringify(value));
}

/** The message after the field path: `Invalid value: 0: must be greater than or equal to 1`. */
export function errorBody(e: FieldError): string {
  const head = ErrorTypes[e.type].text;
  if (showsValue.has(e.type)) {
    return e.detail ? `${head}: ${renderValue(e.value)}: ${e.detail}` : `${head}: ${renderValue(e.value)}`;
  }
  return e.detail ? `${head}: ${e.detail}` : head;
}

export function errorString(e: FieldError): string {
  return `${e.field}: ${errorBody(e)}`;
}

const make =
  (type: ErrorType) =>
  (path: FieldPath, value: unknown, detail: string): FieldError => ({ type, field: path.toString(), value, detail });

export const invalid = make("Invalid");
export const notFound = make("NotFound");
export const duplicate = make("Duplicate");
export const required = (path: FieldPath, detail = ""): FieldError => ({ type: "Required", field: path.toString(), detail });
export const forbidden = (path: FieldPath, detail: string): FieldError => ({ type: "Forbidden", field: path.toString(), detail });
export function notSupported(path: FieldPath, value: unknown, supported: readonly string[], hint = ""): FieldError {
  const list = `supported values: ${supported.map((v) => JSON.stringify(v)).join(", ")}`;
  return { type: "NotSupported", field: path.toString(), value, detail: hint ? `${list}; ${hint}` : list };
}

/** A warning that starts with the field path and fits kubectl's line (at most 120 characters). */
const MAX_WARNING_LENGTH = 120;
export function warningText(field: string, message: string): string {
  const text = `${field}: ${message}`;
  return text.length <= MAX_WARNING_LENGTH ? text : `${text.slice(0, MAX_WARNING_LENGTH - 3)}...`;
}

const SEGMENT = /([^.[\]]+)|\[([^\]]*)\]/g;

/**
 * The value a rendered field path (`spec.postgresql.parameters[port]`, `spec.imagePullSecrets[0].name`)
 * points at in `root`: undefined when absent; null when the text is not a field path (`<object>`).
 */
export function valueAtField(root: unknown, field: string): { readonly value: unknown } | null {
  if (field === "" || field.startsWith("<")) return null;
  let node: unknown = root;
  for (const m of field.matchAll(SEGMENT)) {
    const key = m[1] ?? m[2] ?? "";
    if (Array.isArray(node)) node = /^\d+$/.test(key) ? node[Number(key)] : undefined;
    else if (typeof node === "object" && node !== null) node = Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
    else node = undefined;
  }
  return { value: node };
}
