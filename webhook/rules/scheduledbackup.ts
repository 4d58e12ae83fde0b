// ScheduledBackup: rules of SPEC §6.4.
import type { ScheduledBackup } from "../../generated/types/index.js";
import { validateScheduledBackup } from "../../generated/validators/index.js";
import { FieldPath, invalid } from "../admission/field.js";
import type { AdmissionContext, KindAdmission } from "../admission/kind.js";
import { deny, warn } from "../admission/rule.js";
import { sameJSON } from "../admission/values.js";
import { checkBackupTarget, checkClusterName, clusterName, labelWithCluster } from "./clusterref.js";
import { checkSchedule } from "./schedule.js";

const SCHEDULE_PATH = FieldPath.root("spec", "schedule");

/** The Cluster is looked up on CREATE and when spec.cluster changes, not on every status-free update. */
const clusterChanged = ({ operation, object, oldObject }: Omit<AdmissionContext<ScheduledBackup>, "references">): boolean =>
  operation === "CREATE" || !sameJSON(object.spec?.cluster, oldObject?.spec?.cluster);

export const scheduledBackupAdmission: KindAdmission<ScheduledBackup> = {
  kind: "ScheduledBackup",
  validator: validateScheduledBackup,
  deriveDefaults: (scheduled) => labelWithCluster(scheduled),
  gatherReferences: async (ctx, session) => {
    const name = clusterName(ctx.object.spec?.cluster);
    if (name && clusterChanged(ctx)) await session.cluster(name);
  },
  rules: [
    {
      name: "scheduledbackup/schedule",
      check: ({ object }) => {
        const schedule = object.spec?.schedule;
        if (typeof schedule !== "string" || schedule === "") return [];
        return checkSchedule(schedule).map((p) => (p.severity === "error" ? deny(invalid(SCHEDULE_PATH, schedule, p.message)) : warn(SCHEDULE_PATH, p.message)));
      },
    },
    { name: "scheduledbackup/clusterName", check: ({ object }) => checkClusterName(object.spec?.cluster) },
    {
      name: "scheduledbackup/cluster",
      // Absent only warns: the Cluster may be applied in the same batch.
      check: (ctx) => (clusterChanged(ctx) ? checkBackupTarget(ctx.object.spec?.cluster, ctx.namespace, ctx.references, true) : []),
    },
  ],
};
