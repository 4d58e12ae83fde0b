// `--enforcement deny|warn --warn-only RULE_ID,...` and `--allow-ignore-annotation` (README "Rolling
// out"): the flags that say how a verdict is enforced, the same in `serve`, `validate` and `audit`, so
// that each face can be told to judge as the deployed webhook does.
import { closest, distance } from "fastest-levenshtein";
import { catalog } from "../admission/catalog.js";
import { ENFORCE_ALL, type Enforcement } from "../admission/enforcement.js";
import { IGNORE_ANNOTATION } from "../admission/ignore.js";
import type { Registry } from "../admission/rule.js";
import { UsageError } from "./command.js";

const MODES = ["deny", "warn"] as const;

export const ENFORCEMENT_OPTIONS = {
  enforcement: { type: "string" },
  "warn-only": { type: "string", multiple: true },
} as const;

/** serve and audit: the server honours the annotation only when told to; validate always does. */
export const IGNORE_ANNOTATION_OPTION = { "allow-ignore-annotation": { type: "boolean" } } as const;

export const ENFORCEMENT_HELP = `  --enforcement MODE     deny (default) or warn: admit what would be denied, with warnings
                         "would deny: ..."
  --warn-only IDS        comma-separated rule IDs that only warn, as in warn mode (repeatable)`;

export const IGNORE_ANNOTATION_HELP = `  --allow-ignore-annotation
                         honour the annotation ${IGNORE_ANNOTATION}: RULE_ID,... on objects (off:
                         anyone who may write an object could waive a rule for it)`;

/**
 * An unknown rule ID is a usage error listing the catalog's IDs: a misspelt --warn-only would
 * otherwise leave that rule denying, which is what the admin meant to avoid.
 */
export function parseEnforcement(mode: string | undefined, warnOnly: readonly string[] | undefined, registry: Registry): Enforcement {
  const chosen = MODES.find((m) => m === (mode ?? "deny"));
  if (!chosen) throw new UsageError(`--enforcement must be one of ${MODES.join(", ")}, not ${JSON.stringify(mode)}`);
  const ids = (warnOnly ?? [])
    .flatMap((list) => list.split(","))
    .map((id) => id.trim())
    .filter((id) => id !== "");
  const known = new Set(catalog(registry).map((entry) => entry.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    // A near miss (a letter dropped, a wrong separator) is named, as for a mistyped command.
    const named = unknown.map((id) => {
      const best = closest(id, [...known]);
      return distance(id, best) <= Math.max(2, Math.floor(id.length / 5))
        ? `${JSON.stringify(id)} (did you mean ${JSON.stringify(best)}?)`
        : JSON.stringify(id);
    });
    throw new UsageError(`--warn-only: unknown rule ${named.join(", ")}; the rule IDs are: ${[...known].join(", ")}`);
  }
  if (chosen === "deny" && ids.length === 0) return ENFORCE_ALL;
  return { mode: chosen, warnOnly: new Set(ids) };
}
