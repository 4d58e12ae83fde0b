// A recovery restores the data files of the Backup's source Cluster and starts them with the new
// Cluster's image and settings (README "Rules", docs/operator-0.5.md §4 and §11): another PostgreSQL
// major cannot read them, and a hot standby (release 0.5 makes hot_standby mandatory) stops while a
// setting CheckRequiredParameterValues names is below the source's. Release 0.5 has taken the first
// instance serial by then, and its retry skips the restore: the Cluster stays broken.
import type { Cluster } from "../../generated/types/index.js";
import { FieldPath, invalid } from "../admission/field.js";
import { deny, type Finding, warn } from "../admission/finding.js";
import type { RuleContext } from "../admission/rule.js";
import { hotStandbyShortfalls } from "../postgres/hotstandby.js";
import { postgresMajor } from "../postgres/image.js";
import type { KeptCluster } from "../references/reference-kinds.js";
import { briefReason, type Lookup } from "../references/resolver.js";
import type { Lookups } from "../references/session.js";
import { clusterRule } from "./builders.js";
import { gatherRecoverySource, type RecoverySource } from "./recovery.js";

const BACKUP_NAME = FieldPath.root("spec", "bootstrap", "fullRecovery", "backup", "name");
const IMAGE = FieldPath.root("spec", "imageName");
const PARAMETERS = FieldPath.root("spec", "postgresql", "parameters");

interface Gathered {
  readonly source: RecoverySource;
  /** The Cluster the Backup was taken of; undefined when that is this Cluster's own name (recreated after a loss). */
  readonly cluster: { readonly name: string; readonly found: Lookup<KeptCluster> } | undefined;
}

async function gather(ctx: RuleContext<Cluster>, lookups: Lookups): Promise<Gathered | undefined> {
  const source = await gatherRecoverySource(ctx, lookups);
  // A Backup that is absent or not completed cannot be restored at all: recovery/backup says so.
  if (source?.found.state !== "present" || source.found.object.status?.phase !== "completed") return undefined;
  const name = source.found.object.spec?.cluster?.name;
  if (typeof name !== "string" || name === "") return undefined;
  // The same name: on CREATE no live Cluster has it (in `validate`, the document found is this one).
  if (name === ctx.name) return { source, cluster: undefined };
  return { source, cluster: { name, found: await lookups.lookup("Cluster", name) } };
}

const majorText = (image: string | undefined): { major: number; text: string } | undefined => {
  const read = postgresMajor(image ?? "");
  return read.ok ? { major: read.major, text: String(read.major) } : undefined;
};

function check(ctx: RuleContext<Cluster>, gathered: Gathered | undefined): Finding[] {
  if (!gathered) return [];
  const backup = JSON.stringify(gathered.source.name);
  const { cluster } = gathered;
  if (cluster?.found.state !== "present") {
    const found = cluster?.found;
    const why = !cluster
      ? `it is this Cluster's own name, and no live Cluster has it`
      : found?.state === "unknown"
        ? `could not read Cluster ${JSON.stringify(cluster.name)}: ${briefReason(found.why)}`
        : `Cluster ${JSON.stringify(cluster.name)} is not found in namespace ${JSON.stringify(ctx.namespace)}`;
    // Not a reference this Cluster needs (a deleted source is the disaster-recovery case): a warning, even under --strict-references.
    return [
      warn(
        BACKUP_NAME,
        `major and hot-standby settings not compared with Backup ${backup}'s source Cluster (${why}): the recovery fails if it ran another major or higher settings`,
      ),
    ];
  }
  const source = cluster.found.object;
  const what = `Cluster ${JSON.stringify(cluster.name)}, the source of Backup ${backup}`;
  const [ours, theirs] = [majorText(ctx.object.spec?.imageName), majorText(source.spec?.imageName)];
  if (!ours || !theirs) return []; // cluster/image-tag (or the operator, for the source) refuses the tag
  if (ours.major !== theirs.major) {
    // The source's image reference (a registry, a tag) only for a caller who may hear it (README "Who may ask").
    const image = ctx.disclosure === "full" ? ` (${source.spec?.imageName})` : "";
    return [
      deny(
        invalid(
          IMAGE,
          ctx.object.spec?.imageName,
          `runs PostgreSQL ${ours.text}, but ${what} ran PostgreSQL ${theirs.text}${image}: the restored data files cannot be started by another major`,
        ),
      ),
    ];
  }
  const major = postgresMajor(ctx.object.spec?.imageName ?? "");
  if (!major.ok || !major.supported) return [];
  const shortfalls = hotStandbyShortfalls(source.spec?.postgresql?.parameters ?? {}, ctx.object.spec?.postgresql?.parameters ?? {}, major.supported);
  return shortfalls.map(({ name, source: theirsValue, target }) =>
    deny(
      invalid(
        PARAMETERS.key(name),
        String(target),
        `${name} is ${target} here but ${theirsValue} in ${what} (defaults included): PostgreSQL stops the recovery ("hot standby is not possible because ${name} = ${target} is a lower setting than on the primary server")`,
      ),
    ),
  );
}

export const recoverySourceRule = clusterRule({
  id: "recovery/source-compatibility",
  severity: "deny or warn",
  summary:
    "a recovery runs the Backup's source major, with max_connections, max_worker_processes, max_wal_senders (12+), max_prepared_transactions and max_locks_per_transaction at least the source's (defaults included); a source that cannot be found is warned",
  protects:
    'a restored instance that never starts: another major cannot read the data files, and a hot standby stops with "hot standby is not possible because ..."; release 0.5 has taken the serial by then',
  source:
    "cnp v0.5.0 controllers/cluster_create.go:373-427 createPrimaryInstance, pkg/postgres/configuration.go:187-202 (hot_standby mandatory); PostgreSQL 10-13 xlog.c CheckRequiredParameterValues",
  gather,
  check,
});
