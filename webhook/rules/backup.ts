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
    { id: "backup/clusterName", check: ({ object }) => checkClusterName(object.spec?.cluster) },
    {
      id: "backup/cluster",
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
      check: ({ operation, object, oldObject }) =>
        operation === "UPDATE" && !sameJSON(object.spec, oldObject?.spec)
          ? [deny(forbidden(FieldPath.root("spec"), "a Backup's spec is immutable; create a new Backup instead"))]
          : [],
    },
  ],
};
