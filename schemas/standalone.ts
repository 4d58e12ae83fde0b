// What the schemas say to tools other than the apiserver: standalone JSON Schemas for kubeconform and
// editors, and the shape of each kind's schema that the admission core reads (nulls, "did you mean").
import { API_VERSION, GROUP, VERSION, type KindInfo } from "./kinds.js";
import type { JSONSchema } from "./resolve.js";

const isObject = (v: unknown): v is JSONSchema => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The structure of a schema node as the apiserver's structural schema knows it: which fields it
 * declares, whether a `null` there is kept (nullable) or replaced (default), and where it stops
 * knowing (`x-kubernetes-preserve-unknown-fields` without properties).
 */
export interface SchemaShape {
  readonly properties?: { readonly [name: string]: SchemaShape };
  readonly additionalProperties?: SchemaShape;
  readonly items?: SchemaShape;
  readonly nullable?: true;
  readonly default?: true;
  /** Fields it does not declare are kept, not pruned (x-kubernetes-preserve-unknown-fields beside properties). */
  readonly keepsUnknown?: true;
}

/** The shape of an inlined schema (no `$ref` left). */
export function schemaShape(schema: JSONSchema): SchemaShape {
  const shape: {
    properties?: Record<string, SchemaShape>;
    additionalProperties?: SchemaShape;
    items?: SchemaShape;
    nullable?: true;
    default?: true;
    keepsUnknown?: true;
  } = {};
  if (isObject(schema.properties)) {
    shape.properties = Object.fromEntries(Object.entries(schema.properties).map(([name, sub]) => [name, schemaShape(sub as JSONSchema)]));
  }
  if (isObject(schema.additionalProperties)) shape.additionalProperties = schemaShape(schema.additionalProperties);
  if (isObject(schema.items)) shape.items = schemaShape(schema.items);
  if (schema.nullable === true) shape.nullable = true;
  if (schema.default !== undefined) shape.default = true;
  if (schema["x-kubernetes-preserve-unknown-fields"] === true && isObject(schema.properties)) shape.keepsUnknown = true;
  return shape;
}

/** Where kubeconform's `-schema-location` template `{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json` looks. */
export const standaloneSchemaPath = (info: KindInfo): string => `${GROUP}/${info.singular}_${VERSION}.json`;

const STATUS_NOTE = "Written by the operator. Not checked: the apiserver drops it when the object is created.";

/**
 * Integer and number formats the apiserver does not check on a custom resource: kube-openapi's
 * SchemaValidator gives its number validator no format (pkg/validation/validate/schema.go), so
 * `instances: 99999999999` is stored. A JSON Schema validator that knows them (ajv-formats) would
 * refuse it; one that does not (ajv's strict mode, ajv-cli's default) refuses the schema.
 */
const UNCHECKED_FORMATS = new Set(["int32", "int64", "float", "double"]);

/** A node that also accepts `null` (an int-or-string quantity has no `type`, only its `anyOf` branches). */
function orNull(node: JSONSchema): JSONSchema {
  if (node.type === undefined && Array.isArray(node.anyOf)) return { ...node, anyOf: [...node.anyOf, { type: "null" }] };
  if (typeof node.type !== "string") return node;
  return { ...node, type: [node.type, "null"], ...(Array.isArray(node.enum) ? { enum: [...node.enum, null] } : {}) };
}

/**
 * A schema node as a JSON Schema validator must read it to agree with the apiserver (and `validate`):
 * - no Kubernetes extensions (`x-kubernetes-*`, `nullable`): they stay in the CRDs, and a strict
 *   validator refuses keywords it does not know;
 * - no formats the apiserver leaves unchecked (above);
 * - a `null` is accepted where the apiserver prunes it before validating: on a declared field that is
 *   not nullable, unless it is required and has no default (then it is missing, and refused); a field
 *   with a default is not required, since the apiserver fills it first; the same for a map's values
 *   (`resources.limits: {cpu: null}`: the prune looks a key up in additionalProperties too)
 *   (apiextensions-apiserver pkg/apiserver/schema/defaulting: PruneNonNullableNullsWithoutDefaults, Default);
 * - a `nullable` field accepts `null` as such. Nulls in lists are not pruned and stay refused;
 * - an int-or-string node's string keywords (a quantity's `pattern`) move into its string branch, where
 *   a strict validator wants them typed.
 */
function portable(node: JSONSchema): JSONSchema {
  const out: JSONSchema = {};
  const intOrString = node["x-kubernetes-int-or-string"] === true && Array.isArray(node.anyOf);
  for (const [keyword, value] of Object.entries(node)) {
    if (keyword.startsWith("x-kubernetes-") || keyword === "nullable") continue;
    if (keyword === "format" && typeof value === "string" && UNCHECKED_FORMATS.has(value)) continue;
    if (intOrString && keyword === "pattern") continue;
    out[keyword] = value;
  }
  if (intOrString && node.pattern !== undefined) {
    out.anyOf = (node.anyOf as JSONSchema[]).map((branch) => (branch.type === "string" ? { ...branch, pattern: node.pattern } : branch));
  }
  if (isObject(node.properties)) {
    const properties = node.properties as Record<string, JSONSchema>;
    const required = ((node.required as string[] | undefined) ?? []).filter((name) => properties[name]?.default === undefined);
    out.properties = Object.fromEntries(
      Object.entries(properties).map(([name, sub]) => {
        const converted = portable(sub);
        return [name, required.includes(name) ? converted : orNull(converted)];
      }),
    );
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  if (isObject(node.additionalProperties)) out.additionalProperties = orNull(portable(node.additionalProperties));
  if (isObject(node.items)) out.items = portable(node.items);
  return node.nullable === true ? orNull(out) : out;
}

/**
 * A self-contained JSON Schema (draft-07) for one kind: every `$ref` inlined, `apiVersion` and `kind`
 * fixed, unknown fields refused at every level (as `cnp-webhook validate` refuses them), `status` not
 * checked, and only standard keywords (see `portable`): it loads under a strict validator and agrees
 * with `validate` on what the schema refuses (test/standalone-schemas.test.ts).
 */
export function standaloneSchema(info: KindInfo, inlined: JSONSchema): JSONSchema {
  const { $id: _id, ...rest } = inlined;
  const properties = rest.properties as JSONSchema;
  const status = properties.status as JSONSchema | undefined;
  const converted = portable({
    ...rest,
    required: ["apiVersion", "kind", ...((rest.required as string[] | undefined) ?? [])],
    properties: {
      ...properties,
      apiVersion: { ...(properties.apiVersion as JSONSchema), enum: [API_VERSION] },
      kind: { ...(properties.kind as JSONSchema), enum: [info.kind] },
    },
  });
  return {
    $schema: DRAFT_07,
    $comment: `Generated by \`make generate\` from schemas/ (cnp-webhook). ${info.kind} of ${API_VERSION}.`,
    ...converted,
    properties: {
      ...(converted.properties as JSONSchema),
      // Anything goes: the apiserver drops it on create, whatever it holds.
      ...(status ? { status: { description: `${String(status.description ?? "")} ${STATUS_NOTE}`.trim() } } : {}),
    },
  };
}

const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

/** Where the one schema for editors is written, beside the per-kind ones. */
export const DISPATCHING_SCHEMA_PATH = "cnp-webhook.json";

/**
 * One schema for every YAML file of a repository (one yaml-language-server association): each document
 * whose apiVersion and kind are one of this API's kinds is checked against that kind's schema, and
 * every other document (a Secret, a kustomization, another operator's Cluster) is left alone.
 */
export function dispatchingSchema(kinds: readonly { info: KindInfo; schema: JSONSchema }[]): JSONSchema {
  return {
    $schema: DRAFT_07,
    $comment: `Generated by \`make generate\` from schemas/ (cnp-webhook). Dispatches on apiVersion and kind.`,
    title: `Cloud Native PostgreSQL 0.5 manifests (${API_VERSION})`,
    description: `${kinds.map((k) => k.info.kind).join(", ")} of ${API_VERSION} are checked against their schemas; other documents are left alone.`,
    allOf: kinds.map(({ info, schema }) => {
      const { $schema: _s, $comment: _c, ...body } = schema;
      return {
        if: { type: "object", properties: { apiVersion: { const: API_VERSION }, kind: { const: info.kind } }, required: ["apiVersion", "kind"] },
        // biome-ignore lint/suspicious/noThenProperty: `then` is the JSON Schema keyword.
        then: body,
      };
    }),
  };
}
