// What every admission is judged with besides the object: defaults, the resolver and its deadline,
// strictness, the rules' settings, and what messages may disclose (flags of serve, validate and audit).
import type { ReferenceResolver } from "../references/resolver.js";
import type { LookupObserver } from "../references/session.js";
import type { DefaultOptions, Disclosure } from "./rule.js";
import type { RuleSettings } from "./settings.js";

export interface AdmissionOptions extends DefaultOptions {
  readonly resolver: ReferenceResolver;
  /** Every "absent" or "could not verify" warning becomes a denial (README "References"). */
  readonly strictReferences: boolean;
  readonly lookupTimeoutMs: number;
  readonly observeLookup?: LookupObserver;
  /** Thresholds and the target release for the rules; DEFAULT_RULE_SETTINGS when absent. */
  readonly settings?: RuleSettings;
  /** What messages may tell of looked-up objects: `full` when absent; `serve` without --client-ca sets `restricted`. */
  readonly disclosure?: Disclosure;
}
