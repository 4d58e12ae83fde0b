// What one request may cost (README "HTTP API"): objects the apiserver could never store are denied
// before they are copied, defaulted or validated, and so are objects far wider than any manifest.
import { measureJson, type JsonLimits } from "../formats/json.js";
import { FieldPath, type FieldError } from "./field.js";

export const OBJECT_LIMITS: JsonLimits = {
  // etcd's default request limit (--max-request-bytes, 1.5 MiB): the apiserver cannot store more.
  maxBytes: 1.5 * 1024 * 1024,
  // Members and items at every level. A real Cluster has a few hundred (postgresql has ~350
  // parameters); this bounds the work of copying, validating and diffing one object.
  maxNodes: 10_000,
  // Far beyond any real manifest, far below what the stack can take.
  maxDepth: 512,
};

/** At most this many errors (and warnings) are described in one answer; the rest are counted. */
export const MAX_LISTED = 100;

const MiB = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

/** The field error for an object past OBJECT_LIMITS, or undefined when it is within them. */
export function objectTooLarge(object: unknown, which: "object" | "oldObject" = "object", limits: JsonLimits = OBJECT_LIMITS): FieldError | undefined {
  const size = measureJson(object, limits);
  const root = FieldPath.root(`<${which}>`);
  if (size.bytes > limits.maxBytes) {
    return {
      type: "TooLong",
      field: root.toString(),
      detail: `the object is more than ${MiB(limits.maxBytes)} of JSON; the apiserver cannot store it (etcd's request limit is ${MiB(limits.maxBytes)})`,
    };
  }
  if (size.depth > limits.maxDepth) return { type: "Forbidden", field: root.toString(), detail: `nests deeper than ${limits.maxDepth} levels` };
  if (size.nodes > limits.maxNodes) {
    const widest = size.widest.path.length > 0 ? FieldPath.fromSegments(size.widest.path).toString() : root.toString();
    return {
      type: "TooMany",
      field: widest,
      value: size.widest.count,
      detail: `the object has more than ${limits.maxNodes} fields and list items in all (this one holds ${size.widest.count}); no manifest needs that many`,
    };
  }
  return undefined;
}
