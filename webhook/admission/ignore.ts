// The per-object annotation `cnp-webhook.io/ignore: RULE_ID,...` (README "Checking manifests in CI"):
// the findings of the rules it names are left out of a validation verdict. `validate` applies it
// always; the server only with --allow-ignore-annotation, since it lets whoever writes an object
// waive a rule for it.
import { isRecord } from "../formats/json.js";
import type { Verdict, Violation, Warning } from "./verdict.js";

export const IGNORE_ANNOTATION = "cnp-webhook.io/ignore";

/** The rule IDs the object's annotation names, in order, without blanks or repeats. */
export function ignoredRules(object: unknown): string[] {
  const annotations = isRecord(object) && isRecord(object.metadata) ? object.metadata.annotations : undefined;
  const value = isRecord(annotations) ? annotations[IGNORE_ANNOTATION] : undefined;
  if (typeof value !== "string") return [];
  return [
    ...new Set(
      value
        .split(",")
        .map((id) => id.trim())
        .filter((id) => id !== ""),
    ),
  ];
}

export interface WithoutIgnored {
  readonly verdict: Verdict;
  /** What was left out, for reports. */
  readonly ignored: { readonly violations: readonly Violation[]; readonly warnings: readonly Warning[] };
}

/**
 * The verdict without the findings of `rules`: a denial whose every violation is ignored becomes an
 * admission. A rule that threw is a bug and stays one, whatever the annotation says.
 */
export function withoutIgnoredRules(verdict: Verdict, rules: readonly string[]): WithoutIgnored {
  const skip = new Set(rules);
  const keep = <T extends { rule: string }>(list: readonly T[]): [T[], T[]] => [list.filter((f) => !skip.has(f.rule)), list.filter((f) => skip.has(f.rule))];
  const [warnings, ignoredWarnings] = keep(verdict.warnings);
  const [violations, ignoredViolations] = keep(verdict.type === "denied" ? verdict.violations : []);
  const ignored = { violations: ignoredViolations, warnings: ignoredWarnings };
  if (verdict.type === "denied") {
    return { verdict: violations.length > 0 ? { type: "denied", violations, warnings } : { type: "allowed", warnings, patch: [] }, ignored };
  }
  return { verdict: { ...verdict, warnings }, ignored };
}
