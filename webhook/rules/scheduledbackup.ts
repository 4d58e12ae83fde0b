// ScheduledBackup: rules of README "Rules"; the schedule's own in schedule.ts.
import type { ScheduledBackup } from "../../generated/types/index.js";
import { validateScheduledBackup } from "../../generated/validators/index.js";
import type { KindAdmission, RuleContext } from "../admission/rule.js";
import { sameJSON } from "../formats/json.js";
import { unknownFieldRule, unknownFieldWarnings } from "./unknown-fields.js";
import { scheduledBackupRule } from "./builders.js";
import { BACKUP_TARGET_SOURCE, CLUSTER_NAME_INFO, checkBackupTarget, checkClusterName, gatherBackupTarget, labelWithCluster } from "./clusterref.js";
import { SCHEDULE_RULES } from "./schedule.js";

const clusterChanged = ({ operation, object, oldObject }: RuleContext<ScheduledBackup>): boolean =>
  operation === "CREATE" || !sameJSON(object.spec?.cluster, oldObject?.spec?.cluster);

export const scheduledBackupAdmission: KindAdmission<"ScheduledBackup"> = {
  kind: "ScheduledBackup",
  validator: validateScheduledBackup,
  deriveDefaults: (scheduled) => labelWithCluster(scheduled),
  rules: [
    scheduledBackupRule({
      ...unknownFieldRule("ScheduledBackup"),
      check: ({ object, settings }) => unknownFieldWarnings("ScheduledBackup", object, validateScheduledBackup.shape, settings.release),
    }),
    ...SCHEDULE_RULES,
    scheduledBackupRule({
      id: "scheduledbackup/cluster-name",
      ...CLUSTER_NAME_INFO,
      protects: "scheduled Backups that can never find their Cluster",
      check: ({ object }) => checkClusterName(object.spec?.cluster),
    }),
    scheduledBackupRule({
      id: "scheduledbackup/cluster",
      severity: "deny or warn",
      summary: "the Cluster has spec.backup.barmanObjectStore (absent only warns: it may come in the same apply)",
      protects: 'every scheduled Backup failing at once ("Unknown cluster", or HTTP 409 "Backup not configured in the cluster")',
      source: BACKUP_TARGET_SOURCE,
      // Looked up on CREATE and when spec.cluster changes, not on every status-free update.
      gather: async (ctx, lookups) => (clusterChanged(ctx) ? gatherBackupTarget(ctx.object.spec?.cluster, lookups) : undefined),
      check: ({ namespace }, target) => checkBackupTarget(target, namespace, { absentIsWarning: true, now: false }),
    }),
  ],
};
