// The schedule rules over robfig/cron v1.2.0 (webhook/cron, proven against the oracle): what each
// schedule gets, as [rule, error type] for denials and [rule] for warnings.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { check, judge, validCluster, validScheduledBackup, type CheckOptions } from "../../tools/testkit/admission.js";

const FIELD = "spec.schedule";
const state = { clusters: [validCluster("pg")] };
const scheduled = (schedule: string, opts: CheckOptions = {}) => judge("ScheduledBackup", validScheduledBackup("n", "pg", schedule), { state, ...opts });

type Expect = "admit" | { deny: string } | { warn: string };
const admit: Expect = "admit";
const deny = (rule: string): Expect => ({ deny: rule });
const warn = (rule: string): Expect => ({ warn: rule });

async function expectVerdict(schedule: string, expected: Expect, opts: CheckOptions = {}): Promise<void> {
  const want =
    expected === "admit"
      ? { denied: [], warned: [] }
      : "deny" in expected
        ? { denied: [[expected.deny, "Invalid", FIELD]], warned: [] }
        : { denied: [], warned: [[expected.warn, FIELD]] };
  assert.deepEqual(await scheduled(schedule, opts), want, JSON.stringify(schedule));
}

const SYNTAX = deny("schedule/syntax");
const NEVER = deny("schedule/never-fires");
const TOO_OFTEN = deny("schedule/frequency");
const OFTEN = warn("schedule/frequency");
const AMBIGUOUS = deny("schedule/five-fields");
const FIVE = warn("schedule/five-fields");

const CASES: Record<string, [string, Expect][]> = {
  "six fields": [
    ["0 0 0 * * *", admit],
    ["0 30 2 * * *", admit],
    ["  0 0 3 * * *  ", admit],
    ["0  0\t3 * * *", admit], // split as strings.Fields splits
    ["0 0 0 1 JAN *", admit],
    ["0 0 0 * * Mon", admit],
    ["0 0 0 * * MON-fri", admit],
    ["0 0 0 ? * mon", admit],
    ["0 0 0 ? * ?", admit],
    ["0 0 9-17 * * mon-fri", OFTEN], // hourly: the gap is 1h, as close as --warn-backup-interval
  ],
  "refused by cron.Parse": [
    ["0 0 0 * * jan", SYNTAX],
    ["0 0 mon * * *", SYNTAX],
    ["0 */0 * * * *", SYNTAX],
    ["0 0 5-1 * * *", SYNTAX],
    ["0 0 0 * * fri-mon", SYNTAX],
    ["0 0 0 1-2-3 * *", SYNTAX],
    ["0 0 */2/3 * * *", SYNTAX],
    ["0 0 0 * * 1#2", SYNTAX],
    ["0 0 0 L * *", SYNTAX],
    ["\ufeff0 0 0 * * *", SYNTAX], // U+FEFF is not whitespace to Go
    ["60 0 0 * * *", SYNTAX],
    ["0 0 24 * * *", SYNTAX],
    ["0 0 0 0 * *", SYNTAX],
    ["0 0 0 * 13 *", SYNTAX],
    ["0 0 0 * * 7", SYNTAX],
    ["0 99999999999999999999 0 * * *", SYNTAX],
    ["@Daily", SYNTAX],
    ["@reboot", SYNTAX],
    ["@daily ", SYNTAX],
    ["@every 1d", SYNTAX],
    ["@every  1h", SYNTAX],
    ["0 0 0 * * * 2025", SYNTAX],
    ["0 0 0 *", SYNTAX],
    ["daily", SYNTAX],
    ["   ", SYNTAX],
    ["CRON_TZ=Europe/Rome 0 0 0 * * *", SYNTAX],
    ["TZ=UTC 0 0 0 * *", SYNTAX],
  ],
  "robfig v1.2.0, not v3": [
    // A step keeps the star: day-of-month AND day-of-week; February 30 never comes (admitted before).
    ["0 0 0 30 2 */2", NEVER],
    // Empty list items are dropped: monthly on the 1st (denied before).
    ["0 0 0 1 * ,", admit],
    ["0 0 0 1,,15 * *", admit],
    // Neither day field starred: either suffices.
    ["0 0 0 30 2 mon", admit],
    ["0 0 0 30 2 0-6", admit],
    ["0 0 0 30 2 *", NEVER],
    ["0 0 0 30 2 ?", NEVER],
    ["0 0 0 30 2 *-3", NEVER], // robfig ignores what follows "*-"
    ["0 0 0 31 4,6,9,11 *", NEVER],
    ["0 0 0 29 2 *", admit], // leap years
  ],
  "descriptors and @every": [
    ["@yearly", admit],
    ["@monthly", admit],
    ["@weekly", admit],
    ["@daily", admit],
    ["@midnight", admit],
    ["@hourly", OFTEN],
    ["@every 1h", OFTEN],
    ["@every 61m", admit],
    ["@every 6h", admit],
    ["@every 1.5h", admit],
    ["@every 59m", OFTEN],
    ["@every 30s", TOO_OFTEN],
    ["@every 0s", TOO_OFTEN], // robfig runs it every second
    ["@every 500ms", TOO_OFTEN],
    ["@every -1m", TOO_OFTEN], // robfig's Every: below one second is one second
  ],
  "base-backup frequency": [
    ["* * * * * *", TOO_OFTEN],
    ["*/10 * * * * *", TOO_OFTEN],
    ["0 * * * * *", TOO_OFTEN],
    ["0 */4 * * * *", TOO_OFTEN],
    ["0 */5 * * * *", OFTEN],
    ["0 */15 * * * *", OFTEN],
    ["0 0,30 * * * *", OFTEN],
    ["0 0 * * * *", OFTEN], // hourly: 24 base backups a day
    ["0 0 */2 * * *", admit],
    ["0 1,,2 * * * *", TOO_OFTEN],
    ["*/15 0 3 * * *", TOO_OFTEN],
  ],
  "five fields": [
    ["0 0 * * *", AMBIGUOUS],
    ["* * * * *", AMBIGUOUS],
    ["*/5 * * * *", AMBIGUOUS],
    ["30 2 * * *", AMBIGUOUS],
    ["0 0 0 * *", FIVE],
    ["0 30 2 * *", FIVE],
    ["0 0 1 * *", AMBIGUOUS], // 01:00:00 daily, or monthly on the 1st at midnight
    ["0 0 * * mon", SYNTAX],
    ["0 0 0 * 7", FIVE], // the operator: daily in July; the crontab reading has day-of-month 0
  ],
};

describe("schedule rules", () => {
  for (const [group, cases] of Object.entries(CASES)) {
    test(group, async () => {
      for (const [schedule, expected] of cases) await expectVerdict(schedule, expected);
    });
  }
});

describe("schedule/five-fields", () => {
  test("the four cases of the issue: `0 0 * * *` and `* * * * *` are ambiguous; `0 0 0 * *` and `0 30 2 * *` run as written", async () => {
    const ambiguous = await check("ScheduledBackup", validScheduledBackup("n", "pg", "0 0 * * *"), { state });
    assert.deepEqual(
      ambiguous.violations.map((v) => [v.rule, v.field]),
      [["schedule/five-fields", FIELD]],
    );
    // Both readings, and the six-field form of each: the operator's and the crontab one.
    assert.match(ambiguous.errors[0]!, /every hour at minute 0 \("0 0 \* \* \* \*"\)/);
    assert.match(ambiguous.errors[0]!, /daily at 00:00:00 \("0 0 0 \* \* \*"\)/);
    const everySecond = await check("ScheduledBackup", validScheduledBackup("n", "pg", "* * * * *"), { state });
    assert.match(everySecond.errors[0]!, /every second \("\* \* \* \* \* \*"\).*every minute \("0 \* \* \* \* \*"\)/);
    for (const [spec, six] of [
      ["0 0 0 * *", "0 0 0 * * *"],
      ["0 30 2 * *", "0 30 2 * * *"],
    ]) {
      const v = await check("ScheduledBackup", validScheduledBackup("n", "pg", spec), { state });
      assert.equal(v.allowed, true);
      assert.ok(v.warnings[0]?.includes(`"${six}"`), v.warnings[0]);
    }
  });
  test("a suggested form always parses, even when the crontab reading cannot be written in six fields", async () => {
    for (const spec of [
      "0 0 * * *",
      "* * * * *",
      "*/5 * * * *",
      "30 2 * * *",
      "0 0 0 * *",
      "0 30 2 * *",
      "0 0 * * mon",
      "0 0 1 * *",
      "0 0 * * 7",
      "0 0 0 * 7",
    ]) {
      const v = await check("ScheduledBackup", validScheduledBackup("n", "pg", spec), { state });
      const text = [...v.errors, ...v.warnings].join("\n");
      for (const m of text.matchAll(/\("([^"]+)"\)/g)) {
        const suggested = await check("ScheduledBackup", validScheduledBackup("n", "pg", m[1]!), { state });
        assert.ok(!suggested.violations.some((x) => x.rule === "schedule/syntax"), `${spec} suggests ${m[1]}, which does not parse`);
      }
    }
  });
});

describe("schedule/frequency: --deny-backup-interval and --warn-backup-interval", () => {
  test("the thresholds come from the settings", async () => {
    await expectVerdict("0 */15 * * * *", TOO_OFTEN, { settings: { denyBackupIntervalSeconds: 3600, warnBackupIntervalSeconds: 7200 } });
    await expectVerdict("0 0 */2 * * *", OFTEN, { settings: { denyBackupIntervalSeconds: 300, warnBackupIntervalSeconds: 7200 } });
    await expectVerdict("0 0 * * * *", admit, { settings: { denyBackupIntervalSeconds: 300, warnBackupIntervalSeconds: 1800 } });
    await expectVerdict("*/10 * * * * *", admit, { settings: { denyBackupIntervalSeconds: 0, warnBackupIntervalSeconds: 0 } });
  });
  test("the message says how many Backups a day the schedule creates", async () => {
    const v = await check("ScheduledBackup", validScheduledBackup("n", "pg", "*/10 * * * * *"), { state });
    assert.match(v.errors[0]!, /8640 Backups a day/);
    const w = await check("ScheduledBackup", validScheduledBackup("n", "pg", "0 */15 * * * *"), { state });
    assert.match(w.warnings[0]!, /96 Backups a day/);
  });
});

describe("schedule/suspend: release 0.5 never reads it", () => {
  test("suspend: true warns; false or absent does not; a release that reads it does not warn", async () => {
    const suspended = { ...validScheduledBackup("n", "pg"), spec: { ...validScheduledBackup("n", "pg").spec, suspend: true } };
    assert.deepEqual(await judge("ScheduledBackup", suspended, { state }), { denied: [], warned: [["schedule/suspend", "spec.suspend"]] });
    const running = { ...suspended, spec: { ...suspended.spec, suspend: false } };
    assert.deepEqual(await judge("ScheduledBackup", running, { state }), { denied: [], warned: [] });
    const later = { release: { version: "9.9", facts: new Set<never>() } };
    assert.deepEqual(await judge("ScheduledBackup", suspended, { state, settings: later }), { denied: [], warned: [] });
  });
});
