// The objects rules may look up, in one table: where the API serves each, the verbs the webhook
// needs on it, and what is kept of it. Resolvers, the fake API server of the tests and the install's
// ClusterRole derive from it.
import type { Backup, BackupStatus, BarmanObjectStoreConfiguration, Cluster, ObjectMeta } from "../../generated/types/index.js";
import { GROUP, VERSION } from "../../schemas/kinds.js";
import { isRecord } from "../formats/json.js";
import { hotStandbySettings } from "../postgres/hotstandby.js";

/** All that is ever kept of a Secret: its name and key names. Values never leave the resolver. */
export interface SecretKeys {
  readonly name: string;
  readonly keys: readonly string[];
}

/** The metadata kept of a cached object: who it is, and which version of it. */
export type KeptMeta = Pick<ObjectMeta, "name" | "namespace" | "uid" | "resourceVersion" | "creationTimestamp"> & { deletionTimestamp?: string };

/** The settings a recovery compares with the Backup's source Cluster: 13's list holds every major's. */
const HOT_STANDBY_SETTINGS: ReadonlySet<string> = new Set(hotStandbySettings(13));

/**
 * What is kept of a Cluster (README "References"): what rules read of another Cluster. Its object
 * store (the WAL-archive rule); its image and hot-standby settings (a recovery from its Backups); its
 * target primary (a Backup of it fails without one). `status` only from the API: the files given to
 * `validate` say what is wanted, not what the operator has done.
 */
export interface KeptCluster extends Pick<Cluster, "apiVersion" | "kind"> {
  metadata?: KeptMeta;
  spec?: {
    imageName?: string;
    postgresql?: { parameters?: Record<string, string> };
    backup?: { barmanObjectStore?: BarmanObjectStoreConfiguration };
  };
  status?: { targetPrimary: string };
}

/** The status fields rules read (a Pick: BackupStatus is open, and an Omit of an open type keeps no named field). */
type KeptBackupStatusField =
  | "s3Credentials"
  | "endpointURL"
  | "destinationPath"
  | "serverName"
  | "encryption"
  | "backupId"
  | "phase"
  | "startedAt"
  | "stoppedAt"
  | "error";

/** What is kept of a Backup: its cluster and its status, without barman's command output (kilobytes of log). */
export interface KeptBackup extends Pick<Backup, "apiVersion" | "kind" | "spec"> {
  metadata?: KeptMeta;
  status?: Pick<BackupStatus, KeptBackupStatusField>;
}

export interface ReferenceKindInfo {
  /** API group ("" is the core group) and version, as in RBAC rules and REST paths. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  /** What the webhook may do: Secrets are read by name only, never listed (README "References"). */
  readonly verbs: readonly ("get" | "list" | "watch")[];
}

export const REFERENCE_KINDS = {
  Secret: { group: "", version: "v1", plural: "secrets", verbs: ["get"] },
  Cluster: { group: GROUP, version: VERSION, plural: "clusters", verbs: ["get", "list", "watch"] },
  Backup: { group: GROUP, version: VERSION, plural: "backups", verbs: ["get", "list", "watch"] },
} as const satisfies Record<string, ReferenceKindInfo>;

export type ReferenceKind = keyof typeof REFERENCE_KINDS;

/** The kinds the webhook lists and watches (caches, and the cluster-wide index of the WAL-archive rule). */
export type CachedKind = "Cluster" | "Backup";
export const CACHED_KINDS: readonly CachedKind[] = ["Cluster", "Backup"];

/** What a lookup of each kind yields. */
export interface ReferenceObjects {
  Secret: SecretKeys;
  Cluster: KeptCluster;
  Backup: KeptBackup;
}
type Exhaustive<T extends Record<ReferenceKind, unknown>> = T;
export type ReferenceObject<K extends ReferenceKind> = Exhaustive<ReferenceObjects>[K];

export const REFERENCE_KIND_NAMES = Object.keys(REFERENCE_KINDS) as ReferenceKind[];

/** `v1` or `postgresql.k8s.enterprisedb.io/v1alpha1`, as objects of the kind carry it. */
export const apiVersionOf = (kind: ReferenceKind): string => {
  const { group, version } = REFERENCE_KINDS[kind];
  return group === "" ? version : `${group}/${version}`;
};

/** The REST path of a kind's collection: all namespaces, or one. */
export const collectionPath = (kind: ReferenceKind, namespace?: string): string => {
  const { group, version, plural } = REFERENCE_KINDS[kind];
  const base = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
  return namespace === undefined ? `${base}/${plural}` : `${base}/namespaces/${namespace}/${plural}`;
};

/** The REST path of one object. */
export const objectPath = (kind: ReferenceKind, namespace: string, name: string): string => `${collectionPath(kind, namespace)}/${name}`;

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function keptMeta(metadata: unknown): KeptMeta {
  const m = isRecord(metadata) ? metadata : {};
  const kept: KeptMeta = {};
  for (const field of ["name", "namespace", "uid", "resourceVersion", "creationTimestamp", "deletionTimestamp"] as const) {
    const value = text(m[field]);
    if (value !== undefined) kept[field] = value;
  }
  return kept;
}

/**
 * What every resolver keeps of an object, applied where the object arrives (API answer, watch event,
 * manifest file), so that rules see the same fields whichever source answered. Values of the kept
 * fields are not checked here: rules read referenced objects defensively.
 */
export const keep: { readonly [K in ReferenceKind]: (raw: Record<string, unknown>) => ReferenceObjects[K] } = {
  Secret: (raw) => {
    const keys = [raw.data, raw.stringData].flatMap((m) => (isRecord(m) ? Object.keys(m) : []));
    // Only key names survive this line; the values go out of scope with `raw`.
    return { name: text(keptMeta(raw.metadata).name) ?? "", keys: [...new Set(keys)].sort() };
  },
  Cluster: (raw) => {
    const spec = isRecord(raw.spec) ? raw.spec : {};
    const backup = isRecord(spec.backup) ? spec.backup : undefined;
    const store = backup && isRecord(backup.barmanObjectStore) ? (backup.barmanObjectStore as unknown as BarmanObjectStoreConfiguration) : undefined;
    const parameters = isRecord(spec.postgresql) && isRecord(spec.postgresql.parameters) ? spec.postgresql.parameters : {};
    const hotStandby = Object.entries(parameters).filter(([k, v]) => HOT_STANDBY_SETTINGS.has(k.toLowerCase()) && typeof v === "string");
    const imageName = text(spec.imageName);
    return {
      apiVersion: text(raw.apiVersion) ?? apiVersionOf("Cluster"),
      kind: "Cluster",
      metadata: keptMeta(raw.metadata),
      spec: {
        ...(imageName !== undefined ? { imageName } : {}),
        ...(hotStandby.length > 0 ? { postgresql: { parameters: Object.fromEntries(hotStandby) as Record<string, string> } } : {}),
        ...(backup ? { backup: store ? { barmanObjectStore: store } : {} } : {}),
      },
      // A Cluster the operator has not bootstrapped yet has no status at all: no primary either.
      status: { targetPrimary: (isRecord(raw.status) ? text(raw.status.targetPrimary) : undefined) ?? "" },
    };
  },
  Backup: (raw) => {
    const kept: KeptBackup = {
      apiVersion: text(raw.apiVersion) ?? apiVersionOf("Backup"),
      kind: "Backup",
      metadata: keptMeta(raw.metadata),
      spec: (isRecord(raw.spec) ? { cluster: raw.spec.cluster } : {}) as Backup["spec"],
    };
    if (isRecord(raw.status)) {
      const { commandOutput: _output, commandError: _error, ...status } = raw.status;
      kept.status = status as KeptBackup["status"];
    }
    return kept;
  },
};
