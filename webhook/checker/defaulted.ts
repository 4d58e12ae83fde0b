// --print-defaulted: every document again, this API's objects as the mutating webhook would leave
// them (status and pruned nulls gone, defaults in), keeping comments and key order where the YAML
// allows an edit in place.
import jsonpatch from "fast-json-patch";
import { type Document, isScalar, stringify, visit } from "yaml";
import type { PatchOperation } from "../admission/verdict.js";
import type { Path } from "../admission/created.js";
import type { CheckResult } from "./check.js";
import type { ManifestDocument } from "./yaml.js";

/** An RFC 6901 pointer as a path: list indexes as numbers, as the yaml Document API wants them. */
const pathOf = (pointer: string): Path =>
  pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((s) => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : s));

/** Anchors, aliases and merge keys make an edit in place ambiguous (an edit would land in the anchor, or shadow it). */
function hasAliases(doc: Document): boolean {
  let found = false;
  const stop = () => {
    found = true;
    return visit.BREAK;
  };
  visit(doc, {
    Alias: stop,
    Node: (_, node) => (node.anchor ? stop() : undefined),
    // The merge key reads as a symbol once resolved by the YAML 1.1 schema, "<<" before.
    Pair: (_, pair) => (isScalar(pair.key) && (pair.key.value === "<<" || typeof pair.key.value === "symbol") ? stop() : undefined),
  });
  return found;
}

function edited(source: Document.Parsed, removed: readonly Path[], patch: readonly PatchOperation[]): string {
  const doc = source.clone();
  for (const path of removed) doc.deleteIn(path);
  for (const op of patch) {
    if (op.op === "add" || op.op === "replace") doc.setIn(pathOf(op.path), doc.createNode(op.value));
    else if (op.op === "remove") doc.deleteIn(pathOf(op.path));
  }
  if (doc.directives) doc.directives.docStart = true;
  return withNewline(doc.toString());
}

/** Documents are joined into one stream: each must end its last line. */
const withNewline = (s: string): string => (s.endsWith("\n") ? s : `${s}\n`);

const plain = (value: unknown): string => `---\n${stringify(value, { version: "1.1", lineWidth: 0 })}`;

/** One YAML stream of every document, in input order. */
export function printDefaulted(documents: readonly ManifestDocument[], results: readonly CheckResult[]): string {
  const judged = new Map(results.filter((r) => r.document && r.created).map((r) => [r.document, r]));
  return documents
    .map((d) => {
      const r = judged.get(d);
      if (!r?.created) {
        if (!d.source) return plain(d.value);
        const copy = d.source.clone();
        if (copy.directives) copy.directives.docStart = true;
        return withNewline(copy.toString());
      }
      if (d.source && !hasAliases(d.source)) return edited(d.source, r.created.removed, r.patch);
      return plain(jsonpatch.applyPatch(structuredClone(r.created.object), structuredClone([...r.patch])).newDocument);
    })
    .join("");
}
