// What a release of the operator ignores or does differently (README "Rules", flag --operator-version).
// One row per behaviour: what the releases before `changedIn` do, and the first release that does
// otherwise. Facts and sources: docs/operator-0.5.md §1, §2 and §4 ("first tag" = the first minor
// (or, where noted, patch) tag whose code changed, as `git show <tag>:<file>` of cloudnative-pg shows).

export type ReleaseFactId = "suspend-ignored" | "data-options-ignored" | "no-session-token" | "wal-replay-from-cluster-name";

export interface ReleaseFact {
  readonly id: ReleaseFactId;
  /** What the releases before `changedIn` do. */
  readonly behaviour: string;
  /** The first release that behaves otherwise. */
  readonly changedIn: string;
  /** Where the code shows it. */
  readonly source: string;
}

export const RELEASE_FACTS: readonly ReleaseFact[] = [
  {
    id: "suspend-ignored",
    behaviour: "ScheduledBackup.spec.suspend is never read: backups keep being taken",
    changedIn: "1.8.0",
    source: "cnp v0.5.0 api/v1alpha1/scheduledbackup_types.go:61 IsSuspended has no caller; v1.8.0 controllers/scheduledbackup_controller.go:66 calls it",
  },
  {
    id: "data-options-ignored",
    behaviour: "barmanObjectStore.data.jobs and data.immediateCheckpoint are not passed to barman-cloud-backup",
    changedIn: "1.5.0",
    source: "cnp v0.5.0 pkg/management/postgres/backup.go:72-99; v1.5.0 backup.go:136-145 passes --immediate-checkpoint and --jobs",
  },
  {
    id: "no-session-token",
    behaviour: "s3Credentials has no sessionToken: the apiserver prunes it and no Pod gets AWS_SESSION_TOKEN",
    changedIn: "1.15.0",
    source: "cnp v0.5.0 api/v1alpha1/cluster_types.go:421-427 S3Credentials; v1.15.0 api/v1/cluster_types.go adds SessionToken",
  },
  {
    id: "wal-replay-from-cluster-name",
    behaviour: "a recovery replays WAL from <destinationPath>/<the Backup's spec.cluster.name>, not from its status.serverName",
    changedIn: "1.15.2",
    source: "cnp v0.5.0 pkg/management/postgres/restore.go:142 writeRestoreWalConfig; v1.15.2 and v1.16.0 use backup.Status.ServerName",
  },
];

/**
 * Spec fields of Backup and ScheduledBackup that later releases added: release 0.5's CRDs keep them
 * (v1beta1, no preserveUnknownFields: false) and its controllers ignore them. Each with the first minor
 * tag whose api/v1 types have it.
 */
export const LATER_SPEC_FIELDS: { readonly [kind in "Backup" | "ScheduledBackup"]: Readonly<Record<string, string>> } = {
  Backup: { method: "1.21.0", target: "1.20.0", online: "1.22.0", onlineConfiguration: "1.22.0", pluginConfiguration: "1.23.0" },
  ScheduledBackup: {
    immediate: "1.8.0",
    backupOwnerReference: "1.16.0",
    method: "1.21.0",
    target: "1.20.0",
    online: "1.22.0",
    onlineConfiguration: "1.22.0",
    pluginConfiguration: "1.23.0",
  },
};

/** The releases `--operator-version` knows: every other fact the rules rely on is verified for these only. */
export const KNOWN_OPERATOR_VERSIONS = ["0.5"] as const;
export type OperatorVersion = (typeof KNOWN_OPERATOR_VERSIONS)[number];
export const DEFAULT_OPERATOR_VERSION: OperatorVersion = "0.5";

/** The target release, as the rules see it: which of the facts above hold for it. */
export interface Release {
  readonly version: string;
  readonly facts: ReadonlySet<ReleaseFactId>;
}

/** Whether `version` (`0.5`, `1.15.2`) comes before `changedIn`, component by component. */
export function isBefore(version: string, changedIn: string): boolean {
  const a = version.split(".").map(Number);
  const b = changedIn.split(".").map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y;
  }
  return false;
}

export const isKnownOperatorVersion = (version: string): version is OperatorVersion => (KNOWN_OPERATOR_VERSIONS as readonly string[]).includes(version);

/** The facts that hold for a known release. */
export function release(version: OperatorVersion): Release {
  return { version, facts: new Set(RELEASE_FACTS.filter((f) => isBefore(version, f.changedIn)).map((f) => f.id)) };
}

export const factOf = (id: ReleaseFactId): ReleaseFact => RELEASE_FACTS.find((f) => f.id === id) as ReleaseFact;
