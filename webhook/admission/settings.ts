// What the rules are told besides the object: thresholds and the target operator release
// (flags --deny-backup-interval, --warn-backup-interval and --operator-version of serve and validate).
import { DENY_BACKUP_INTERVAL_SECONDS, WARN_BACKUP_INTERVAL_SECONDS } from "../deployment.js";
import { DEFAULT_OPERATOR_VERSION, release, type Release } from "../operator/releases.js";

export interface RuleSettings {
  /** A schedule whose shortest gap between firings is below this many seconds is denied; 0 never. */
  readonly denyBackupIntervalSeconds: number;
  /** ... and at or below this many seconds, warned; 0 never. */
  readonly warnBackupIntervalSeconds: number;
  /** What the target operator release ignores or does differently. */
  readonly release: Release;
}

export const DEFAULT_RULE_SETTINGS: RuleSettings = {
  denyBackupIntervalSeconds: DENY_BACKUP_INTERVAL_SECONDS,
  warnBackupIntervalSeconds: WARN_BACKUP_INTERVAL_SECONDS,
  release: release(DEFAULT_OPERATOR_VERSION),
};
