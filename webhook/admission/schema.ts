// Schema validation with the compiled validators from generated/, reported as apimachinery field errors.
import type { ErrorObject } from "ajv";
import { closest, distance } from "fastest-levenshtein";
import type { CompiledValidator, SchemaShape } from "../../generated/validators/index.js";
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

/** The pointer's segments (`/spec/imagePullSecrets/0` → spec, imagePullSecrets, 0). */
const segments = (pointer: string): string[] =>
  pointer === ""
    ? []
    : pointer
        .slice(1)
        .split("/")
        .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));

/** The shapes from the root down to the node at `path`, as far as the schema declares them. */
function shapesAlong(root: SchemaShape, path: readonly string[]): SchemaShape[] {
  const out = [root];
  let node: SchemaShape | undefined = root;
  for (const s of path) {
    node = node.properties?.[s] ?? (/^\d+$/.test(s) && node.items ? node.items : node.additionalProperties);
    if (!node) break;
    out.push(node);
  }
  return out;
}

const pathOf = (path: readonly string[], field: string): string =>
  FieldPath.fromPointer(`/${[...path, field].map((s) => s.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`).toString();

/**
 * The known field an unknown one was probably meant to be: a sibling with a close name
 * (`endpointUrl` → "endpointURL"), else the same name one level down (`backup` at the top →
 * "spec.backup") or one level up (a field indented one level too deep), named by its full path.
 */
function suggestion(field: string, holderPath: readonly string[], root: SchemaShape | undefined, siblings: readonly string[]): string | undefined {
  const sibling = didYouMean(field, siblings);
  if (sibling) return sibling;
  if (!root) return undefined;
  const along = shapesAlong(root, holderPath);
  const holder = along.length === holderPath.length + 1 ? along[along.length - 1] : undefined;
  for (const [child, shape] of Object.entries(holder?.properties ?? {})) {
    const below = didYouMean(field, Object.keys(shape.properties ?? {}));
    if (below) return pathOf([...holderPath, child], below);
  }
  // One level up: the nearest object above the holder (past an array, for a list item).
  let up = holderPath.length - 1;
  if (up >= 0 && /^\d+$/.test(holderPath[up] ?? "")) up--;
  const parent = up >= 0 ? along[up] : undefined;
  const above = didYouMean(field, Object.keys(parent?.properties ?? {}));
  return above ? pathOf(holderPath.slice(0, up), above) : undefined;
}

function toFieldError(e: ErrorObject, shape: SchemaShape | undefined): FieldError | undefined {
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
    case "pattern":
      // As the apiserver words a CRD pattern violation (apiextensions-apiserver's schema validation).
      return invalid(path, e.data, `${path.toString()} in body should match '${String(p.pattern)}'`);
    case "anyOf":
      // The one anyOf of the schemas: an x-kubernetes-int-or-string node (a Quantity).
      return invalid(path, typeName(e.data), `${path.toString()} in body must be of type integer,string: ${JSON.stringify(typeName(e.data))}`);
    case "additionalProperties": {
      const field = String(p.additionalProperty);
      const known = Object.keys(((e.parentSchema as { properties?: object } | undefined)?.properties ?? {}) as object);
      const meant = suggestion(field, segments(e.instancePath), shape, known);
      const detail = `unknown field ${JSON.stringify(field)}; the apiserver would drop it${meant ? `; did you mean ${JSON.stringify(meant)}?` : ""}`;
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
    if (e.schemaPath.includes("/anyOf/")) continue; // each branch's miss: the anyOf error reports them as one
    if (errors.length >= MAX_LISTED) {
      omitted++;
      continue;
    }
    if (e.keyword === "additionalProperties")
      refused.push(`${e.instancePath}/${escapePointer(String((e.params as { additionalProperty: unknown }).additionalProperty))}`);
    else if (e.keyword !== "required") refused.push(e.instancePath);
    const fe = toFieldError(e, validate.shape);
    if (!fe) continue;
    const key = `${fe.field}|${fe.type}|${fe.detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    errors.push(fe);
  }
  return { errors, refused, omitted };
}
