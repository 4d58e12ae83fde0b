// Turns an inlined JSON Schema into the openAPIV3Schema of an apiextensions.k8s.io/v1 CRD, refusing
// (with the node's path) anything the apiserver would refuse rather than letting `kubectl apply` find out.
import type { Ajv } from "ajv";
import { createAjv, KUBERNETES_FORMATS } from "./ajv.js";
import { GROUP, VERSION, type KindInfo } from "./kinds.js";
import type { JSONSchema } from "./resolve.js";

/** JSON-Schema-only keywords with no meaning to Kubernetes: dropped on the way to the CRD. */
const DROPPED = new Set(["$schema", "$id", "title"]);

/** The fields of apiextensions v1 JSONSchemaProps that we pass through. */
export const JSON_SCHEMA_PROPS: ReadonlySet<string> = new Set([
  "description",
  "type",
  "format",
  "default",
  "enum",
  "nullable",
  "required",
  "properties",
  "items",
  "additionalProperties",
  "maximum",
  "minimum",
  "exclusiveMaximum",
  "exclusiveMinimum",
  "maxLength",
  "minLength",
  "pattern",
  "maxItems",
  "minItems",
  "uniqueItems",
  "maxProperties",
  "minProperties",
  "multipleOf",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "example",
  "externalDocs",
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-int-or-string",
  "x-kubernetes-embedded-resource",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
]);

/** Keywords the apiserver refuses outright in a structural schema. */
const REFUSED: Record<string, string> = {
  $ref: "$ref is not allowed; references must be inlined",
  definitions: "definitions are not allowed",
  $defs: "$defs are not allowed",
  patternProperties: "patternProperties is not supported by Kubernetes",
  dependencies: "dependencies is not supported by Kubernetes",
  additionalItems: "additionalItems is not supported by Kubernetes",
};

const TYPES = new Set(["object", "array", "string", "integer", "number", "boolean"]);
const JUNCTORS = ["allOf", "anyOf", "oneOf", "not"] as const;
const isObject = (v: unknown): v is JSONSchema => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The one use of `type` inside a junctor the apiserver allows: an x-kubernetes-int-or-string node's
 * `anyOf: [{type: integer}, {type: string}]`, alone or as an entry of its `allOf`.
 */
function isIntOrStringAnyOf(v: unknown): boolean {
  return (
    Array.isArray(v) &&
    v.length === 2 &&
    v.every(isObject) &&
    JSON.stringify(v.map((s) => Object.keys(s))) === '[["type"],["type"]]' &&
    v[0]?.type === "integer" &&
    v[1]?.type === "string"
  );
}

export class NonStructuralSchemaError extends Error {
  constructor(readonly problems: string[]) {
    super(`schema would be refused by the apiserver:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/**
 * Returns the CRD form of `schema` (an inlined schema, no `$ref` left), or throws
 * NonStructuralSchemaError listing every problem with the path of its node.
 */
export function toStructural(schema: JSONSchema, rootPath = "openAPIV3Schema", ajv: Ajv = createAjv({ useDefaults: false })): JSONSchema {
  const problems: string[] = [];
  const convert = (node: JSONSchema, path: string, inJunctor: boolean): JSONSchema => {
    const out: JSONSchema = {};
    for (const [keyword, value] of Object.entries(node)) {
      if (DROPPED.has(keyword)) continue;
      if (keyword === "additionalProperties" && value === false) continue;
      if (keyword in REFUSED) {
        problems.push(`${path}: ${REFUSED[keyword]}`);
        continue;
      }
      if (!JSON_SCHEMA_PROPS.has(keyword)) {
        problems.push(`${path}: keyword ${JSON.stringify(keyword)} is not part of a Kubernetes schema`);
        continue;
      }
      out[keyword] = value;
    }

    const open = out["x-kubernetes-preserve-unknown-fields"] === true || out["x-kubernetes-int-or-string"] === true;
    if (inJunctor) {
      for (const k of ["type", "default", "description", "nullable"]) {
        if (k in out) problems.push(`${path}: ${k} must not be set inside allOf/anyOf/oneOf/not`);
      }
    } else if (out.type === undefined && !open) {
      problems.push(`${path}: type is required (or x-kubernetes-preserve-unknown-fields / x-kubernetes-int-or-string)`);
    } else if (out.type !== undefined && !(typeof out.type === "string" && TYPES.has(out.type))) {
      problems.push(`${path}: type must be one of ${[...TYPES].join(", ")}, not ${JSON.stringify(out.type)}`);
    }
    if (out.uniqueItems === true || node.uniqueItems === true) problems.push(`${path}: uniqueItems: true is not allowed`);
    if (typeof out.format === "string" && !KUBERNETES_FORMATS.has(out.format)) {
      problems.push(`${path}: format ${JSON.stringify(out.format)} is not known to Kubernetes`);
    }
    if (out.properties !== undefined && out.additionalProperties !== undefined && out.additionalProperties !== true) {
      problems.push(`${path}: properties and additionalProperties are mutually exclusive`);
    }

    if (isObject(out.properties)) {
      const props: JSONSchema = {};
      for (const [name, sub] of Object.entries(out.properties)) {
        props[name] = isObject(sub) ? convert(sub, `${path}.properties.${name}`, inJunctor) : sub;
      }
      out.properties = props;
    }
    if (out.type === "array" && out.items === undefined) problems.push(`${path}.items: must be specified for an array`);
    if (Array.isArray(out.items)) problems.push(`${path}.items: must be a single schema, not an array`);
    else if (isObject(out.items)) out.items = convert(out.items, `${path}.items`, inJunctor);
    if (isObject(out.additionalProperties)) out.additionalProperties = convert(out.additionalProperties, `${path}.additionalProperties`, inJunctor);
    const intOrString = out["x-kubernetes-int-or-string"] === true;
    for (const j of JUNCTORS) {
      const v = out[j];
      if (intOrString && j === "anyOf" && isIntOrStringAnyOf(v)) continue;
      if (Array.isArray(v)) {
        out[j] = v.map((s, i) =>
          intOrString && j === "allOf" && isObject(s) && Object.keys(s).length === 1 && isIntOrStringAnyOf(s.anyOf)
            ? s
            : isObject(s)
              ? convert(s, `${path}.${j}[${i}]`, true)
              : s,
        );
      } else if (isObject(v)) out[j] = convert(v, `${path}.${j}`, true);
    }

    if ("default" in out) {
      const validate = ajv.compile(stripForDefaultCheck(out));
      if (!validate(structuredClone(out.default))) {
        const why = (validate.errors ?? []).map((e) => `${e.instancePath || "(root)"} ${e.message}`).join("; ");
        problems.push(`${path}: default ${JSON.stringify(out.default)} does not validate: ${why}`);
      }
    }
    return out;
  };
  const result = convert(schema, rootPath, false);
  if (problems.length) throw new NonStructuralSchemaError(problems);
  return result;
}

/**
 * Defaults are checked against the node minus annotations ajv would reject in strict mode, at every
 * depth (a defaulted object's properties may carry them too). `nullable` stays where ajv can use it.
 */
function stripForDefaultCheck(node: JSONSchema, top = true): JSONSchema {
  const { example: _example, externalDocs: _docs, ...rest } = node;
  if (top) delete rest.default;
  if (rest.type === undefined) delete rest.nullable;
  for (const k of Object.keys(rest)) if (k.startsWith("x-kubernetes-list") || k === "x-kubernetes-map-type" || k === "x-kubernetes-validations") delete rest[k];
  const sub = (v: unknown): unknown => (isObject(v) ? stripForDefaultCheck(v, false) : v);
  if (isObject(rest.properties)) rest.properties = Object.fromEntries(Object.entries(rest.properties).map(([k, v]) => [k, sub(v)]));
  if (isObject(rest.items)) rest.items = sub(rest.items);
  if (isObject(rest.additionalProperties)) rest.additionalProperties = sub(rest.additionalProperties);
  for (const j of JUNCTORS) {
    const v = rest[j];
    if (Array.isArray(v)) rest[j] = v.map(sub);
    else if (isObject(v)) rest[j] = sub(v);
  }
  return rest;
}

/** The whole CustomResourceDefinition object for one kind. */
export function crdFor(info: KindInfo, inlined: JSONSchema): JSONSchema {
  // The apiserver owns metadata's schema; a CRD may only say it is an object.
  const properties = Object.fromEntries(
    Object.entries((inlined.properties ?? {}) as JSONSchema).map(([k, v]) => [k, k === "metadata" ? { type: "object" } : v]),
  );
  const schema = toStructural({ ...inlined, properties });
  const subresources: JSONSchema = { status: {} };
  if (info.scale) subresources.scale = { ...info.scale };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${info.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: info.kind,
        listKind: `${info.kind}List`,
        plural: info.plural,
        singular: info.singular,
        ...(info.shortNames.length ? { shortNames: info.shortNames } : {}),
        categories: ["cnp"],
      },
      scope: "Namespaced",
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources,
          additionalPrinterColumns: info.columns.map((c) => ({ ...c })),
        },
      ],
    },
  };
}
