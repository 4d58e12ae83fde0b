// What the apiserver does to an object before any admission webhook sees its CREATE, so that `validate`
// (a manifest on disk) and `audit` (an object stored long ago) judge what the webhook would be sent.
import type { SchemaShape } from "../../generated/validators/index.js";
import { cloneJson, isRecord } from "../formats/json.js";

/** A field's path as JSON keys and list indexes. */
export type Path = readonly (string | number)[];

export interface Created {
  /** A copy without `status`, server-set metadata and the nulls the apiserver prunes. */
  readonly object: Record<string, unknown>;
  /** What was taken out, for rewriting the source the same way (--print-defaulted). */
  readonly removed: readonly Path[];
}

/**
 * What the apiserver sets on an object, never a client (`kubectl get -o yaml` output carries them):
 * dropped, as a create would not keep them.
 */
const SERVER_SET_METADATA = [
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "managedFields",
  "selfLink",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
];

/**
 * The object of a create request as an admission webhook receives it:
 * - `status` is dropped: the status subresource resets it on create (a strategy's PrepareForCreate);
 * - server-set metadata is dropped (uid, resourceVersion, managedFields, ...);
 * - a `null` on a field the schema declares, neither nullable nor defaulted, is removed; a null on a
 *   defaulted field is removed too and the default then fills it, as the apiserver's defaulting does
 *   (apiextensions-apiserver pkg/apiserver/schema/defaulting: PruneNonNullableNullsWithoutDefaults,
 *   then Default, both before admission). Nulls the schema does not declare (open subtrees) stay.
 */
export function asCreated(object: Record<string, unknown>, shape: SchemaShape): Created {
  const copy = cloneJson(object);
  const removed: Path[] = [];
  if ("status" in copy) {
    delete copy.status;
    removed.push(["status"]);
  }
  if (isRecord(copy.metadata)) {
    for (const field of SERVER_SET_METADATA) {
      if (field in copy.metadata) {
        delete copy.metadata[field];
        removed.push(["metadata", field]);
      }
    }
  }
  const prune = (node: unknown, s: SchemaShape | undefined, path: Path): void => {
    if (!s) return;
    if (Array.isArray(node)) {
      node.forEach((item, i) => prune(item, s.items, [...path, i]));
    } else if (isRecord(node)) {
      for (const [key, value] of Object.entries(node)) {
        const field = s.properties?.[key] ?? s.additionalProperties;
        if (value === null && field && !field.nullable) {
          delete node[key];
          removed.push([...path, key]);
        } else prune(value, field, [...path, key]);
      }
    }
  };
  prune(copy, shape, []);
  return { object: copy, removed };
}
