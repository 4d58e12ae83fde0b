// What the apiserver does to a manifest before any admission webhook sees it, so that `validate`
// judges what the webhook would be sent rather than what is on disk.
import type { SchemaShape } from "../../generated/validators/index.js";
import { cloneJson, isRecord } from "../formats/json.js";

/** A field's path as JSON keys and list indexes. */
export type Path = readonly (string | number)[];

export interface Created {
  /** A copy without `status` and without the nulls the apiserver prunes. */
  readonly object: Record<string, unknown>;
  /** What was taken out, for rewriting the source the same way (--print-defaulted). */
  readonly removed: readonly Path[];
}

/**
 * The object of a create request as an admission webhook receives it:
 * - `status` is dropped: the status subresource resets it on create (a strategy's PrepareForCreate);
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
