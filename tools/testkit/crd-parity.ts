// The project's schemas beside the CRDs release 0.5.0 shipped (test/fixtures/operator-0.5.0), node by
// node: what each one lets through. Every difference found must be classified in docs/operator-0.5.md
// ("CRD parity"); test/crd-parity.test.ts holds the two lists against each other.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { KINDS, type KindName } from "../../schemas/kinds.js";
import { inlineRefs, loadSchemas, type JSONSchema } from "../../schemas/resolve.js";
import { FIXTURES, REPO_ROOT } from "./paths.js";

/** One node where the two schemas let different things through. */
export interface Difference {
  /** `Cluster.spec.storage`, `Cluster.spec.imagePullSecrets[*]`, `Cluster.spec.postgresql.parameters{*}`. */
  readonly node: string;
  /** The keyword: `type`, `minimum`, `required:size`, `field` (declared on one side only), `unknown-fields`. */
  readonly keyword: string;
  /** What each side says, as text ("-" for nothing). */
  readonly project: string;
  readonly release: string;
}

const COMPARED = [
  "type",
  "format",
  "enum",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "pattern",
  "nullable",
  "x-kubernetes-int-or-string",
] as const;

const isObject = (v: unknown): v is JSONSchema => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string => (v === undefined ? "-" : typeof v === "string" ? v : JSON.stringify(v));

/** Keywords that let everything through, read as absent: `minLength: 0`. */
const effective = (keyword: string, v: unknown): unknown => (keyword === "minLength" && v === 0 ? undefined : v);

/**
 * What happens to a field a node does not declare: refused (the project reports it: additionalProperties
 * false), pruned (the apiserver drops it), or kept.
 */
function unknownFields(node: JSONSchema, side: "project" | "release", releaseKeeps: boolean): "refused" | "pruned" | "kept" {
  // A map (additionalProperties with a schema) takes any key.
  if (node["x-kubernetes-preserve-unknown-fields"] === true || isObject(node.additionalProperties)) return "kept";
  if (side === "project") return node.additionalProperties === false ? "refused" : "kept";
  return releaseKeeps ? "kept" : "pruned";
}

function walk(project: JSONSchema, release: JSONSchema, node: string, releaseKeeps: boolean, out: Difference[]): void {
  const add = (keyword: string, p: unknown, r: unknown): void => {
    out.push({ node, keyword, project: text(p), release: text(r) });
  };
  for (const keyword of COMPARED) {
    const [p, r] = [effective(keyword, project[keyword]), effective(keyword, release[keyword])];
    if (JSON.stringify(p) !== JSON.stringify(r)) add(keyword, p, r);
  }
  const required = (s: JSONSchema) => new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
  const [pr, rr] = [required(project), required(release)];
  for (const field of [...new Set([...pr, ...rr])].sort()) {
    if (pr.has(field) !== rr.has(field)) add(`required:${field}`, pr.has(field), rr.has(field));
  }
  const [pp, rp] = [isObject(project.properties) ? project.properties : {}, isObject(release.properties) ? release.properties : {}];
  if (project.type === "object" || release.type === "object") {
    // A refused field and a pruned one both fail `kubectl apply` against that CRD (unknown field).
    const [pu, ru] = [unknownFields(project, "project", releaseKeeps), unknownFields(release, "release", releaseKeeps)];
    const open = (u: string) => u === "kept";
    if (open(pu) !== open(ru)) add("unknown-fields", pu, ru);
  }
  for (const field of [...new Set([...Object.keys(pp), ...Object.keys(rp)])].sort()) {
    // ObjectMeta is the apiserver's own, never the CRD's schema.
    if (!node.includes(".") && field === "metadata") continue;
    const [p, r] = [pp[field], rp[field]];
    if (isObject(p) && isObject(r)) walk(p, r, `${node}.${field}`, releaseKeeps, out);
    // Declared on one side only: a difference where the other side would not keep it as it is.
    else if (unknownFields(isObject(p) ? release : project, isObject(p) ? "release" : "project", releaseKeeps) !== "kept")
      out.push({ node: `${node}.${field}`, keyword: "field", project: p ? "declared" : "-", release: r ? "declared" : "-" });
  }
  if (isObject(project.items) || isObject(release.items)) {
    walk(isObject(project.items) ? project.items : {}, isObject(release.items) ? release.items : {}, `${node}[*]`, releaseKeeps, out);
  }
  const [pa, ra] = [project.additionalProperties, release.additionalProperties];
  if (isObject(pa) || isObject(ra)) walk(isObject(pa) ? pa : {}, isObject(ra) ? ra : {}, `${node}{*}`, releaseKeeps, out);
}

/** The schema of each kind as the webhook validates it: schemas/ with every $ref inlined. */
function projectSchema(kind: KindName): JSONSchema {
  const set = loadSchemas(join(REPO_ROOT, "schemas"));
  const file = `${kind.toLowerCase()}.schema.json`;
  const doc = set.documents.get(file);
  if (!doc) throw new Error(`no ${file}`);
  return inlineRefs(set, doc, file);
}

interface ReleaseCrd {
  kind: KindName;
  schema: JSONSchema;
  /** v1beta1 without `preserveUnknownFields: false`: unknown fields are kept. */
  keepsUnknownFields: boolean;
}

const RELEASE_CRDS_FILE = join(FIXTURES, "operator-0.5.0", "crds.yaml");

export function releaseCrds(): ReleaseCrd[] {
  return parseAllDocuments(readFileSync(RELEASE_CRDS_FILE, "utf8")).flatMap((doc) => {
    const crd = doc.toJS() as { spec?: { names: { kind: KindName }; preserveUnknownFields?: boolean; validation: { openAPIV3Schema: JSONSchema } } } | null;
    if (!crd?.spec) return [];
    return [{ kind: crd.spec.names.kind, schema: crd.spec.validation.openAPIV3Schema, keepsUnknownFields: crd.spec.preserveUnknownFields !== false }];
  });
}

/** Every difference between the project's schemas and release 0.5.0's CRDs, in kind order. */
export function crdDifferences(): Difference[] {
  const out: Difference[] = [];
  const crds = releaseCrds();
  for (const { kind } of KINDS) {
    const crd = crds.find((c) => c.kind === kind);
    if (!crd) throw new Error(`no ${kind} CRD in ${RELEASE_CRDS_FILE}`);
    // Descriptions differ everywhere and decide nothing.
    walk(projectSchema(kind), crd.schema, kind, crd.keepsUnknownFields, out);
  }
  return out;
}
