// The rule builders of the three kinds (admission/rule.ts ruleFor): a rule's check receives, typed,
// what its own gather returned, so reading something never looked up is a compile error.
import type { Backup, Cluster, ScheduledBackup } from "../../generated/types/index.js";
import { ruleFor } from "../admission/rule.js";

export const clusterRule = ruleFor<Cluster>();
export const backupRule = ruleFor<Backup>();
export const scheduledBackupRule = ruleFor<ScheduledBackup>();
