// An API outage during which the cluster changes, for the watch-cache tests and `make hostile`: the
// objects before, the changes made while the webhook cannot see them, and three Cluster CREATEs whose
// verdict those changes turn round — a recovery from a Backup that is deleted, a WAL archive whose
// writer is deleted, and one that a new Cluster starts writing.
import { API_VERSION } from "../../schemas/kinds.js";
import type { KubeApiServer, KubeObject } from "./kube-api-server.js";

const NS = "app";
const SECRET = "s3-creds";

const archive = (destinationPath: string, serverName?: string) => ({
  destinationPath,
  ...(serverName ? { serverName } : {}),
  s3Credentials: { accessKeyId: { name: SECRET, key: "ACCESS_KEY_ID" }, secretAccessKey: { name: SECRET, key: "ACCESS_SECRET_KEY" } },
});

/** A Cluster archiving into `destinationPath`, under the server name `writesAs` (default: its own name), perhaps restoring from a Backup. */
function cluster(name: string, destinationPath: string, o: { writesAs?: string; recoverFrom?: string } = {}): KubeObject {
  return {
    apiVersion: API_VERSION,
    kind: "Cluster",
    metadata: { name, namespace: NS },
    spec: {
      instances: 3,
      imageName: "quay.io/enterprisedb/postgresql:13.2",
      storage: { size: "1Gi" },
      backup: { barmanObjectStore: archive(destinationPath, o.writesAs) },
      ...(o.recoverFrom ? { bootstrap: { fullRecovery: { backup: { name: o.recoverFrom } } } } : {}),
    },
  };
}

const BACKUP: KubeObject = {
  apiVersion: API_VERSION,
  kind: "Backup",
  metadata: { name: "src-backup", namespace: NS },
  spec: { cluster: { name: "src" } },
  status: {
    phase: "completed",
    backupId: "20201026T135740",
    serverName: "src",
    startedAt: "2020-10-26T13:57:40Z",
    stoppedAt: "2020-10-26T13:57:44Z",
    ...archive("s3://backups/src"),
  },
};

/** What is there before the outage. */
export function seedOutageWorld(api: KubeApiServer): void {
  api.put({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: SECRET, namespace: NS },
    data: { ACCESS_KEY_ID: Buffer.from("id").toString("base64"), ACCESS_SECRET_KEY: Buffer.from("key").toString("base64") },
  });
  api.put(BACKUP);
  // The Backup's source, still running (recovery/source-compatibility compares with it), archiving elsewhere now.
  api.put(cluster("src", "s3://backups/src-live"));
  api.put(cluster("old-writer", "s3://backups/old"));
}

/** The changes made while the webhook cannot see the API server. */
export function changeOutageWorld(api: KubeApiServer): void {
  api.remove("Backup", NS, "src-backup");
  api.remove("Cluster", NS, "old-writer");
  api.put(cluster("new-writer", "s3://backups/new"));
}

/** The CREATEs whose verdicts the changes turn round: admitted → denied, denied → admitted, admitted → denied. */
export const OUTAGE_PROBES = [
  { name: "recovery from the deleted Backup", object: cluster("restore", "s3://backups/restore", { recoverFrom: "src-backup" }) },
  { name: "archive of the deleted Cluster", object: cluster("reuse", "s3://backups/old", { writesAs: "old-writer" }) },
  { name: "archive of the new Cluster", object: cluster("joiner", "s3://backups/new", { writesAs: "new-writer" }) },
] as const;

/**
 * A verdict as the caller sees it: denied, admitted (with warnings or without: two verdicts), or
 * admitted with "could not verify" — the one answer that claims nothing.
 */
export type Verdict = "admitted" | "admitted with warnings" | "denied" | "unverified" | "no answer";

export function verdictOf(response: { allowed: boolean; warnings?: string[] } | undefined): Verdict {
  if (!response) return "no answer";
  if (!response.allowed) return "denied";
  const warnings = response.warnings ?? [];
  if (warnings.some((w) => w.includes("could not verify"))) return "unverified";
  return warnings.length ? "admitted with warnings" : "admitted";
}

/** A verdict that claims something (not "unverified") and is not what the cluster as it is now calls for. */
export const isFalse = (verdict: Verdict, truth: Verdict): boolean => verdict !== "unverified" && verdict !== truth;
