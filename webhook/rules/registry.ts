// The composition root of the rules: every kind's admission, handed to the server and to `validate`.
// The admission core knows no rule; it is given this registry.
import type { Registry } from "../admission/rule.js";
import { backupAdmission } from "./backup.js";
import { clusterAdmission } from "./cluster.js";
import { scheduledBackupAdmission } from "./scheduledbackup.js";

export const RULES: Registry = Object.freeze({
  Cluster: clusterAdmission,
  Backup: backupAdmission,
  ScheduledBackup: scheduledBackupAdmission,
});
