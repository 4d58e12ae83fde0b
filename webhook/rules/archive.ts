// The WAL archive is one Cluster's alone (README "Rules", objectstore/wal-archive-shared). Release 0.5
// archives on top of whatever a folder holds (cnp v0.5.0 cmd/manager/app/wal_archive_main.go:80-110 has no
// emptiness check), and barman-cloud 2.12 names every object <prefix>/<server>/wals/<segment>: a second
// writer with the same endpoint, bucket, prefix and server name overwrites segments of the same name, and
// the first one's backups can no longer be restored. Later releases refuse such an archive outright.
import type { Cluster } from "../../generated/types/index.js";
import { duplicate, FieldPath } from "../admission/field.js";
import { deny, referenceWarning, type Finding } from "../admission/finding.js";
import type { RuleContext } from "../admission/rule.js";
import { type Archive, archiveKey, backupArchive, clusterArchive, describeArchive } from "../formats/barman.js";
import { briefReason } from "../references/resolver.js";
import type { IndexLookup } from "../references/resolver.js";
import type { Lookups } from "../references/session.js";
import type { Indexed, ObjectIndex } from "../references/store.js";
import { gatherRecoverySource, type RecoverySource } from "./recovery.js";
import { clusterRule } from "./builders.js";

/** Every Cluster and Backup by the archive it writes to (a Backup: the one its status recorded). */
const WAL_ARCHIVE_INDEX: ObjectIndex = {
  name: "walArchive",
  keys: {
    Cluster: (cluster, _namespace, name) => {
      const archive = clusterArchive(cluster, name);
      return archive ? [archiveKey(archive)] : [];
    },
    Backup: (backup) => {
      const archive = backupArchive(backup);
      return archive ? [archiveKey(archive)] : [];
    },
  },
};

const STORE = FieldPath.root("spec", "backup", "barmanObjectStore");
const DESTINATION_PATH = STORE.child("destinationPath");

/**
 * The field the finding names: destinationPath, or on UPDATE the one that moved the archive (serverName,
 * endpointURL, or the Cluster's name), so that ratcheting (README "Rules") sees a changed value.
 */
function movedField({ operation, object, oldObject }: RuleContext<Cluster>): { path: FieldPath; value: unknown } {
  const now = object.spec?.backup?.barmanObjectStore;
  const before = oldObject?.spec?.backup?.barmanObjectStore;
  if (operation === "UPDATE" && before) {
    for (const field of ["destinationPath", "serverName", "endpointURL"] as const) {
      if (now?.[field] !== before[field]) return { path: STORE.child(field), value: now?.[field] };
    }
  }
  return { path: DESTINATION_PATH, value: now?.destinationPath };
}
/** At most this many other objects are named; the rest are counted. */
const NAMED = 3;

/** This Cluster's archive when the rule has something to judge: on CREATE, or when an UPDATE moves the archive. */
function judgedArchive({ operation, object, oldObject, name }: RuleContext<Cluster>): Archive | undefined {
  const archive = clusterArchive(object, name);
  if (!archive) return undefined;
  if (operation === "UPDATE") {
    const before = oldObject ? clusterArchive(oldObject, name) : undefined;
    if (before && archiveKey(before) === archiveKey(archive)) return undefined;
  }
  return archive;
}

/** This Cluster's archive, who else uses it, and the Backup it restores from (if any). */
interface Gathered {
  readonly archive: Archive;
  readonly writers: IndexLookup;
  readonly source: RecoverySource | undefined;
}

async function gather(ctx: RuleContext<Cluster>, lookups: Lookups): Promise<Gathered | undefined> {
  const archive = judgedArchive(ctx);
  if (!archive) return undefined;
  const [writers, source] = await Promise.all([lookups.lookupIndex(WAL_ARCHIVE_INDEX, archiveKey(archive)), gatherRecoverySource(ctx, lookups)]);
  return { archive, writers, source };
}

/**
 * The Backup this Cluster restores from already shares its archive: recovering into one's own archive is
 * the disaster-recovery flow (recovery/archive-collision warns), so the Backups there are expected and only
 * a live Cluster writing there still collides.
 */
function restoresFromSameArchive(source: RecoverySource | undefined, key: string): boolean {
  const theirs = source?.found.state === "present" ? backupArchive(source.found.object) : undefined;
  return theirs !== undefined && archiveKey(theirs) === key;
}

/**
 * The other writers of the archive. The object itself is left out once (on UPDATE the cache holds it; in
 * `validate` its own document is among the files; `audit` judges objects that exist), so a second
 * document of the same Cluster still counts. The Cluster's own Backups recorded its archive: they are
 * left out too when the Cluster already exists (UPDATE, or its entry was found), and count on the CREATE
 * of a Cluster that does not: then they are what an earlier Cluster of the same name left in that folder.
 */
function otherWriters({ operation, name, namespace }: RuleContext<Cluster>, found: readonly Indexed[]): Indexed[] {
  const isSelf = (o: Indexed): boolean => o.kind === "Cluster" && o.namespace === namespace && o.name === name;
  const exists = operation === "UPDATE" || found.some(isSelf);
  let selfSkipped = false;
  return found.filter((o) => {
    if (isSelf(o) && !selfSkipped) {
      selfSkipped = true;
      return false;
    }
    return !(exists && o.kind === "Backup" && o.namespace === namespace && o.object.spec?.cluster?.name === name);
  });
}

const describe = (o: Indexed, namespace: string): string => {
  const where = o.namespace === namespace ? "" : ` in namespace ${JSON.stringify(o.namespace)}`;
  return o.kind === "Cluster"
    ? `Cluster ${JSON.stringify(o.name)}${where}`
    : `Backup ${JSON.stringify(o.name)}${where} (of Cluster ${JSON.stringify(o.object.spec?.cluster?.name ?? "")})`;
};

/**
 * The other writers as a message may name them: at most NAMED, the rest counted. A caller who may not
 * hear everything (README "Who may ask") learns nothing of other namespaces but that one of them writes there.
 */
function writersText(others: readonly Indexed[], { namespace, disclosure }: RuleContext<Cluster>): { text: string; plural: boolean } {
  const told = disclosure === "full" ? others : others.filter((o) => o.namespace === namespace);
  const named = told.slice(0, NAMED).map((o) => describe(o, namespace));
  const text = `${named.join(", ")}${told.length > NAMED ? ` and ${told.length - NAMED} more` : ""}`;
  if (told.length === others.length) return { text, plural: others.length > 1 };
  const elsewhere = "a Cluster or Backup in another namespace";
  return told.length === 0 ? { text: elsewhere, plural: false } : { text: `${text}, and ${elsewhere},`, plural: true };
}

function check(ctx: RuleContext<Cluster>, gathered: Gathered | undefined): readonly Finding[] {
  if (!gathered) return [];
  const { archive, writers: found, source } = gathered;
  const key = archiveKey(archive);
  const field = movedField(ctx);
  if (found.state === "unknown") {
    return [referenceWarning(field.path, field.value, `could not verify that this WAL archive is unused: ${briefReason(found.why)}`, "Invalid")];
  }
  const restoring = restoresFromSameArchive(source, key);
  const others = otherWriters(ctx, found.object).filter((o) => !restoring || o.kind === "Cluster");
  if (others.length === 0) return [];
  // Clusters first: a live writer is the more urgent news than the Backups it left.
  others.sort((a, b) => Number(a.kind === "Backup") - Number(b.kind === "Backup"));
  const writers = writersText(others, ctx);
  const detail =
    `${writers.text} already ${writers.plural ? "use" : "uses"} the WAL archive ${describeArchive(archive)}: ` +
    "release 0.5 would archive on top of it and the backups there could no longer be restored; set spec.backup.barmanObjectStore.serverName or another destinationPath";
  return [deny(duplicate(field.path, field.value, detail))];
}

export const walArchiveRule = clusterRule({
  id: "objectstore/wal-archive-shared",
  severity: "deny or warn",
  summary: "no other Cluster (any namespace) and no Backup's recorded archive uses the same endpoint, bucket, prefix and server name",
  protects: "two writers in one WAL folder: release 0.5 has no empty-archive check and overwrites segments, so the older backups cannot be restored",
  source: "cnp v0.5.0 cmd/manager/app/wal_archive_main.go:80-110; barman release/2.12 clients/cloud_walarchive.py:198-204",
  gather,
  check,
});
