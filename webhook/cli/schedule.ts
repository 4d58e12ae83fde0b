// `cnp-webhook schedule EXPR`: what the operator's parser makes of a ScheduledBackup schedule, from
// the model of robfig/cron v1.2.0 in webhook/cron (checked against the library's own answers).
import { API_VERSION } from "../../schemas/kinds.js";
import { errorBody } from "../admission/field.js";
import type { Registry } from "../admission/rule.js";
import type { RuleSettings } from "../admission/settings.js";
import { judge } from "../admission/judge.js";
import { describe, firings, fiveFieldReadings, minGapSeconds, parse, type ParseResult, type Schedule } from "../cron/robfig.js";
import { DEFAULT_POSTGRES_IMAGE } from "../deployment.js";
import { noCluster } from "../references/resolver.js";
import { UsageError, defineCommand, type Command } from "./command.js";
import { RULE_SETTING_OPTIONS, RULE_SETTINGS_HELP, ruleSettings } from "./settings.js";

const HELP = `cnp-webhook schedule: what Cloud Native PostgreSQL 0.5 makes of a ScheduledBackup schedule

Usage: cnp-webhook schedule [--from TIME] [--count N] [--output text|json] [rule flags] [--] EXPR

The operator parses spec.schedule with robfig/cron v1.2.0's cron.Parse: six fields with seconds first
(second minute hour day-of-month month day-of-week), or five with day-of-week left out, or a
descriptor (@daily, @every 1h). This prints whether it is accepted (or robfig's own error and why),
the next firings in UTC (the operator's container zone) and in this machine's zone, the shortest gap
among the first 200 firings, and for five fields both readings: the operator's and a crontab's.
Then the webhook's verdict on a ScheduledBackup with this schedule (the schedule/* rules, as
validate and serve judge it): denied, or admitted with its warnings.
Use -- before an EXPR that starts with "-".

Flags:
  --from TIME     first firing after TIME (ISO 8601, e.g. 2021-03-01T00:00:00Z; default now)
  --count N       how many firings to list (default 5, at most 1000)
  -o, --output    text (default) or json
${RULE_SETTINGS_HELP}

Exit codes: 0 the webhook admits the schedule (warnings allowed), 1 it denies it, 2 usage error.
`;

/** The shortest gap is measured over this many firings, as the webhook's frequency rule does. */
const GAP_FIRINGS = 200;

const iso = (d: Date): string => d.toISOString().replace(".000Z", "Z");

/** `2021-03-01 01:00:00 +01:00` in this process's zone, without relying on locale data. */
function local(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const shifted = new Date(d.getTime() + offset * 60_000);
  const sign = offset < 0 ? "-" : "+";
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const mm = String(Math.abs(offset) % 60).padStart(2, "0");
  return `${shifted.toISOString().slice(0, 19).replace("T", " ")} ${sign}${hh}:${mm}`;
}

function duration(seconds: number): string {
  const units: [number, string][] = [
    [86_400, "d"],
    [3600, "h"],
    [60, "m"],
    [1, "s"],
  ];
  let rest = seconds;
  const parts: string[] = [];
  for (const [size, unit] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join("") || "0s";
}

interface ReadingReport {
  readonly order: string;
  readonly accepted: boolean;
  readonly error?: string;
  readonly description?: string;
  readonly sixFields?: string;
  readonly next?: string[];
}

/** Everything the command says about one schedule (its JSON output). */
export interface ScheduleReport {
  readonly schedule: string;
  readonly accepted: boolean;
  /** robfig's error text, exactly, and the reason in plain words. */
  readonly error?: string;
  readonly explanation?: string;
  readonly description?: string;
  readonly from: string;
  readonly next?: string[];
  /** Accepted, but Next finds nothing within robfig's five-year horizon. */
  readonly neverFires?: boolean;
  readonly minGapSeconds?: number;
  readonly fiveFields?: { readonly operator: ReadingReport; readonly standard: ReadingReport };
  /** What the webhook answers for a ScheduledBackup with this schedule: the findings on spec.schedule. */
  readonly verdict: ScheduleVerdict;
}

interface ScheduleFinding {
  readonly rule: string;
  readonly message: string;
}

export interface ScheduleVerdict {
  readonly allowed: boolean;
  readonly errors: readonly ScheduleFinding[];
  readonly warnings: readonly ScheduleFinding[];
}

const SCHEDULE_FIELD = "spec.schedule";

/**
 * The webhook's own verdict on `spec`, from the registry's ScheduledBackup rules: one verdict for the
 * command and for validate/serve. Only the schedule's findings count (the Cluster it would back up is
 * not the question here).
 */
async function webhookVerdict(spec: string, registry: Registry, settings: RuleSettings): Promise<ScheduleVerdict> {
  const object = {
    apiVersion: API_VERSION,
    kind: "ScheduledBackup",
    metadata: { name: "schedule", namespace: "default" },
    spec: { schedule: spec, cluster: { name: "pg" } },
  };
  const options = { defaultImage: DEFAULT_POSTGRES_IMAGE, strictReferences: false, lookupTimeoutMs: 1000, settings, resolver: noCluster };
  const { verdict } = await judge({ kind: "ScheduledBackup", operation: "CREATE", object, namespace: "default" }, { registry, options }, "validate");
  const errors =
    verdict.type === "denied"
      ? verdict.violations.filter((v) => v.error.field === SCHEDULE_FIELD).map((v) => ({ rule: v.rule, message: errorBody(v.error) }))
      : [];
  const warnings = verdict.warnings.filter((w) => w.field === SCHEDULE_FIELD).map((w) => ({ rule: w.rule, message: w.message }));
  return { allowed: errors.length === 0, errors, warnings };
}

const firingsOf = (result: ParseResult, from: Date, count: number): string[] | undefined =>
  result.ok ? firings(result.schedule, from, count).map(iso) : undefined;

export function scheduleReport(spec: string, from: Date, count: number, verdict: ScheduleVerdict): ScheduleReport {
  const result = parse(spec);
  const readings = fiveFieldReadings(spec);
  const reading = (r: NonNullable<typeof readings>["operator"]): ReadingReport => ({
    order: r.order,
    accepted: r.result.ok,
    ...(r.result.ok ? {} : { error: r.result.error }),
    ...(r.description ? { description: r.description } : {}),
    ...(r.sixFields ? { sixFields: r.sixFields } : {}),
    ...(r.result.ok ? { next: firingsOf(r.result, from, count) } : {}),
  });
  const fiveFields = readings ? { fiveFields: { operator: reading(readings.operator), standard: reading(readings.standard) } } : {};
  const base = { schedule: spec, from: iso(from), verdict };
  if (!result.ok) return { ...base, accepted: false, error: result.error, explanation: result.explanation, ...fiveFields };
  const schedule: Schedule = result.schedule;
  const next = firings(schedule, from, count).map(iso);
  const gap = minGapSeconds(schedule, from, GAP_FIRINGS);
  const description = describe(schedule);
  return {
    ...base,
    accepted: true,
    ...(description ? { description } : {}),
    next,
    ...(next.length === 0 ? { neverFires: true } : {}),
    ...(gap !== undefined ? { minGapSeconds: gap } : {}),
    ...fiveFields,
  };
}

function formatReport(r: ScheduleReport): string {
  const lines: string[] = [];
  if (!r.accepted) {
    lines.push(
      `${JSON.stringify(r.schedule)}: refused by the operator's parser (robfig/cron v1.2.0 cron.Parse)`,
      `  error:  ${r.error}`,
      `  why:    ${r.explanation}`,
    );
    lines.push("  the ScheduledBackup never runs: the operator logs the error and retries for ever, creating no Backup");
  } else {
    lines.push(`${JSON.stringify(r.schedule)}: accepted by the operator's parser (robfig/cron v1.2.0 cron.Parse)`);
    if (r.description) lines.push(`  reads as: ${r.description}`);
    if (r.neverFires) lines.push("  never fires: no firing within robfig's five-year horizon");
    if (r.minGapSeconds !== undefined) {
      const perDay = Math.floor(86_400 / r.minGapSeconds);
      lines.push(
        `  shortest gap: ${duration(r.minGapSeconds)} among the first ${GAP_FIRINGS} firings` +
          (perDay >= 1 ? ` (up to ${perDay} Backup${perDay === 1 ? "" : "s"} a day)` : ""),
      );
    }
  }
  if (r.fiveFields) {
    const { operator, standard } = r.fiveFields;
    const say = (who: string, x: ReadingReport): string =>
      `  ${who} (${x.order}): ${x.accepted ? (x.description ?? "accepted") : `refused: ${x.error}`}${x.sixFields ? `; six fields: ${JSON.stringify(x.sixFields)}` : ""}`;
    lines.push("  five fields, two readings:", say("  the operator", operator), say("  a crontab   ", standard));
  }
  if (r.next && r.next.length > 0) {
    lines.push(`  next ${r.next.length} after ${r.from} (UTC, the operator's zone; then this machine's zone):`);
    for (const t of r.next) lines.push(`    ${t}   ${local(new Date(t))}`);
  }
  const { verdict } = r;
  lines.push(
    `the webhook ${verdict.allowed ? "admits" : "denies"} a ScheduledBackup with this schedule${verdict.errors.length + verdict.warnings.length ? ":" : ""}`,
  );
  for (const e of verdict.errors) lines.push(`  error: ${SCHEDULE_FIELD}: ${e.message} [${e.rule}]`);
  for (const w of verdict.warnings) lines.push(`  warning: ${SCHEDULE_FIELD}: ${w.message} [${w.rule}]`);
  return `${lines.join("\n")}\n`;
}

export const scheduleCommand = (registry: Registry): Command =>
  defineCommand({
    name: "schedule",
    summary: "what the operator's cron parser makes of a schedule",
    help: HELP,
    positionals: true,
    options: { from: { type: "string" }, count: { type: "string" }, output: { type: "string", short: "o" }, ...RULE_SETTING_OPTIONS },
    async run(values, positionals, io) {
      if (positionals.length !== 1) throw new UsageError("schedule takes one EXPR (quote it: cnp-webhook schedule '0 0 0 * * *')");
      const from = values.from === undefined ? new Date(Math.floor(Date.now() / 1000) * 1000) : new Date(values.from);
      if (Number.isNaN(from.getTime())) throw new UsageError(`--from ${JSON.stringify(values.from)}: not a time (e.g. 2021-03-01T00:00:00Z)`);
      const count = values.count === undefined ? 5 : Number(values.count);
      if (!Number.isInteger(count) || count < 1 || count > 1000) throw new UsageError(`--count ${JSON.stringify(values.count)}: a whole number from 1 to 1000`);
      const output = values.output ?? "text";
      if (output !== "text" && output !== "json") throw new UsageError(`--output must be text or json, not ${JSON.stringify(output)}`);
      const spec = positionals[0] ?? "";
      const report = scheduleReport(spec, from, count, await webhookVerdict(spec, registry, ruleSettings(values)));
      io.stdout(output === "json" ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      return report.verdict.allowed ? 0 : 1;
    },
  });
