// Backup: rules of README "Rules".
import { validateBackup } from "../../generated/validators/index.js";
import { FieldPath, forbidden } from "../admission/field.js";
import { deny } from "../admission/finding.js";
import type { KindAdmission } from "../admission/rule.js";
import { sameJSON } from "../formats/json.js";
import { checkBackupTarget, checkClusterName, clusterName, labelWithCluster } from "./clusterref.js";

export const backupAdmission: KindAdmission<"Backup"> = {
  kind: "Backup",
  validator: validateBackup,
  deriveDefaults: (backup) => labelWithCluster(backup),
  rules: [
    {
      id: "backup/clusterName",
      severity: "deny",
      summary: "spec.cluster.name is a DNS-1123 subdomain",
      protects: "a Backup that can never find its Cluster",
      check: ({ object }) => checkClusterName(object.spec?.cluster),
    },
    {
      id: "backup/cluster",
      severity: "deny or warn",
      summary: "the Cluster exists and has spec.backup.barmanObjectStore",
      protects: "a Backup the operator marks failed at once",
      // On UPDATE the spec cannot change, and the Cluster may be long gone (finalizers must still go).
      gather: async ({ operation, object }, lookups) => {
        const name = clusterName(object.spec?.cluster);
        if (operation === "CREATE" && name) await lookups.lookup("Cluster", name);
      },
      check: ({ operation, object, namespace }, references) =>
        operation === "CREATE" ? checkBackupTarget(object.spec?.cluster, namespace, references, false) : [],
    },
    {
      id: "backup/immutable",
      severity: "deny",
      summary: "a Backup's spec does not change after creation",
      protects: "edits the operator never acts on",
      check: ({ operation, object, oldObject }) =>
        operation === "UPDATE" && !sameJSON(object.spec, oldObject?.spec)
          ? [deny(forbidden(FieldPath.root("spec"), "a Backup's spec is immutable; create a new Backup instead"))]
          : [],
    },
  ],
};
