// spec.cluster of Backup and ScheduledBackup: the Cluster to back up, which needs a backup configuration.
import type { LocalObjectReference } from "../../generated/types/index.js";
import { GROUP } from "../../schemas/kinds.js";
import { FieldPath, invalid } from "../admission/field.js";
import { deny, type Finding } from "../admission/finding.js";
import type { RuleInfo } from "../admission/rule.js";
import { dns1123SubdomainProblems } from "../formats/formats.js";
import { isRecord } from "../formats/json.js";
import type { KeptCluster } from "../references/reference-kinds.js";
import type { Lookup } from "../references/resolver.js";
import type { Lookups } from "../references/session.js";
import { missingReference } from "./references.js";

const CLUSTER_LABEL = `${GROUP}/cluster`;
const CLUSTER_NAME_PATH = FieldPath.root("spec", "cluster", "name");

/** Label values are at most 63 characters of [-_.A-Za-z0-9], alphanumeric at both ends. */
const isLabelValue = (v: string): boolean => v.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v);

/** Labels the object with its cluster's name, so `kubectl get backups -l` finds a cluster's backups. */
export function labelWithCluster(object: Record<string, unknown>): void {
  const name = isRecord(object.spec) && isRecord(object.spec.cluster) ? object.spec.cluster.name : undefined;
  // An invalid name is denied by validation; labelling it could only make the apiserver fail first.
  if (typeof name !== "string" || dns1123SubdomainProblems(name).length > 0 || !isLabelValue(name)) return;
  if (object.metadata === undefined) object.metadata = {};
  if (!isRecord(object.metadata)) return;
  if (object.metadata.labels === undefined || object.metadata.labels === null) object.metadata.labels = {};
  if (isRecord(object.metadata.labels)) object.metadata.labels[CLUSTER_LABEL] = name;
}

const clusterName = (ref: LocalObjectReference | undefined): string | undefined =>
  typeof ref?.name === "string" && ref.name !== "" && dns1123SubdomainProblems(ref.name).length === 0 ? ref.name : undefined;

export function checkClusterName(ref: LocalObjectReference | undefined): Finding[] {
  if (typeof ref?.name !== "string" || ref.name === "") return []; // the schema reports it
  const problems = dns1123SubdomainProblems(ref.name);
  return problems.length ? [deny(invalid(CLUSTER_NAME_PATH, ref.name, problems.join("; ")))] : [];
}

/** What the Backup and ScheduledBackup rules about the Cluster to back up have in common. */
export const CLUSTER_NAME_INFO: Omit<RuleInfo, "id" | "protects"> = {
  severity: "deny",
  summary: "spec.cluster.name is a DNS-1123 subdomain",
  source: "apimachinery validation IsDNS1123Subdomain (object names)",
};

export const BACKUP_TARGET_SOURCE =
  'cnp v0.5.0 controllers/backup_controller.go:57-70 ("Unknown cluster"); pkg/management/postgres/webserver/webserver.go:95-98 ("Backup not configured in the cluster")';

/** The Cluster to back up, as the lookup found it. */
export interface BackupTarget {
  readonly name: string;
  readonly found: Lookup<KeptCluster>;
}

/** Looks up the Cluster `ref` names, when it is a name the API could hold. */
export async function gatherBackupTarget(ref: LocalObjectReference | undefined, lookups: Lookups): Promise<BackupTarget | undefined> {
  const name = clusterName(ref);
  return name ? { name, found: await lookups.lookup("Cluster", name) } : undefined;
}

/**
 * The Cluster must exist (or, when `absentIsWarning`, may still be on its way) and have
 * spec.backup.barmanObjectStore: backups of a cluster without one fail in the operator.
 */
export function checkBackupTarget(
  target: BackupTarget | undefined,
  namespace: string,
  { absentIsWarning, now }: { absentIsWarning: boolean; now: boolean },
): Finding[] {
  if (!target) return [];
  const { name, found } = target;
  if (found.state !== "present") {
    const missing = missingReference(
      found,
      { path: CLUSTER_NAME_PATH, value: name, what: `Cluster ${JSON.stringify(name)}`, namespace },
      absentIsWarning ? "warn" : "deny",
    );
    return missing ? [missing] : [];
  }
  // A Backup runs at once: release 0.5 reads the Pod named status.targetPrimary, fails the Backup with
  // "Unknown pod" when there is none and never retries it (controllers/backup_controller.go:53, 73-81).
  // Only the API knows the status: the files given to `validate` do not say (references/files.ts).
  if (now && found.object.status && !found.object.status.targetPrimary) {
    return [
      deny(
        invalid(
          CLUSTER_NAME_PATH,
          name,
          `Cluster ${JSON.stringify(name)} has no primary yet: release 0.5 would fail this Backup with "Unknown pod" and never retry it; apply the Backup once the Cluster has a primary (status.targetPrimary)`,
        ),
      ),
    ];
  }
  if (!found.object.spec?.backup?.barmanObjectStore) {
    return [
      deny(
        invalid(
          CLUSTER_NAME_PATH,
          name,
          `Cluster ${JSON.stringify(name)} has no backup configuration: add spec.backup.barmanObjectStore (destinationPath and s3Credentials) to it first`,
        ),
      ),
    ];
  }
  return [];
}
