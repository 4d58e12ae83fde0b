// Loads the JSON Schemas and inlines their `$ref`s, as a CRD must carry one self-contained schema.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export type JSONSchema = { [keyword: string]: unknown };

export interface SchemaSet {
  /** Schema documents by `$id` (their file name). */
  readonly documents: ReadonlyMap<string, JSONSchema>;
}

export function loadSchemas(dir: string): SchemaSet {
  const documents = new Map<string, JSONSchema>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".schema.json"))
    .sort()) {
    const doc = JSON.parse(readFileSync(join(dir, file), "utf8")) as JSONSchema;
    documents.set(typeof doc.$id === "string" ? doc.$id : file, doc);
  }
  return { documents };
}

const isObject = (v: unknown): v is JSONSchema => typeof v === "object" && v !== null && !Array.isArray(v);

/** Splits `definitions.schema.json#/definitions/X` into document and JSON Pointer, relative to `base`. */
function splitRef(ref: string, base: string): { doc: string; pointer: string } {
  const hash = ref.indexOf("#");
  const doc = hash === 0 ? base : hash < 0 ? ref : ref.slice(0, hash);
  return { doc, pointer: hash < 0 ? "" : ref.slice(hash + 1) };
}

function at(doc: JSONSchema, pointer: string, ref: string): JSONSchema {
  let node: unknown = doc;
  for (const part of pointer.split("/").filter(Boolean)) {
    node = isObject(node) ? node[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  if (!isObject(node)) throw new Error(`$ref ${JSON.stringify(ref)} points at nothing`);
  return node;
}

/**
 * Sibling keywords of a `$ref` refine the referenced schema (a description for this use, a default
 * for one property), so they are merged into it: `properties` key by key, everything else replaced.
 */
function refine(target: JSONSchema, siblings: JSONSchema): JSONSchema {
  const out: JSONSchema = { ...target };
  for (const [keyword, value] of Object.entries(siblings)) {
    if (keyword === "properties" && isObject(value) && isObject(out.properties)) {
      const props: JSONSchema = { ...out.properties };
      for (const [name, sub] of Object.entries(value)) {
        props[name] = isObject(props[name]) && isObject(sub) ? refine(props[name] as JSONSchema, sub) : sub;
      }
      out.properties = props;
    } else {
      out[keyword] = value;
    }
  }
  return out;
}

/**
 * Returns `schema` with every `$ref` replaced by (a copy of) its target. `onRef` may replace a
 * reference instead (the type generator names shared definitions rather than repeating them).
 */
export function inlineRefs(
  set: SchemaSet,
  schema: JSONSchema,
  base: string,
  onRef?: (ref: { doc: string; pointer: string }, siblings: JSONSchema) => JSONSchema | undefined,
  seen: readonly string[] = [],
): JSONSchema {
  const walk = (node: unknown, nodeBase: string, chain: readonly string[]): unknown => {
    if (Array.isArray(node)) return node.map((n) => walk(n, nodeBase, chain));
    if (!isObject(node)) return node;
    if (typeof node.$ref === "string") {
      const { $ref, ...siblings } = node;
      const target = splitRef($ref, nodeBase);
      const key = `${target.doc}#${target.pointer}`;
      if (chain.includes(key)) throw new Error(`$ref cycle through ${key}`);
      const replaced = onRef?.(target, siblings);
      if (replaced) return walk(replaced, nodeBase, chain);
      const doc = set.documents.get(target.doc);
      if (!doc) throw new Error(`$ref ${JSON.stringify($ref)}: no schema document ${target.doc}`);
      const resolved = walk(at(doc, target.pointer, $ref), target.doc, [...chain, key]) as JSONSchema;
      return refine(resolved, walk(siblings, nodeBase, chain) as JSONSchema);
    }
    const out: JSONSchema = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v, nodeBase, chain);
    return out;
  };
  return walk(schema, base, seen) as JSONSchema;
}
