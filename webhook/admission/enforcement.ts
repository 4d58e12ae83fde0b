// Enforcement modes (README "Rolling out"): a pure step after the verdict. In warn mode, or for the
// rules given to --warn-only, a denial is admitted and each of its errors goes back to the user as a
// warning "would deny: <field>: <error>", as Gatekeeper's `enforcementAction: warn` and Kyverno's
// Audit do. The caller logs and counts what would have been denied.
import { errorBody } from "./field.js";
import type { Verdict, Violation, Warning } from "./verdict.js";

/** What a warning starts with when deny mode would have denied. */
export const WOULD_DENY = "would deny:";

export interface Enforcement {
  /** deny: violations deny (the default); warn: every violation is only a warning. */
  readonly mode: "deny" | "warn";
  /** In deny mode, the rules whose violations are only warnings. */
  readonly warnOnly: ReadonlySet<string>;
}

/** A warning's message as reports print it beside its field: `would deny: ...` for an admitted denial. */
export const warningMessage = (w: Warning): string => (w.wouldDeny ? `${WOULD_DENY} ${w.message}` : w.message);

export const ENFORCE_ALL: Enforcement = { mode: "deny", warnOnly: new Set() };

export interface Enforced {
  readonly verdict: Verdict;
  /** The violations that were turned into warnings: what deny mode would have denied. */
  readonly wouldDeny: readonly Violation[];
}

const asWarning = ({ rule, error }: Violation): Warning => ({ rule, field: error.field, message: errorBody(error), wouldDeny: true });

/**
 * The verdict as enforced. Only denials change: allowed verdicts and rule failures (bugs, answered
 * as internal errors in every mode) pass as they are. A denial with some violations still enforced
 * stays a denial of those, and the others become warnings.
 */
export function enforce(verdict: Verdict, enforcement: Enforcement): Enforced {
  if (verdict.type !== "denied") return { verdict, wouldDeny: [] };
  const warned = (v: Violation): boolean => enforcement.mode === "warn" || enforcement.warnOnly.has(v.rule);
  const wouldDeny = verdict.violations.filter(warned);
  if (wouldDeny.length === 0) return { verdict, wouldDeny };
  const enforced = verdict.violations.filter((v) => !warned(v));
  const warnings = [...wouldDeny.map(asWarning), ...verdict.warnings];
  return {
    verdict: enforced.length > 0 ? { type: "denied", violations: enforced, warnings } : { type: "allowed", warnings, patch: [] },
    wouldDeny,
  };
}
