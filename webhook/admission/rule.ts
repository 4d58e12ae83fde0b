// The admission of one kind, in controller-runtime's shape: defaults first, then rules, each rule a
// small function that may declare the lookups it reads.
import type { Backup, Cluster, ScheduledBackup } from "../../generated/types/index.js";
import type { CompiledValidator } from "../../generated/validators/index.js";
import type { KindName } from "../../schemas/kinds.js";
import type { Lookups } from "../references/session.js";
import type { Finding } from "./finding.js";
import type { RuleSettings } from "./settings.js";

export type Operation = "CREATE" | "UPDATE";

/** The object type of each kind; a kind missing here is a compile error. */
interface KindObjects {
  Cluster: Cluster;
  Backup: Backup;
  ScheduledBackup: ScheduledBackup;
}
type Exhaustive<T extends Record<KindName, unknown>> = T;
export type KindObject<K extends KindName> = Exhaustive<KindObjects>[K];

export interface DefaultOptions {
  /** The image for a Cluster without imageName (flag --default-image). */
  readonly defaultImage: string;
}

/**
 * How much a message may tell of what the lookups found (README "Who may ask"). `full`: the caller is
 * the apiserver (its client certificate verified against --client-ca), or the user's own `validate` and
 * `audit`. `restricted`: anyone who reaches the port; a message then names nothing outside the request's
 * namespace and quotes no free text a looked-up object stores (a Backup's error, the archive it
 * recorded) nor what a Secret holds (its keys). Only the wording differs: the verdict is the same.
 */
export type Disclosure = "full" | "restricted";

/** What a rule knows of the request. */
export interface RuleContext<T> {
  readonly operation: Operation;
  /** The object after defaulting, with schema-invalid values removed: rules see well-typed data. */
  readonly object: T;
  /** UPDATE only: the stored object, defaulted the same way. */
  readonly oldObject?: T;
  readonly name: string;
  readonly namespace: string;
  /** Thresholds and the target operator release (flags of serve and validate). */
  readonly settings: RuleSettings;
  readonly disclosure: Disclosure;
}

/** What the rule catalog says of a rule (README "Rules", `cnp-webhook rules`, SARIF). */
export interface RuleInfo {
  /** Stable ID for logs, metrics and `validate` output: `cluster/image-tag`. */
  readonly id: string;
  /** Whether its findings deny, warn, or either depending on the case. */
  readonly severity: "deny" | "warn" | "deny or warn";
  /** One line: what it checks and why. */
  readonly summary: string;
  /** The operator behaviour it protects against. */
  readonly protects: string;
  /** Where that behaviour is in the operator's (or barman-cloud's, botocore's) code: docs/operator-0.5.md. */
  readonly source: string;
}

/** What a rule found, once its lookups have settled. */
export type Check = () => readonly Finding[];

/**
 * A rule as the pipeline runs it. `prepare` starts the lookups the rule reads (every rule's before any
 * check, under the admission's one lookup deadline) and returns its check over what they found. Built
 * with `ruleFor`, so that a check receives exactly what its own gather returned.
 */
export interface Rule<T> extends RuleInfo {
  readonly prepare: (ctx: RuleContext<T>, lookups: Lookups) => Check | Promise<Check>;
}

/** A rule over the request alone. */
export interface PureRuleSpec<T> extends RuleInfo {
  readonly check: (ctx: RuleContext<T>) => readonly Finding[];
}

/** A rule over the request and what its `gather` looked up: `check` receives that value, typed. */
export interface LookupRuleSpec<T, G> extends RuleInfo {
  readonly gather: (ctx: RuleContext<T>, lookups: Lookups) => Promise<G>;
  readonly check: (ctx: RuleContext<T>, gathered: G) => readonly Finding[];
}

/** Builds the rules of one kind: `check` receives, typed, what `gather` returned. */
export interface RuleBuilder<T> {
  <G>(spec: LookupRuleSpec<T, G>): Rule<T>;
  (spec: PureRuleSpec<T>): Rule<T>;
}

/** The rule builder of a kind: `const clusterRule = ruleFor<Cluster>()`. */
export const ruleFor = <T>(): RuleBuilder<T> => defineRule;

function defineRule<T, G>(spec: LookupRuleSpec<T, G>): Rule<T>;
function defineRule<T>(spec: PureRuleSpec<T>): Rule<T>;
function defineRule<T, G>(spec: PureRuleSpec<T> | LookupRuleSpec<T, G>): Rule<T> {
  const { id, severity, summary, protects, source } = spec;
  const info: RuleInfo = { id, severity, summary, protects, source };
  if (!("gather" in spec)) return { ...info, prepare: (ctx) => () => spec.check(ctx) };
  return {
    ...info,
    prepare: async (ctx, lookups) => {
      const gathered = await spec.gather(ctx, lookups);
      return () => spec.check(ctx, gathered);
    },
  };
}

/** Defaulting and validation of one kind. */
export interface KindAdmission<K extends KindName> {
  readonly kind: K;
  /** The schema: validates in place and fills its constant defaults. */
  readonly validator: CompiledValidator;
  /**
   * Defaults the schema cannot state because they depend on other fields or flags; runs before the
   * schema's, on JSON that has not been validated yet.
   */
  readonly deriveDefaults: (object: Record<string, unknown>, options: DefaultOptions) => void;
  /** Defaults that depend on the schema's own defaults (initdb owner = database). */
  readonly finishDefaults?: (object: Record<string, unknown>) => void;
  readonly rules: readonly Rule<KindObject<K>>[];
}

/** One catalog entry: a rule of one kind. */
export interface CatalogEntry extends RuleInfo {
  readonly kind: KindName;
}

/** Every kind's admission: the composition root hands one to the server and to `validate`. */
export type Registry = { readonly [K in KindName]: KindAdmission<K> };
