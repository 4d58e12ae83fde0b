// The one way an object is judged (README "HTTP API"): the server, `validate`, `audit` and the tests
// all call `judge`, as every controller-runtime webhook goes through one Handle. Defaults first (the
// mutating webhook's patch), then validation of the defaulted object, then the object's ignore
// annotation (when honoured), then the enforcement mode.
import type { KindName } from "../../schemas/kinds.js";
import { type AdmissionInput, admissible, applyDefaults, isVerdict } from "./defaulting.js";
import { ENFORCE_ALL, enforce, type Enforcement } from "./enforcement.js";
import { ignoredRules, withoutIgnoredRules, type WithoutIgnored } from "./ignore.js";
import type { Registry } from "./rule.js";
import type { AdmissionOptions } from "./options.js";
import { validateDefaulted } from "./validation.js";
import { allowed, type PatchOperation, type Verdict, type Violation } from "./verdict.js";
import jsonpatch from "fast-json-patch";

/** What every face sets the same way for the same verdict. */
export interface JudgeContext {
  readonly registry: Registry;
  readonly options: AdmissionOptions;
  /** deny (default), warn, or warn for some rules (README "Rolling out"). */
  readonly enforcement?: Enforcement;
  /** Honour the annotation cnp-webhook.io/ignore: always in `validate`, with --allow-ignore-annotation in `serve` and `audit`. */
  readonly honourIgnoreAnnotation?: boolean;
}

/** Which webhook's answer is wanted: the server asks one per path, the offline faces both. */
export type Steps = "mutate" | "validate" | "both";

export interface Judgement {
  /** The verdict as enforced: ignored rules left out, warn-mode denials turned into warnings. */
  readonly verdict: Verdict;
  /** What the mutating webhook adds (RFC 6902); [] when only validation was asked for. */
  readonly patch: readonly PatchOperation[];
  /** What deny mode would have denied and the enforcement mode admitted. */
  readonly wouldDeny: readonly Violation[];
  /** What the ignore annotation left out. */
  readonly ignored: WithoutIgnored["ignored"];
}

const NOTHING_IGNORED: WithoutIgnored["ignored"] = { violations: [], warnings: [] };

export async function judge<K extends KindName>(input: AdmissionInput<K>, context: JudgeContext, steps: Steps = "both"): Promise<Judgement> {
  const start = admissible(input);
  if (isVerdict(start)) return finish(start, [], input, context);
  const admission = context.registry[input.kind];
  const defaulted = applyDefaults(admission, start.object, context.options);
  const patch = steps === "validate" ? [] : jsonpatch.compare(start.object, defaulted.object);
  if (steps === "mutate") return { verdict: allowed([], patch), patch, wouldDeny: [], ignored: NOTHING_IGNORED };
  const verdict = await validateDefaulted(admission, input, start, defaulted, context.options);
  return finish(verdict, patch, input, context);
}

/** Annotated exemptions first, then enforcement: an ignored rule neither denies nor counts as a would-be denial. */
function finish(verdict: Verdict, patch: readonly PatchOperation[], input: AdmissionInput, context: JudgeContext): Judgement {
  const { verdict: unignored, ignored } = context.honourIgnoreAnnotation
    ? withoutIgnoredRules(verdict, ignoredRules(input.object))
    : { verdict, ignored: NOTHING_IGNORED };
  const enforced = enforce(unignored, context.enforcement ?? ENFORCE_ALL);
  return { verdict: enforced.verdict, patch, wouldDeny: enforced.wouldDeny, ignored };
}
