// Validation: defaults in memory, the schema, every rule's lookups under one deadline, then every
// rule's check; all findings of one request reported together, and the verdict decided once.
import type { KindName } from "../../schemas/kinds.js";
import { cloneJson, isRecord, sameJSON } from "../formats/json.js";
import type { ReferenceResolver } from "../references/resolver.js";
import { ReferenceSession, type LookupObserver } from "../references/session.js";
import { admissible, applyDefaults, isVerdict, schemaRule, type Admissible, type AdmissionInput, type Defaulted } from "./defaulting.js";
import { errorBody, valueAtField } from "./field.js";
import type { Finding } from "./finding.js";
import type { DefaultOptions, KindAdmission, KindObject, Registry, RuleContext } from "./rule.js";
import { DEFAULT_RULE_SETTINGS, type RuleSettings } from "./settings.js";
import type { RuleFailure, Verdict, Violation, Warning } from "./verdict.js";

export interface AdmissionOptions extends DefaultOptions {
  readonly resolver: ReferenceResolver;
  /** Every "absent" or "could not verify" warning becomes a denial (README "References"). */
  readonly strictReferences: boolean;
  readonly lookupTimeoutMs: number;
  readonly observeLookup?: LookupObserver;
  /** Thresholds and the target release for the rules; DEFAULT_RULE_SETTINGS when absent. */
  readonly settings?: RuleSettings;
}

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

export async function validate<K extends KindName>(input: AdmissionInput<K>, registry: Registry, options: AdmissionOptions): Promise<Verdict> {
  const start = admissible(input);
  if (isVerdict(start)) return start;
  return judge(registry[input.kind], input, start, options);
}

async function judge<K extends KindName>(
  admission: KindAdmission<K>,
  input: AdmissionInput<K>,
  start: Admissible,
  options: AdmissionOptions,
): Promise<Verdict> {
  const defaulted = applyDefaults(admission, start.object, options);
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
  };

  const failures: RuleFailure[] = [];
  const failed = new Set<string>();
  const fail = (rule: string, error: unknown): void => {
    failures.push({ rule, error });
    failed.add(rule);
  };
  const session = new ReferenceSession(options.resolver, input.namespace, options.lookupTimeoutMs, options.observeLookup);
  try {
    const gathering: Promise<unknown>[] = [];
    for (const rule of admission.rules) {
      if (!rule.gather) continue;
      // A gather that throws before its first await is that rule's failure too, like one that rejects.
      try {
        gathering.push(rule.gather(ctx, session).catch((error: unknown) => fail(rule.id, error)));
      } catch (error) {
        fail(rule.id, error);
      }
    }
    await Promise.all(gathering);
  } finally {
    session.close();
  }

  const violations: Violation[] = defaulted.schemaErrors.map((error) => ({ rule: schemaRule(input.kind), error }));
  const warnings = new Map<string, Warning>();
  for (const rule of admission.rules) {
    if (failed.has(rule.id)) continue;
    let findings: readonly Finding[];
    try {
      findings = rule.check(ctx, session.resolved);
    } catch (error) {
      fail(rule.id, error);
      continue;
    }
    for (const f of findings) {
      if (f.severity === "error") violations.push({ rule: rule.id, error: f.error });
      else if (f.strict && options.strictReferences) violations.push({ rule: rule.id, error: f.strict });
      else warnings.set(`${f.field}\u0000${f.message}`, { rule: rule.id, field: f.field, message: f.message });
    }
  }
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
