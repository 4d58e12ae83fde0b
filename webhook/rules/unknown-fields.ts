// Fields a Backup or ScheduledBackup does not declare. Release 0.5's CRDs of these two kinds keep unknown
// fields (apiextensions.k8s.io/v1beta1 without preserveUnknownFields: false) and the operator ignores
// them, so they only warn; the Cluster's CRD prunes, and the schema reports those (cluster/schema).
import type { SchemaShape } from "../../generated/validators/index.js";
import type { KindName } from "../../schemas/kinds.js";
import { FieldPath } from "../admission/field.js";
import { type Finding, warn } from "../admission/finding.js";
import { didYouMean } from "../admission/schema.js";
import { isRecord } from "../formats/json.js";
import { LATER_SPEC_FIELDS, type Release } from "../operator/releases.js";

/** Every field under a node that keeps unknown fields and does not declare it, with the fields it does declare. */
function undeclared(value: unknown, shape: SchemaShape, path: FieldPath, out: { path: FieldPath; field: string; known: string[] }[]): void {
  if (Array.isArray(value)) {
    if (shape.items) for (const [i, item] of value.entries()) undeclared(item, shape.items, path.index(i), out);
    return;
  }
  if (!isRecord(value)) return;
  for (const [field, child] of Object.entries(value)) {
    const declared = shape.properties?.[field] ?? shape.additionalProperties;
    if (declared) undeclared(child, declared, path.child(field), out);
    else if (shape.keepsUnknown) out.push({ path, field, known: Object.keys(shape.properties ?? {}) });
  }
}

/** Warnings for the fields of `object` its schema does not declare; `status` is the operator's and not judged. */
export function unknownFieldWarnings(kind: "Backup" | "ScheduledBackup", object: unknown, shape: SchemaShape, release: Release): Finding[] {
  const found: { path: FieldPath; field: string; known: string[] }[] = [];
  if (isRecord(object)) {
    const { status: _status, ...judged } = object;
    undeclared(judged, shape, FieldPath.root(), found);
  }
  return found.map(({ path, field, known }) => {
    const at = path.toString() === "" ? FieldPath.root(field) : path.child(field);
    const later = path.toString() === "spec" ? LATER_SPEC_FIELDS[kind][field] : undefined;
    const meant = didYouMean(field, known);
    const why = later
      ? `first in release ${later}; release ${release.version} keeps it and ignores it`
      : `release ${release.version} keeps it and ignores it${meant ? `; did you mean ${JSON.stringify(meant)}?` : ""}`;
    return warn(at, `unknown field ${JSON.stringify(field)}: ${why}`);
  });
}

/** What the two rules share in the catalog. */
export const unknownFieldRule = (kind: Extract<KindName, "Backup" | "ScheduledBackup">) => ({
  id: `${kind.toLowerCase()}/unknown-field`,
  severity: "warn" as const,
  summary: `fields a ${kind} does not declare (from later releases, or misspelt) are kept by release 0.5 and ignored`,
  protects: "settings copied from later documentation that release 0.5 silently ignores",
  source: "cnp v0.5.0 releases/postgresql-operator-0.5.0.yaml (its Backup and ScheduledBackup CRDs are v1beta1 without preserveUnknownFields: false)",
});
