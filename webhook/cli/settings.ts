// The flags of `serve` and `validate` that tune the rules (README "Rules"): the base-backup
// frequency thresholds and the operator release the verdicts follow.
import type { RuleSettings } from "../admission/settings.js";
import { parseGoDuration } from "../cron/duration.js";
import { DENY_BACKUP_INTERVAL_SECONDS, WARN_BACKUP_INTERVAL_SECONDS } from "../deployment.js";
import { DEFAULT_OPERATOR_VERSION, KNOWN_OPERATOR_VERSIONS, isKnownOperatorVersion, release } from "../operator/releases.js";
import { UsageError } from "./command.js";

export const RULE_SETTING_OPTIONS = {
  "deny-backup-interval": { type: "string" },
  "warn-backup-interval": { type: "string" },
  "operator-version": { type: "string" },
} as const;

/** 300 → "5m", 3600 → "1h". */
const durationText = (seconds: number): string => (seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`);

export const RULE_SETTINGS_HELP = `  --deny-backup-interval D   deny schedules firing more often than this (default ${durationText(DENY_BACKUP_INTERVAL_SECONDS)}; 0 never)
  --warn-backup-interval D   warn about schedules firing this often or more (default ${durationText(WARN_BACKUP_INTERVAL_SECONDS)}; 0 never)
  --operator-version V       the operator release the verdicts follow: ${KNOWN_OPERATOR_VERSIONS.join(", ")} (default ${DEFAULT_OPERATOR_VERSION})`;

/** A Go duration (`5m`, `1h30m`, `90s`) in whole seconds, as the schedules it is compared with. */
function intervalSeconds(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const parsed = parseGoDuration(text);
  if (!parsed.ok) throw new UsageError(`${flag}: invalid duration ${JSON.stringify(text)} (e.g. 5m, 1h, 90s)`);
  if (parsed.nanoseconds < 0n) throw new UsageError(`${flag}: must not be negative: ${JSON.stringify(text)}`);
  return Number(parsed.nanoseconds / 1_000_000_000n);
}

export function ruleSettings(values: { [K in keyof typeof RULE_SETTING_OPTIONS]?: string }): RuleSettings {
  const version = values["operator-version"] ?? DEFAULT_OPERATOR_VERSION;
  if (!isKnownOperatorVersion(version)) {
    throw new UsageError(`--operator-version: unknown release ${JSON.stringify(version)}; known: ${KNOWN_OPERATOR_VERSIONS.join(", ")}`);
  }
  const denyBackupIntervalSeconds = intervalSeconds(values["deny-backup-interval"], DENY_BACKUP_INTERVAL_SECONDS, "--deny-backup-interval");
  const warnBackupIntervalSeconds = intervalSeconds(values["warn-backup-interval"], WARN_BACKUP_INTERVAL_SECONDS, "--warn-backup-interval");
  return { denyBackupIntervalSeconds, warnBackupIntervalSeconds, release: release(version) };
}
