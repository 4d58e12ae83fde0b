// Validation of a defaulted object: the schema's findings, every rule's lookups under one deadline,
// then every rule's check; all findings of one request reported together, and the verdict decided once.
import type { KindName } from "../../schemas/kinds.js";
import { cloneJson, isRecord, sameJSON } from "../formats/json.js";
import { ReferenceSession } from "../references/session.js";
import { applyDefaults, schemaRule, type Admissible, type AdmissionInput, type Defaulted } from "./defaulting.js";
import { errorBody, valueAtField } from "./field.js";
import type { Finding } from "./finding.js";
import type { AdmissionOptions } from "./options.js";
import type { Check, KindAdmission, KindObject, RuleContext } from "./rule.js";
import { DEFAULT_RULE_SETTINGS } from "./settings.js";
import type { RuleFailure, Verdict, Violation, Warning } from "./verdict.js";

/**
 * Removes the values the schema refused, so rules only ever see data of the declared types; the
 * schema errors themselves are reported as they are.
 */
function withoutInvalidValues({ object, refused }: Defaulted): Record<string, unknown> {
  if (refused.length === 0) return object;
  const copy = cloneJson(object);
  for (const pointer of refused) {
    const parts = pointer
      .split("/")
      .slice(1)
      .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
    const last = parts.pop();
    if (last === undefined) continue;
    let node: unknown = copy;
    for (const p of parts) node = isRecord(node) ? node[p] : Array.isArray(node) ? node[Number(p)] : undefined;
    if (Array.isArray(node)) node[Number(last)] = undefined;
    else if (isRecord(node)) delete node[last];
  }
  return copy;
}

/**
 * The one place where checked JSON becomes the kind's type: the schema has validated it and refused
 * values are gone. Required fields may still be missing (they were reported), so rules read defensively.
 */
const asKindObject = <K extends KindName>(object: Record<string, unknown>): KindObject<K> => object as unknown as KindObject<K>;

const metadataName = (object: Record<string, unknown>): string | undefined =>
  isRecord(object.metadata) && typeof object.metadata.name === "string" ? object.metadata.name : undefined;

/**
 * Validation of an object the schema has defaulted and checked: the schema's errors, then every rule
 * (all gathers under one deadline, then every check), then UPDATE ratcheting.
 */
export async function validateDefaulted<K extends KindName>(
  admission: KindAdmission<K>,
  input: AdmissionInput<K>,
  start: Admissible,
  defaulted: Defaulted,
  options: AdmissionOptions,
): Promise<Verdict> {
  if (defaulted.omittedErrors > 0) {
    // More schema errors than an answer lists: the object is denied on those, and the rules' findings
    // would not be shown; judging them would only cost time.
    const violations = defaulted.schemaErrors.map((error) => ({ rule: schemaRule(input.kind), error }));
    return { type: "denied", violations, warnings: [], omitted: defaulted.omittedErrors };
  }
  const old = start.oldObject ? applyDefaults(admission, start.oldObject, options) : undefined;
  const ctx: RuleContext<KindObject<K>> = {
    operation: start.operation,
    object: asKindObject<K>(withoutInvalidValues(defaulted)),
    ...(old ? { oldObject: asKindObject<K>(withoutInvalidValues(old)) } : {}),
    name: input.name || metadataName(start.object) || "",
    namespace: input.namespace,
    settings: options.settings ?? DEFAULT_RULE_SETTINGS,
    disclosure: options.disclosure ?? "full",
  };

  const failures: RuleFailure[] = [];
  const fail = (rule: string, error: unknown): undefined => {
    failures.push({ rule, error });
    return undefined;
  };
  const session = new ReferenceSession(options.resolver, input.namespace, options.lookupTimeoutMs, options.observeLookup);
  // Each rule's check over what its own gather found; undefined where the rule failed.
  const checks: (Check | undefined)[] = [];
  try {
    const pending: Promise<void>[] = [];
    admission.rules.forEach((rule, i) => {
      // A prepare that throws before its first await is that rule's failure too, like one that rejects.
      try {
        const prepared = rule.prepare(ctx, session);
        if (typeof prepared === "function") checks[i] = prepared;
        else
          pending.push(
            prepared.then(
              (check) => {
                checks[i] = check;
              },
              (error: unknown) => fail(rule.id, error),
            ),
          );
      } catch (error) {
        fail(rule.id, error);
      }
    });
    await Promise.all(pending);
  } finally {
    session.close();
  }

  const violations: Violation[] = defaulted.schemaErrors.map((error) => ({ rule: schemaRule(input.kind), error }));
  const warnings = new Map<string, Warning>();
  admission.rules.forEach((rule, i) => {
    const check = checks[i];
    if (!check) return;
    let findings: readonly Finding[];
    try {
      findings = check();
    } catch (error) {
      fail(rule.id, error);
      return;
    }
    for (const f of findings) {
      if (f.severity === "error") violations.push({ rule: rule.id, error: f.error });
      else if (f.strict && options.strictReferences) violations.push({ rule: rule.id, error: f.strict });
      else warnings.set(`${f.field}\u0000${f.message}`, { rule: rule.id, field: f.field, message: f.message });
    }
  });
  const { denied, ratcheted } = old ? ratchet(violations, defaulted.object, old.object) : { denied: violations, ratcheted: [] };
  for (const w of ratcheted) warnings.set(`${w.field}\u0000${w.message}`, w);
  const warned = [...warnings.values()];
  if (failures.length > 0) return { type: "failed", failures, warnings: warned };
  if (denied.length > 0) return { type: "denied", violations: denied, warnings: warned };
  return { type: "allowed", warnings: warned, patch: [] };
}

/**
 * UPDATE ratcheting (README "Rules"), as the apiserver ratchets CRD validation: an error on a field
 * whose value is the same in the stored object (both after defaults) becomes a warning, so objects
 * created before this webhook stay updatable (labels, finalizers, `kubectl scale`, the operator's own
 * updates). Errors on changed fields, and so every transition rule, still deny.
 */
function ratchet(
  violations: readonly Violation[],
  object: Record<string, unknown>,
  oldObject: Record<string, unknown>,
): { denied: Violation[]; ratcheted: Warning[] } {
  const denied: Violation[] = [];
  const ratcheted: Warning[] = [];
  for (const v of violations) {
    const now = valueAtField(object, v.error.field);
    const before = valueAtField(oldObject, v.error.field);
    if (now && before && sameJSON(now.value, before.value)) {
      ratcheted.push({ rule: v.rule, field: v.error.field, message: `${UNCHANGED}: ${errorBody(v.error)}` });
    } else denied.push(v);
  }
  return { denied, ratcheted };
}

/** How a ratcheted error starts, so that it survives the 120-character cut of a warning. */
const UNCHANGED = "unchanged since before; not blocking";
