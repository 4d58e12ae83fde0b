// spec.schedule of a ScheduledBackup, exactly as the operator reads it: robfig/cron v1.2.0 cron.Parse
// (cnp v0.5.0 controllers/scheduledbackup_controller.go:89; the model in webhook/cron/ agrees with
// every line of the robfig oracle, ../shared/oracles/robfig-cron-v1.2.0.jsonl). README "Rules", docs/operator-0.5.md §1.
import type { ScheduledBackup } from "../../generated/types/index.js";
import { FieldPath, invalid } from "../admission/field.js";
import { deny, warn } from "../admission/finding.js";
import type { Rule, RuleContext } from "../admission/rule.js";
import { fiveFieldReadings, minGapSeconds, neverFires, parse, type FiveFieldReadings, type ParseResult, type Schedule } from "../cron/robfig.js";
import { factOf } from "../operator/releases.js";
import { scheduledBackupRule } from "./builders.js";

const SCHEDULE = FieldPath.root("spec", "schedule");
const OPERATOR_SOURCE = "cnp v0.5.0 controllers/scheduledbackup_controller.go:89-159 (robfig/cron v1.2.0 cron.Parse)";

interface Read {
  readonly spec: string;
  readonly result: ParseResult;
  /** Five fields: the operator's reading (seconds first) and the crontab reading (minute first). */
  readonly five: FiveFieldReadings | undefined;
}

const readSchedule = (object: ScheduledBackup): Read | undefined => {
  const spec = object.spec?.schedule;
  return typeof spec === "string" && spec !== "" ? { spec, result: parse(spec), five: fiveFieldReadings(spec) } : undefined;
};

/** Five fields where both readings are valid: the schedule/five-fields rule denies it, so the others hold back. */
const ambiguous = (read: Read): boolean => read.five?.operator.result.ok === true && read.five.standard.result.ok;

/** A schedule the operator runs, for the rules about how it runs. */
const runs = (ctx: RuleContext<ScheduledBackup>): { read: Read; schedule: Schedule } | undefined => {
  const read = readSchedule(ctx.object);
  return read?.result.ok && !ambiguous(read) ? { read, schedule: read.result.schedule } : undefined;
};

/** `daily at 00:00:00 ("0 0 0 * * *")`: what a reading does, and its six-field form when it has one that parses. */
const phrase = (description: string | undefined, six: string | undefined): string =>
  description === undefined ? `"${six}"` : six === undefined ? description : `${description} ("${six}")`;

const syntaxRule = scheduledBackupRule({
  id: "schedule/syntax",
  severity: "deny",
  summary: "the schedule parses with robfig/cron v1.2.0 cron.Parse: 6 fields (second first) or 5, or a descriptor",
  protects: 'a ScheduledBackup that never creates a Backup: the operator logs "Detected an invalid cron schedule" and retries for ever',
  source: OPERATOR_SOURCE,
  check: ({ object }) => {
    const read = readSchedule(object);
    if (!read || read.result.ok) return [];
    const standard = read.five?.standard;
    const meant =
      standard?.sixFields !== undefined ? `; read minute first, as in crontab, it would run ${phrase(standard.description, standard.sixFields)}` : "";
    return [deny(invalid(SCHEDULE, read.spec, `${read.result.explanation}${meant} (robfig/cron: ${read.result.error})`))];
  },
});

const fiveFieldsRule = scheduledBackupRule({
  id: "schedule/five-fields",
  severity: "deny or warn",
  summary:
    "five fields are read second minute hour day-of-month month: denied when the crontab reading (minute first) is also valid, warned when only the operator's is",
  protects: "backups taken at another time than meant: `0 0 * * *` runs every hour, not daily",
  source: `${OPERATOR_SOURCE}; robfig/cron v1.2.0 parser.go:141-156 expandFields`,
  check: ({ object }) => {
    const read = readSchedule(object);
    const five = read?.five;
    if (!read || !five?.operator.result.ok) return [];
    const { operator, standard } = five;
    if (standard.result.ok) {
      return [
        deny(
          invalid(
            SCHEDULE,
            read.spec,
            `has 5 fields, which the operator reads as second minute hour day-of-month month: it runs ${phrase(operator.description, operator.sixFields)}; ` +
              `read minute first, as in crontab, it means ${phrase(standard.description, standard.sixFields)}: write the six fields you mean`,
          ),
        ),
      ];
    }
    const meaning = operator.description === undefined ? "" : `: ${operator.description}`;
    return [warn(SCHEDULE, `has 5 fields, read as "${operator.sixFields}" (seconds first, day-of-week left out)${meaning}`)];
  },
});

const neverFiresRule = scheduledBackupRule({
  id: "schedule/never-fires",
  severity: "deny",
  summary: "the schedule fires at least once within robfig's five-year horizon",
  protects: "release 0.5 creating one Backup named <name>--62135596800 at once and then failing for ever",
  source: `${OPERATOR_SOURCE}; robfig/cron v1.2.0 spec.go:70-76, 149-158`,
  check: (ctx) => {
    const run = runs(ctx);
    if (run?.schedule.kind !== "spec" || !neverFires(run.schedule, new Date())) return [];
    const { dom, dow } = run.schedule;
    const both =
      (dom.star || dow.star) && dom.values.length < 31 && dow.values.length < 7
        ? ": with * or a step in one day field, day-of-month AND day-of-week must both match"
        : ": no such date comes within five years";
    return [deny(invalid(SCHEDULE, run.read.spec, `never fires${both}; release 0.5 would create one Backup at once and then fail for ever`))];
  },
});

/** How many Backups a day the schedule makes on a day it fires. */
function backupsPerDay(schedule: Schedule): number {
  if (schedule.kind === "every") return Math.round(86_400 / schedule.delaySeconds);
  return schedule.second.values.length * schedule.minute.values.length * schedule.hour.values.length;
}

function durationText(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`;
}

const frequencyRule = scheduledBackupRule({
  id: "schedule/frequency",
  severity: "deny or warn",
  summary: "firings closer than --deny-backup-interval (5m) are denied; as close as --warn-backup-interval (1h) or closer, warned",
  protects:
    "tens of thousands of Backup objects and overlapping base backups: each firing is a full backup, and release 0.5's guard against a running backup never matches",
  source: "cnp v0.5.0 controllers/scheduledbackup_controller.go:58-76, 199 (the child-Backup index only matches owners of kind Backup)",
  check: (ctx) => {
    const run = runs(ctx);
    const gap = run ? minGapSeconds(run.schedule, new Date()) : undefined;
    if (!run || gap === undefined) return [];
    const { denyBackupIntervalSeconds: denyBelow, warnBackupIntervalSeconds: warnAtOrBelow } = ctx.settings;
    const perDay = backupsPerDay(run.schedule);
    const what = `fires every ${durationText(gap)} at its closest, ${perDay} Backups a day`;
    if (gap < denyBelow) {
      return [
        deny(
          invalid(
            SCHEDULE,
            run.read.spec,
            `${what}: each is a full base backup and a Backup object; schedules must fire at least ${durationText(denyBelow)} apart (--deny-backup-interval)`,
          ),
        ),
      ];
    }
    // Hourly is warned: hourly schedules are among those that piled up tens of thousands of Backups.
    return gap <= warnAtOrBelow ? [warn(SCHEDULE, `${what}: each is a full base backup and a Backup object`)] : [];
  },
});

const suspendRule = scheduledBackupRule({
  id: "schedule/suspend",
  severity: "warn",
  summary: "suspend: true is never read by release 0.5: backups keep being taken",
  protects: "a schedule believed paused that keeps creating base backups",
  source: factOf("suspend-ignored").source,
  check: ({ object, settings }) => {
    const fact = factOf("suspend-ignored");
    return object.spec?.suspend === true && settings.release.facts.has(fact.id)
      ? [warn(FieldPath.root("spec", "suspend"), `release ${settings.release.version} never reads it (first in ${fact.changedIn}): backups keep being taken`)]
      : [];
  },
});

export const SCHEDULE_RULES: readonly Rule<ScheduledBackup>[] = [syntaxRule, fiveFieldsRule, neverFiresRule, frequencyRule, suspendRule];
