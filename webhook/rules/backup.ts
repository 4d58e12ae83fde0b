// Backup: rules of README "Rules".
import { validateBackup } from "../../generated/validators/index.js";
import { FieldPath, forbidden } from "../admission/field.js";
import { deny } from "../admission/finding.js";
import type { KindAdmission } from "../admission/rule.js";
import { sameJSON } from "../formats/json.js";
import { unknownFieldRule, unknownFieldWarnings } from "./unknown-fields.js";
import { backupRule } from "./builders.js";
import { BACKUP_TARGET_SOURCE, CLUSTER_NAME_INFO, checkBackupTarget, checkClusterName, gatherBackupTarget, labelWithCluster } from "./clusterref.js";

export const backupAdmission: KindAdmission<"Backup"> = {
  kind: "Backup",
  validator: validateBackup,
  deriveDefaults: (backup) => labelWithCluster(backup),
  rules: [
    backupRule({
      ...unknownFieldRule("Backup"),
      check: ({ object, settings }) => unknownFieldWarnings("Backup", object, validateBackup.shape, settings.release),
    }),
    backupRule({
      id: "backup/cluster-name",
      ...CLUSTER_NAME_INFO,
      protects: "a Backup that can never find its Cluster",
      check: ({ object }) => checkClusterName(object.spec?.cluster),
    }),
    backupRule({
      id: "backup/cluster",
      severity: "deny or warn",
      summary: "the Cluster exists, has spec.backup.barmanObjectStore and (known only to the server) a primary (could not verify: warn)",
      protects: 'a Backup the operator marks failed at once and never retries ("Unknown cluster", or HTTP 409 "Backup not configured in the cluster")',
      source: `${BACKUP_TARGET_SOURCE}; controllers/backup_controller.go:73-81 ("Unknown pod")`,
      // On UPDATE the spec cannot change, and the Cluster may be long gone (finalizers must still go).
      gather: async ({ operation, object }, lookups) => (operation === "CREATE" ? gatherBackupTarget(object.spec?.cluster, lookups) : undefined),
      check: ({ namespace }, target) => checkBackupTarget(target, namespace, { absentIsWarning: false, now: true }),
    }),
    backupRule({
      id: "backup/immutable",
      severity: "deny",
      summary: "UPDATE: a Backup's spec does not change after creation",
      protects: "edits the operator never acts on: it never touches a Backup again once its phase is set",
      source: "cnp v0.5.0 controllers/backup_controller.go:53",
      check: ({ operation, object, oldObject }) =>
        operation === "UPDATE" && !sameJSON(object.spec, oldObject?.spec)
          ? [deny(forbidden(FieldPath.root("spec"), "a Backup's spec is immutable; create a new Backup instead"))]
          : [],
    }),
  ],
};
