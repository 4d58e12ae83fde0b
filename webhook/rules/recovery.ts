// bootstrap.fullRecovery of a new Cluster: release 0.5 restores the Backup's status.destinationPath /
// status.serverName / status.backupId with the Secrets recorded in its status, at once, without
// waiting (README "Rules"; docs/operator-0.5.md §4). These rules run on CREATE only.
import type { Cluster } from "../../generated/types/index.js";
import { FieldPath, invalid } from "../admission/field.js";
import { deny, type Finding, warn } from "../admission/finding.js";
import type { Rule, RuleContext } from "../admission/rule.js";
import { archiveAt, archiveKey, backupArchive, clusterArchive, describeArchive } from "../formats/barman.js";
import { dns1123SubdomainProblems } from "../formats/formats.js";
import { restoreCommandHazard } from "../formats/restore-command.js";
import { factOf } from "../operator/releases.js";
import type { KeptBackup } from "../references/reference-kinds.js";
import type { Lookup } from "../references/resolver.js";
import type { Lookups } from "../references/session.js";
import { checkSecretKeys, credentialSelectors, dnsSubdomainError, gatherSecrets } from "./objectstore.js";
import { missingReference } from "./references.js";
import { clusterRule } from "./builders.js";

const BACKUP_NAME = FieldPath.root("spec", "bootstrap", "fullRecovery", "backup", "name");

/** The Backup to restore on CREATE, when its name is one the API could hold. */
function recoveryBackupName({ operation, object }: RuleContext<Cluster>): string | undefined {
  const name = object.spec?.bootstrap?.fullRecovery?.backup?.name;
  return operation === "CREATE" && typeof name === "string" && dns1123SubdomainProblems(name).length === 0 ? name : undefined;
}

/** The Backup to restore, as the lookup found it. */
export interface RecoverySource {
  readonly name: string;
  readonly found: Lookup<KeptBackup>;
}

/** Looks up the Backup to restore (CREATE only, a name the API could hold). */
export async function gatherRecoverySource(ctx: RuleContext<Cluster>, lookups: Lookups): Promise<RecoverySource | undefined> {
  const name = recoveryBackupName(ctx);
  return name ? { name, found: await lookups.lookup("Backup", name) } : undefined;
}

/** A rule over the Backup to restore, when it is there. */
const withBackup =
  (check: (b: { name: string; backup: KeptBackup }, ctx: RuleContext<Cluster>) => Finding[]) =>
  (ctx: RuleContext<Cluster>, source: RecoverySource | undefined): Finding[] =>
    source?.found.state === "present" ? check({ name: source.name, backup: source.found.object }, ctx) : [];

const backupNameRule = clusterRule({
  id: "recovery/backup-name",
  severity: "deny",
  summary: "bootstrap.fullRecovery.backup.name is a DNS-1123 subdomain",
  protects: "a recovery that can never find its Backup",
  source: "apimachinery validation IsDNS1123Subdomain (object names)",
  check: ({ operation, object }) => {
    const name = object.spec?.bootstrap?.fullRecovery?.backup?.name;
    return operation === "CREATE" && typeof name === "string" && name !== "" ? dnsSubdomainError(BACKUP_NAME, name) : [];
  },
});

/** What a completed Backup's status must hold for barman-cloud-restore to run. */
function missingFromStatus(backup: KeptBackup): string[] {
  const status = backup.status ?? {};
  const creds = status.s3Credentials;
  const complete = (s: { name?: string; key?: string } | undefined): boolean => Boolean(s?.name && s.key);
  return [
    status.backupId ? "" : "backupId",
    status.serverName ? "" : "serverName",
    status.destinationPath ? "" : "destinationPath",
    complete(creds?.accessKeyId) && complete(creds?.secretAccessKey) ? "" : "s3Credentials",
  ].filter(Boolean);
}

const backupRule = clusterRule({
  id: "recovery/backup",
  severity: "deny or warn",
  summary: "the Backup to recover from exists and is completed, with backupId, serverName, destinationPath and s3Credentials in its status",
  protects:
    "a Cluster stuck for ever: release 0.5 persists its first instance serial before reading the Backup, never waits for it to complete, and runs barman-cloud-restore with what its status holds",
  source: "cnp v0.5.0 controllers/cluster_create.go:373-427 createPrimaryInstance; pkg/management/postgres/backup.go:152-192",
  gather: gatherRecoverySource,
  check: (ctx, source) => {
    if (!source) return [];
    const { name, found } = source;
    const what = `Backup ${JSON.stringify(name)}`;
    if (found.state !== "present") {
      // Absent: the operator has already taken the first instance serial, so the Cluster never starts, even once the Backup appears.
      const consequence =
        "release 0.5 takes the first instance serial before it reads the Backup, so this Cluster would never start, even once the Backup appears";
      const missing = missingReference(found, { path: BACKUP_NAME, value: name, what, namespace: ctx.namespace, consequence }, "deny");
      return missing ? [missing] : [];
    }
    const status = found.object.status ?? {};
    if (status.phase === "failed") {
      // The error is barman's or the S3 client's own text (account IDs, role ARNs): only for a caller who may read it.
      const why = !status.error ? "" : ctx.disclosure === "full" ? `: ${status.error}` : `; see \`kubectl describe backup ${name}\``;
      return [deny(invalid(BACKUP_NAME, name, `${what} failed${why}; recover from a completed backup`))];
    }
    if (status.phase !== "completed") {
      const state = status.phase ? `is ${status.phase}` : "has not started yet";
      return [
        deny(invalid(BACKUP_NAME, name, `${what} ${state}: release 0.5 starts the restore at once and does not wait; create the Cluster once it is completed`)),
      ];
    }
    const missing = missingFromStatus(found.object);
    return missing.length
      ? [deny(invalid(BACKUP_NAME, name, `${what} is completed but its status has no ${missing.join(", ")}: barman-cloud-restore cannot read it back`))]
      : [];
  },
});

const restoreCommandRule = clusterRule({
  id: "recovery/restore-command",
  severity: "deny",
  summary: "the Backup's recorded destinationPath and endpointURL hold nothing that breaks the shell restore_command of release 0.5",
  protects: "WAL replay that fails, or runs part of the path as a shell command, after the base backup is restored",
  source: "cnp v0.5.0 pkg/management/postgres/restore.go:126-148 writeRestoreWalConfig",
  gather: gatherRecoverySource,
  check: withBackup(({ name, backup }, { disclosure }) => {
    for (const field of ["destinationPath", "endpointURL"] as const) {
      const value = backup.status?.[field];
      const hazard = value ? restoreCommandHazard(value) : undefined;
      if (hazard) {
        const recorded =
          disclosure === "full"
            ? `Backup ${JSON.stringify(name)} recorded ${field} ${JSON.stringify(value)}:`
            : `in the ${field} Backup ${JSON.stringify(name)} recorded,`;
        return [
          deny(invalid(BACKUP_NAME, name, `${recorded} ${JSON.stringify(hazard.text)} ${hazard.effect} (release 0.5 pastes it unquoted into restore_command)`)),
        ];
      }
    }
    return [];
  }),
});

/** The credentials recorded in the Backup's status: what the restore Pod gets as secretKeyRef env. */
const recordedSelectors = (backup: KeptBackup) => credentialSelectors(backup.status?.s3Credentials, BACKUP_NAME, ["accessKeyId", "secretAccessKey"]);

const secretsRule = clusterRule({
  id: "recovery/secrets",
  severity: "deny or warn",
  summary: "the Secrets recorded in the Backup's status hold the recorded keys (absent: warn)",
  protects: "a restore Pod that cannot start: its env comes from the Backup's status.s3Credentials",
  source: "cnp v0.5.0 pkg/specs/pods.go:247-258 CreatePrimaryPodViaFullRecovery",
  gather: async (ctx, lookups) => {
    const source = await gatherRecoverySource(ctx, lookups);
    const recorded = source?.found.state === "present" ? recordedSelectors(source.found.object) : [];
    return { source, secrets: await gatherSecrets(lookups, recorded) };
  },
  check: (ctx, { source, secrets }) =>
    withBackup(({ name, backup }) =>
      backup.status?.phase === "completed"
        ? checkSecretKeys(recordedSelectors(backup), secrets, ctx, { recordedIn: ` recorded in Backup ${JSON.stringify(name)}`, at: BACKUP_NAME })
        : [],
    )(ctx, source),
});

const walFolderRule = clusterRule({
  id: "recovery/wal-folder",
  severity: "deny",
  summary: "the Backup's serverName is its cluster's name: release 0.5 replays WAL from the folder of spec.cluster.name, not of status.serverName",
  protects: "a restore that cannot reach a consistent state: the base backup holds no WAL and the replay looks in another folder",
  source: `${factOf("wal-replay-from-cluster-name").source}; barman release/2.12 postgres_plumbing.py:27-36 PGDATA_EXCLUDE_LIST`,
  gather: gatherRecoverySource,
  check: withBackup(({ name, backup }, { settings, disclosure }) => {
    const fact = factOf("wal-replay-from-cluster-name");
    if (!settings.release.facts.has(fact.id)) return [];
    const written = backupArchive(backup);
    const cluster = backup.spec?.cluster?.name ?? "";
    const replayed = archiveAt(backup.status?.destinationPath, backup.status?.endpointURL, cluster);
    if (!written || !replayed || written.folder === replayed.folder) return [];
    const [archived, from] =
      disclosure === "full"
        ? [`as server ${JSON.stringify(backup.status?.serverName)}`, `${describeArchive(replayed)} (its cluster's name)`]
        : [`under a server name other than its cluster's`, `the folder of its cluster ${JSON.stringify(cluster)}`];
    return [
      deny(
        invalid(
          BACKUP_NAME,
          name,
          `Backup ${JSON.stringify(name)} was archived ${archived}, but release ${settings.release.version} replays WAL from ${from}: the restore cannot become consistent (fixed in ${fact.changedIn})`,
        ),
      ),
    ];
  }),
});

const archiveCollisionRule = clusterRule({
  id: "recovery/archive-collision",
  severity: "warn",
  summary:
    "a recovering Cluster that archives its WAL into the folder of the Backup it restores from continues there on a new timeline (the disaster-recovery flow): warned; a live Cluster writing there is denied by objectstore/wal-archive-shared",
  protects:
    "a surprise: the new cluster's WAL and backups go beside the history it restored (PostgreSQL picks an unused timeline after archive recovery, so no segment is overwritten)",
  source:
    "cnp v0.5.0 cmd/manager/app/wal_archive_main.go:80-110 (no emptiness check); PostgreSQL 10-13 xlog.c StartupXLOG (newTLI = findNewestTimeLine() + 1, history files probed through restore_command)",
  gather: gatherRecoverySource,
  check: withBackup(({ name, backup }, ctx) => {
    const ours = clusterArchive(ctx.object, ctx.name);
    const theirs = backupArchive(backup);
    if (!ours || !theirs || archiveKey(ours) !== archiveKey(theirs)) return [];
    return [
      warn(
        FieldPath.root("spec", "backup", "barmanObjectStore", "serverName"),
        `continues on a new timeline in the folder of Backup ${JSON.stringify(name)} it restores from (${describeArchive(ours)}): its WAL and backups go beside the restored history`,
      ),
    ];
  }),
});

export const RECOVERY_RULES: readonly Rule<Cluster>[] = [backupNameRule, backupRule, restoreCommandRule, secretsRule, walFolderRule, archiveCollisionRule];
