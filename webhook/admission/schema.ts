// Schema validation with the compiled validators from generated/, reported as apimachinery field errors.
import type { ErrorObject } from "ajv";
import { closest, distance } from "fastest-levenshtein";
import type { CompiledValidator } from "../../generated/validators/index.js";
import { FieldPath, forbidden, invalid, notSupported, required, type FieldError } from "./field.js";
import { MAX_LISTED } from "./bounds.js";

/** Known mistakes with a better explanation than "unsupported value", keyed by the rejected value. */
const ENUM_HINTS: Record<string, string> = {
  SHA256: "SHA256 is a hash, not an encryption; did you mean AES256?",
};

const typeName = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** The closest known field to a misspelt one: same name in another case, or a small edit away. */
export function didYouMean(unknownField: string, known: readonly string[]): string | undefined {
  const sameCase = known.find((k) => k.toLowerCase() === unknownField.toLowerCase());
  if (sameCase) return sameCase;
  if (known.length === 0) return undefined;
  const best = closest(unknownField, known as string[]);
  return distance(unknownField, best) <= Math.max(2, Math.floor(unknownField.length / 4)) ? best : undefined;
}

function toFieldError(e: ErrorObject): FieldError | undefined {
  const path = FieldPath.fromPointer(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "required":
      return required(path.child(String(p.missingProperty)));
    case "enum": {
      const allowed = (p.allowedValues as unknown[]).map(String);
      return notSupported(path, e.data, allowed, typeof e.data === "string" ? (ENUM_HINTS[e.data] ?? "") : "");
    }
    case "type":
      return invalid(path, e.data, `must be of type ${String(p.type)}, not ${typeName(e.data)}`);
    case "minimum":
      return invalid(path, e.data, `must be greater than or equal to ${String(p.limit)}`);
    case "maximum":
      return invalid(path, e.data, `must be less than or equal to ${String(p.limit)}`);
    case "minLength":
      return Number(p.limit) === 1 ? required(path, "must not be empty") : invalid(path, e.data, `must be at least ${String(p.limit)} characters long`);
    case "maxLength":
      return invalid(path, e.data, `must be at most ${String(p.limit)} characters long`);
    case "format":
      return invalid(path, e.data, `must be a valid ${String(p.format)}`);
    case "additionalProperties": {
      const field = String(p.additionalProperty);
      const known = Object.keys(((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
      const suggestion = didYouMean(field, known);
      const detail = `unknown field ${JSON.stringify(field)}; the apiserver would drop it${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ""}`;
      return forbidden(path.child(field), detail);
    }
    case "if":
      return undefined; // reported by the failing branch itself
    default:
      return invalid(path, e.data, e.message ?? e.keyword);
  }
}

export interface SchemaVerdict {
  /** Every violation at once, without duplicates. */
  readonly errors: FieldError[];
  /** JSON Pointers of the values the schema refused (not of missing ones). */
  readonly refused: string[];
  /** Violations past MAX_LISTED, counted but not described (describing thousands costs more than finding them). */
  readonly omitted: number;
}

const escapePointer = (s: string): string => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** Validates `object` in place, filling schema defaults as ajv goes. */
export function validateAgainstSchema(validate: CompiledValidator, object: unknown): SchemaVerdict {
  if (validate(object)) return { errors: [], refused: [], omitted: 0 };
  const seen = new Set<string>();
  const errors: FieldError[] = [];
  const refused: string[] = [];
  let omitted = 0;
  for (const e of validate.errors ?? []) {
    if (e.keyword === "if") continue; // reported by the failing branch itself
    if (errors.length >= MAX_LISTED) {
      omitted++;
      continue;
    }
    if (e.keyword === "additionalProperties")
      refused.push(`${e.instancePath}/${escapePointer(String((e.params as { additionalProperty: unknown }).additionalProperty))}`);
    else if (e.keyword !== "required") refused.push(e.instancePath);
    const fe = toFieldError(e);
    if (!fe) continue;
    const key = `${fe.field}|${fe.type}|${fe.detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(fe);
  }
  return { errors, refused, omitted };
}
