// Test support: run the real defaulting and validation over an object, in memory, with a fixed
// cluster state; and objects every rule admits, to vary one field at a time.
import type { Backup, Cluster, ScheduledBackup } from "../../generated/types/index.js";
import { API_VERSION, type KindName } from "../../schemas/kinds.js";
import type { AdmissionInput } from "../../webhook/admission/defaulting.js";
import type { Enforcement } from "../../webhook/admission/enforcement.js";
import { errorBody, errorString, warningText, type ErrorType } from "../../webhook/admission/field.js";
import type { Disclosure, Registry } from "../../webhook/admission/rule.js";
import { DEFAULT_RULE_SETTINGS, type RuleSettings } from "../../webhook/admission/settings.js";
import { judge as judgeInput } from "../../webhook/admission/judge.js";
import type { AdmissionOptions } from "../../webhook/admission/options.js";
import type { PatchOperation, Verdict } from "../../webhook/admission/verdict.js";
import { DEFAULT_POSTGRES_IMAGE } from "../../webhook/deployment.js";
import { keep, type ReferenceKind, type ReferenceObjects } from "../../webhook/references/reference-kinds.js";
import { IndexedEntries, type Indexed } from "../../webhook/references/store.js";
import { absent, present, unknown, type Lookup, type ReferenceResolver } from "../../webhook/references/resolver.js";
import { RULES } from "../../webhook/rules/registry.js";

export interface ClusterState {
  secrets?: Record<string, string[]>;
  clusters?: Cluster[];
  backups?: Backup[];
  /** Everything not listed is unknown (no cluster) instead of absent. */
  unreachable?: boolean;
}

/**
 * A resolver over fixed objects, kept as every resolver keeps them (kinds.ts `keep`); names are
 * looked up in "default", indexes across every namespace the objects name. It counts its lookups.
 */
export function stateResolver(state: ClusterState): ReferenceResolver & { calls: { kind: ReferenceKind | "index"; name: string }[] } {
  const calls: { kind: ReferenceKind | "index"; name: string }[] = [];
  const miss = (): Lookup<never> => (state.unreachable ? unknown("no cluster") : absent);
  const namespaceOf = (o: { metadata?: { namespace?: string } }): string => o.metadata?.namespace ?? "default";
  const byName = <K extends "Cluster" | "Backup">(kind: K, list: (Cluster | Backup)[] | undefined, name: string): Lookup<ReferenceObjects[K]> => {
    const o = list?.find((x) => x.metadata?.name === name && namespaceOf(x) === "default");
    return o ? present(keep[kind](structuredClone(o) as unknown as Record<string, unknown>)) : miss();
  };
  const find: { [K in ReferenceKind]: (name: string) => Lookup<ReferenceObjects[K]> } = {
    Secret: (name) => (state.secrets?.[name] ? present({ name, keys: state.secrets[name] ?? [] }) : miss()),
    Cluster: (name) => byName("Cluster", state.clusters, name),
    Backup: (name) => byName("Backup", state.backups, name),
  };
  const indexed = new IndexedEntries(() => [
    ...(state.clusters ?? []).map(
      (o): Indexed => ({ kind: "Cluster", namespace: namespaceOf(o), name: o.metadata?.name ?? "", object: keep.Cluster(o as never) }),
    ),
    ...(state.backups ?? []).map(
      (o): Indexed => ({ kind: "Backup", namespace: namespaceOf(o), name: o.metadata?.name ?? "", object: keep.Backup(o as never) }),
    ),
  ]);
  return {
    source: "test state",
    calls,
    async lookup(kind, namespace, name) {
      calls.push({ kind, name });
      return namespace === "default" ? find[kind](name) : miss();
    },
    async lookupIndex(index, key) {
      calls.push({ kind: "index", name: `${index.name}/${key}` });
      return state.unreachable ? unknown("no cluster") : present(indexed.lookup(index, key));
    },
    close: () => {},
  };
}

/** One finding, as tests compare them: the rule, apimachinery's error type and the field. */
export interface Found {
  readonly rule: string;
  readonly type?: ErrorType;
  readonly field: string;
  readonly message: string;
}

export interface Checked {
  readonly allowed: boolean;
  readonly verdict: Verdict;
  readonly violations: readonly Found[];
  /** `field: message` lines, as apimachinery prints them. */
  readonly errors: readonly string[];
  readonly fields: readonly string[];
  readonly warningFindings: readonly Found[];
  /** As the webhook sends them: `field: message`, at most 120 characters. */
  readonly warnings: readonly string[];
  /** What the mutating webhook would answer. */
  readonly patch: readonly PatchOperation[];
}

export interface CheckOptions {
  state?: ClusterState;
  resolver?: ReferenceResolver;
  operation?: "CREATE" | "UPDATE";
  old?: unknown;
  strict?: boolean;
  namespace?: string;
  defaultImage?: string;
  lookupTimeoutMs?: number;
  registry?: Registry;
  /** Replaces some of the default rule settings (release 0.5, 5m, 1h). */
  settings?: Partial<RuleSettings>;
  enforcement?: Enforcement;
  honourIgnoreAnnotation?: boolean;
  /** What messages may tell of looked-up objects (default full, as `validate` and `audit`). */
  disclosure?: Disclosure;
}

export const admissionOptions = (opts: CheckOptions = {}): AdmissionOptions => ({
  defaultImage: opts.defaultImage ?? DEFAULT_POSTGRES_IMAGE,
  resolver: opts.resolver ?? stateResolver(opts.state ?? {}),
  strictReferences: opts.strict ?? false,
  lookupTimeoutMs: opts.lookupTimeoutMs ?? 1000,
  settings: { ...DEFAULT_RULE_SETTINGS, ...opts.settings },
  ...(opts.disclosure ? { disclosure: opts.disclosure } : {}),
});

/** The mutating and the validating webhook over `object`, in memory, through the one `judge`. */
export async function check(kind: KindName, object: unknown, opts: CheckOptions = {}): Promise<Checked> {
  const input: AdmissionInput = { kind, operation: opts.operation ?? "CREATE", object, oldObject: opts.old, namespace: opts.namespace ?? "default" };
  const { verdict, patch } = await judgeInput(input, {
    registry: opts.registry ?? RULES,
    options: admissionOptions(opts),
    ...(opts.enforcement ? { enforcement: opts.enforcement } : {}),
    honourIgnoreAnnotation: opts.honourIgnoreAnnotation ?? false,
  });
  const violations = verdict.type === "denied" ? verdict.violations : [];
  return {
    allowed: verdict.type === "allowed",
    verdict,
    violations: violations.map((v) => ({ rule: v.rule, type: v.error.type, field: v.error.field, message: errorBody(v.error) })),
    errors: violations.map((v) => errorString(v.error)),
    fields: violations.map((v) => v.error.field),
    warningFindings: verdict.warnings.map((w) => ({ rule: w.rule, field: w.field, message: w.message })),
    warnings: [...new Set(verdict.warnings.map((w) => warningText(w.field, w.message)))],
    patch,
  };
}

export const CREDS_SECRET = "aws-creds";
export const CREDS_KEYS = ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"];

/** A Cluster that every rule admits, given the Secret `aws-creds` with both keys. */
export function validCluster(name = "pg"): Cluster {
  return {
    apiVersion: API_VERSION,
    kind: "Cluster",
    metadata: { name, namespace: "default" },
    spec: {
      instances: 3,
      imageName: "quay.io/enterprisedb/postgresql:13.2",
      storage: { size: "1Gi" },
      backup: {
        barmanObjectStore: {
          destinationPath: "s3://backups/pg",
          s3Credentials: { accessKeyId: { name: CREDS_SECRET, key: "ACCESS_KEY_ID" }, secretAccessKey: { name: CREDS_SECRET, key: "ACCESS_SECRET_KEY" } },
          wal: { compression: "gzip", encryption: "AES256" },
        },
      },
    },
    // Bootstrapped, as the operator records it: as cluster state, a Backup of it runs at once.
    status: { targetPrimary: `${name}-1` },
  };
}

export function validBackup(name = "backup-example", cluster = "pg"): Backup {
  return { apiVersion: API_VERSION, kind: "Backup", metadata: { name, namespace: "default" }, spec: { cluster: { name: cluster } } };
}

export function validScheduledBackup(name = "nightly", cluster = "pg", schedule = "0 0 0 * * *"): ScheduledBackup {
  return { apiVersion: API_VERSION, kind: "ScheduledBackup", metadata: { name, namespace: "default" }, spec: { schedule, cluster: { name: cluster } } };
}

/** A completed Backup as the operator records it (the seed's `kubectl describe` output). */
export function completedBackup(name = "backup-example", cluster = "pg-old"): Backup {
  return {
    ...validBackup(name, cluster),
    status: {
      phase: "completed",
      backupId: "20201026T135740",
      destinationPath: "s3://backups/",
      endpointURL: "http://minio:9000",
      serverName: cluster,
      s3Credentials: { accessKeyId: { name: "minio", key: "ACCESS_KEY_ID" }, secretAccessKey: { name: "minio", key: "ACCESS_SECRET_KEY" } },
      startedAt: "2020-10-26T13:57:40Z",
      stoppedAt: "2020-10-26T13:57:44Z",
    },
  };
}

/** Deep-sets `path` (dot-separated) on a copy of `obj`; `undefined` deletes. */
export function withField<T>(obj: T, path: string, value: unknown): T {
  const copy = structuredClone(obj) as Record<string, unknown>;
  const parts = path.split(".");
  let node = copy;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== "object" || node[p] === null) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1]!;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy as T;
}

/** A verdict as rule tests compare it: `[rule, error type, field]` per error, `[rule, field]` per warning. */
export interface Summary {
  readonly denied: readonly (readonly [string, string | undefined, string])[];
  readonly warned: readonly (readonly [string, string])[];
}

const summary = (c: Checked): Summary => ({
  denied: c.violations.map((v) => [v.rule, v.type, v.field] as const),
  warned: c.warningFindings.map((w) => [w.rule, w.field] as const),
});

/** `check` and then `summary`: what a rule test asserts on. */
export const judge = async (kind: KindName, object: unknown, opts: CheckOptions = {}): Promise<Summary> => summary(await check(kind, object, opts));
