// Test support: run the real pipeline over an object with a fixed cluster state.
import type { Backup, Cluster, ScheduledBackup } from "../../generated/types/index.js";
import type { KindName } from "../../schemas/kinds.js";
import { API_VERSION } from "../../schemas/kinds.js";
import { errorString } from "../../webhook/admission/field.js";
import { admit, type AdmissionOutcome } from "../../webhook/admission/pipeline.js";
import { absent, present, unknown, type Lookup, type ReferenceResolver, type SecretKeys } from "../../webhook/references/resolver.js";

export const DEFAULT_IMAGE = "quay.io/enterprisedb/postgresql:13";

export interface ClusterState {
  secrets?: Record<string, string[]>;
  clusters?: Cluster[];
  backups?: Backup[];
  /** Everything not listed is unknown (no cluster) instead of absent. */
  unreachable?: boolean;
}

/** A resolver over fixed objects in one namespace ("default"). */
export function stateResolver(state: ClusterState): ReferenceResolver {
  const miss = (): Lookup<never> => (state.unreachable ? unknown("no cluster") : absent);
  const byName = <T extends { metadata?: { name?: string } }>(list: T[] | undefined, name: string): Lookup<T> => {
    const o = list?.find((x) => x.metadata?.name === name);
    return o ? present(structuredClone(o)) : miss();
  };
  return {
    source: "test state",
    secret: async (ns, name): Promise<Lookup<SecretKeys>> =>
      ns === "default" && state.secrets?.[name] ? present({ name, keys: state.secrets[name]! }) : miss(),
    cluster: async (ns, name) => (ns === "default" ? byName(state.clusters, name) : miss()),
    backup: async (ns, name) => (ns === "default" ? byName(state.backups, name) : miss()),
  };
}

export interface Verdict {
  allowed: boolean;
  /** `field: message` lines, as apimachinery prints them. */
  errors: string[];
  fields: string[];
  warnings: string[];
  outcome: AdmissionOutcome;
}

export async function check(
  kind: KindName,
  object: unknown,
  opts: { state?: ClusterState; operation?: "CREATE" | "UPDATE"; old?: unknown; strict?: boolean; namespace?: string } = {},
): Promise<Verdict> {
  const outcome = await admit(
    { kind, operation: opts.operation ?? "CREATE", object, oldObject: opts.old, namespace: opts.namespace ?? "default" },
    { defaultImage: DEFAULT_IMAGE, resolver: stateResolver(opts.state ?? {}), strictReferences: opts.strict ?? false, lookupTimeoutMs: 1000 },
  );
  return { allowed: outcome.allowed, errors: outcome.errors.map(errorString), fields: outcome.errors.map((e) => e.field), warnings: [...outcome.warnings], outcome };
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
