// Backup: rules of SPEC §6.3.
import type { Backup } from "../../generated/types/index.js";
import { validateBackup } from "../../generated/validators/index.js";
import { FieldPath, forbidden } from "../admission/field.js";
import type { KindAdmission } from "../admission/kind.js";
import { deny } from "../admission/rule.js";
import { sameJSON } from "../admission/values.js";
import { checkBackupTarget, checkClusterName, clusterName, labelWithCluster } from "./clusterref.js";

export const backupAdmission: KindAdmission<Backup> = {
  kind: "Backup",
  validator: validateBackup,
  deriveDefaults: (backup) => labelWithCluster(backup),
  gatherReferences: async ({ operation, object }, session) => {
    const name = clusterName(object.spec?.cluster);
    if (operation === "CREATE" && name) await session.cluster(name);
  },
  rules: [
    { name: "backup/clusterName", check: ({ object }) => checkClusterName(object.spec?.cluster) },
    {
      name: "backup/cluster",
      // On UPDATE the spec cannot change, and the Cluster may be long gone (finalizers must still go).
      check: ({ operation, object, namespace, references }) =>
        operation === "CREATE" ? checkBackupTarget(object.spec?.cluster, namespace, references, false) : [],
    },
    {
      name: "backup/immutable",
      check: ({ operation, object, oldObject }) =>
        operation === "UPDATE" && !sameJSON(object.spec, oldObject?.spec)
          ? [deny(forbidden(FieldPath.root("spec"), "a Backup's spec is immutable; create a new Backup instead"))]
          : [],
    },
  ],
};
