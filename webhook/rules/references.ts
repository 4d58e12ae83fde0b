// The findings for a reference that was not found, built in one place: absent (warn, or deny where
// the operator would fail at once) or not verifiable (warn; deny under --strict-references).
import type { FieldPath } from "../admission/field.js";
import { notFound } from "../admission/field.js";
import { deny, referenceWarning, type Finding } from "../admission/finding.js";
import { briefReason, type Lookup } from "../references/resolver.js";

export interface Reference {
  /** The field that names the object, and its value. */
  readonly path: FieldPath;
  readonly value: string;
  /** How the message names the object: `Secret "aws-creds"`, `Secret "s" recorded in Backup "b"`. */
  readonly what: string;
  readonly namespace: string;
  /** What the operator then does, when that is why absence denies. */
  readonly consequence?: string;
}

/** undefined when the object is present; otherwise the one finding that says why it is not. */
export function missingReference(found: Lookup<unknown>, ref: Reference, absent: "warn" | "deny" = "warn"): Finding | undefined {
  if (found.state === "present") return undefined;
  if (found.state === "unknown") return referenceWarning(ref.path, ref.value, `could not verify ${ref.what}: ${briefReason(found.why)}`, "Invalid");
  const where = `${ref.what} not found in namespace ${JSON.stringify(ref.namespace)}`;
  const message = ref.consequence ? `${where}: ${ref.consequence}` : where;
  return absent === "deny" ? deny(notFound(ref.path, ref.value, message)) : referenceWarning(ref.path, ref.value, message);
}
