// bootstrap.fullRecovery: restoring from a Backup only works if that Backup can really be read back.
import type { Backup, Cluster } from "../../generated/types/index.js";
import { FieldPath, forbidden, invalid } from "../admission/field.js";
import { deny, warn, type Finding } from "../admission/finding.js";
import { dns1123SubdomainProblems } from "../formats/formats.js";
import type { Lookups, ResolvedReferences } from "../references/session.js";
import { credentialSelectors } from "./objectstore.js";
import { missingReference } from "./references.js";

const RECOVERY_BACKUP_PATH = FieldPath.root("spec", "bootstrap", "fullRecovery", "backup", "name");

/** The Backup to restore, when its name is one the API could hold. */
const recoveryBackupName = (cluster: Cluster): string | undefined => {
  const name = cluster.spec?.bootstrap?.fullRecovery?.backup?.name;
  return typeof name === "string" && dns1123SubdomainProblems(name).length === 0 ? name : undefined;
};

export function checkRecoveryBackupName(cluster: Cluster): Finding[] {
  const name = cluster.spec?.bootstrap?.fullRecovery?.backup?.name;
  if (typeof name !== "string" || name === "") return [];
  return dns1123SubdomainProblems(name).map((p) => deny(invalid(RECOVERY_BACKUP_PATH, name, p)));
}

const trimSlashes = (p: string): string => p.replace(/\/+$/, "");
/** The object store a path lives in: AWS S3 unless an endpoint says otherwise. */
const storeOf = (endpointURL: string | undefined): string => (endpointURL ? trimSlashes(endpointURL.toLowerCase()) : "aws-s3");

/** The Backup to restore: present, completed, readable, and not where this cluster will archive WAL. */
export function checkRecoverySource(cluster: Cluster, name: string, namespace: string, references: ResolvedReferences): Finding[] {
  const backupName = recoveryBackupName(cluster);
  if (!backupName) return [];
  const field = RECOVERY_BACKUP_PATH;
  const found = references.get("Backup", backupName);
  if (found.state !== "present") {
    const missing = missingReference(found, { path: field, value: backupName, what: `Backup ${JSON.stringify(backupName)}`, namespace });
    return missing ? [missing] : [];
  }
  const backup = found.object;
  const status = backup.status ?? {};
  const phase = status.phase;
  if (phase === "failed") {
    const why = status.error ? `: ${status.error}` : "";
    return [deny(invalid(field, backupName, `Backup ${JSON.stringify(backupName)} failed${why}; recover from a completed backup`))];
  }
  if (phase !== "completed") {
    return [warn(field, `Backup ${JSON.stringify(backupName)} is ${phase ? `in phase ${phase}` : "without status yet"}, not completed`)];
  }
  const missing = [status.destinationPath ? "" : "destinationPath", status.s3Credentials ? "" : "s3Credentials"].filter(Boolean);
  if (missing.length) {
    return [
      deny(
        invalid(field, backupName, `Backup ${JSON.stringify(backupName)} is completed but its status has no ${missing.join(" or ")}: it cannot be read back`),
      ),
    ];
  }
  return [...checkRecordedSecrets(backupName, backup, namespace, references), ...checkWalCollision(cluster, name, backupName, backup)];
}

/** The recovery reads the backup with the Secrets recorded in its status; they must still exist. */
function checkRecordedSecrets(backupName: string, backup: Backup, namespace: string, references: ResolvedReferences): Finding[] {
  const field = RECOVERY_BACKUP_PATH;
  return [...new Set(recoverySecretNames(backup))].flatMap((secret): Finding[] => {
    const what = `Secret ${JSON.stringify(secret)} recorded in Backup ${JSON.stringify(backupName)}`;
    const missing = missingReference(references.get("Secret", secret), { path: field, value: backupName, what, namespace });
    return missing ? [missing] : [];
  });
}

/**
 * A new cluster archiving WAL to the very folder it restores from would overwrite the backup's
 * WAL history: same object store (endpoint), destinationPath and server name (which defaults to
 * the cluster's name).
 */
function checkWalCollision(cluster: Cluster, name: string, backupName: string, backup: Backup): Finding[] {
  const store = cluster.spec?.backup?.barmanObjectStore;
  const status = backup.status;
  if (!store?.destinationPath || !status?.destinationPath) return [];
  const ours = { store: storeOf(store.endpointURL), path: trimSlashes(store.destinationPath), server: store.serverName || name };
  const theirs = { store: storeOf(status.endpointURL), path: trimSlashes(status.destinationPath), server: status.serverName || backup.spec?.cluster?.name };
  if (ours.store !== theirs.store || ours.path !== theirs.path || ours.server !== theirs.server) return [];
  return [
    deny(
      forbidden(
        FieldPath.root("spec", "backup", "barmanObjectStore", "serverName"),
        `this cluster would archive WAL into ${ours.path}/${ours.server}, the folder of Backup ${JSON.stringify(backupName)} it restores from; set a different serverName or destinationPath`,
      ),
    ),
  ];
}

/** The Secrets recorded in the Backup's status, looked up as the recovery will need them. */
function recoverySecretNames(backup: Backup): string[] {
  return credentialSelectors(backup.status, FieldPath.root("status")).map((s) => s.selector.name);
}

/** The Backup to restore, then the Secrets its status records (only known once the Backup is). */
export async function gatherRecoverySource(cluster: Cluster, lookups: Lookups): Promise<void> {
  const name = recoveryBackupName(cluster);
  if (!name) return;
  const found = await lookups.lookup("Backup", name);
  if (found.state === "present") await Promise.all([...new Set(recoverySecretNames(found.object))].map((secret) => lookups.lookup("Secret", secret)));
}
