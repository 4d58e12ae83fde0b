// ScheduledBackup: rules of README "Rules".
import type { ScheduledBackup } from "../../generated/types/index.js";
import { validateScheduledBackup } from "../../generated/validators/index.js";
import { FieldPath, invalid } from "../admission/field.js";
import { deny, warn } from "../admission/finding.js";
import type { KindAdmission, RuleContext } from "../admission/rule.js";
import { sameJSON } from "../formats/json.js";
import { checkBackupTarget, checkClusterName, clusterName, labelWithCluster } from "./clusterref.js";
import { checkSchedule } from "./schedule.js";

const SCHEDULE_PATH = FieldPath.root("spec", "schedule");

/** The Cluster is looked up on CREATE and when spec.cluster changes, not on every status-free update. */
const clusterChanged = ({ operation, object, oldObject }: RuleContext<ScheduledBackup>): boolean =>
  operation === "CREATE" || !sameJSON(object.spec?.cluster, oldObject?.spec?.cluster);

export const scheduledBackupAdmission: KindAdmission<"ScheduledBackup"> = {
  kind: "ScheduledBackup",
  validator: validateScheduledBackup,
  deriveDefaults: (scheduled) => labelWithCluster(scheduled),
  rules: [
    {
      id: "scheduledbackup/schedule",
      severity: "deny or warn",
      summary: "the schedule as the operator's cron parser reads it: valid, firing, and not too often",
      protects: "schedules that never run, run at another time than meant, or flood the cluster with Backups",
      check: ({ object }) => {
        const schedule = object.spec?.schedule;
        if (typeof schedule !== "string" || schedule === "") return [];
        return checkSchedule(schedule).map((p) =>
          p.severity === "error" ? deny(invalid(SCHEDULE_PATH, schedule, p.message)) : warn(SCHEDULE_PATH, p.message),
        );
      },
    },
    {
      id: "scheduledbackup/clusterName",
      severity: "deny",
      summary: "spec.cluster.name is a DNS-1123 subdomain",
      protects: "scheduled Backups that can never find their Cluster",
      check: ({ object }) => checkClusterName(object.spec?.cluster),
    },
    {
      id: "scheduledbackup/cluster",
      severity: "deny or warn",
      summary: "the Cluster has a backup configuration (absent only warns: it may come in the same apply)",
      protects: "every scheduled Backup failing",
      gather: async (ctx, lookups) => {
        const name = clusterName(ctx.object.spec?.cluster);
        if (name && clusterChanged(ctx)) await lookups.lookup("Cluster", name);
      },
      // Absent only warns: the Cluster may be applied in the same batch.
      check: (ctx, references) => (clusterChanged(ctx) ? checkBackupTarget(ctx.object.spec?.cluster, ctx.namespace, references, true) : []),
    },
  ],
};
