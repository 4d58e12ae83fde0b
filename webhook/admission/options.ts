// What every admission is judged with besides the object: defaults, the resolver and its deadline,
// strictness, and the rules' settings (flags of serve, validate and audit).
import type { ReferenceResolver } from "../references/resolver.js";
import type { LookupObserver } from "../references/session.js";
import type { DefaultOptions } from "./rule.js";
import type { RuleSettings } from "./settings.js";

export interface AdmissionOptions extends DefaultOptions {
  readonly resolver: ReferenceResolver;
  /** Every "absent" or "could not verify" warning becomes a denial (README "References"). */
  readonly strictReferences: boolean;
  readonly lookupTimeoutMs: number;
  readonly observeLookup?: LookupObserver;
  /** Thresholds and the target release for the rules; DEFAULT_RULE_SETTINGS when absent. */
  readonly settings?: RuleSettings;
}
