import { test, describe } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { isValidCron } from "cron-validator";
import {
  checkSchedule,
  parseSchedule,
  parseCronFields,
  parseGoDuration,
  inSharedGrammar,
  describeSchedule,
  type CronSchedule,
  type ScheduleProblem,
} from "./schedule.js";

type Case = { expr: string; ok: true } | { expr: string; severity: "error" | "warning"; has: string[] };

const ok = (expr: string): Case => ({ expr, ok: true });
const err = (expr: string, ...has: string[]): Case => ({ expr, severity: "error", has });
const warn = (expr: string, ...has: string[]): Case => ({ expr, severity: "warning", has });

const cases: Record<string, Case[]> = {
  "plain six-field schedules": [
    ok("0 0 0 * * *"),
    ok("0 30 2 * * *"),
    ok("0 * * * * *"), // once a minute: no warning
    ok("  0 0 3 * * *  "), // trimmed like strings.Fields
    ok("0  0\t3 * * *"), // any whitespace between fields
    ok("0 0 3 * * *\n"),
  ],
  "names in any case": [
    ok("0 0 0 1 JAN *"),
    ok("0 0 0 1 Jan,feb,mAR *"),
    ok("0 0 0 * * Mon"),
    ok("0 0 0 * * MON-fri"),
    ok("0 0 0 * jan-jun sun,SAT"),
    err("0 0 0 * * jan", "day-of-week field", `"jan" is not a number or weekday name`),
    err("0 0 0 * mon *", "month field", `"mon" is not a number or month name`),
    err("0 0 mon * * *", "hour field", `"mon" is not a number`),
  ],
  "steps, ranges, lists and ?": [
    ok("0 */15 * * * *"),
    ok("0 5/10 * * * *"), // 5-59/10
    ok("0 10-40/5 * * * *"),
    ok("0 0 9-17 * * mon-fri"),
    ok("0 0,15,30,45 * * * *"),
    ok("0 0 0 ? * mon"),
    ok("0 0 0 1 * ?"),
    ok("0 0 0 ? * ?"), // robfig takes ? in both day fields
    ok("0 ? 0 * * *"), // robfig takes ? in any field
    ok("0 0 0 * * */2"),
    ok("0 1,,2 * * * *"), // robfig drops empty list items
    ok("0 +5 * * * *"), // strconv.Atoi takes a sign
    ok("0 05 * * * *"),
  ],
  "step 0, reversed ranges, junk": [
    err("0 */0 * * * *", "minute field", "step must be a positive number, not 0"),
    err("0 0 0 */0 * *", "day-of-month field", "not 0"),
    err("0 0 5-1 * * *", "hour field", "range 5-1 runs backwards"),
    err("0 0 0 * * fri-mon", "day-of-week field", "runs backwards"),
    err("0 0 0 * * */-1", "day-of-week field", "step must be a positive number, not -1"),
    err("0 0 0 * * 1/", "day-of-week field", "step after / is missing"),
    err("0 0 0 1-2-3 * *", "day-of-month field", `too many "-"`),
    err("0 0 */2/3 * * *", "hour field", `too many "/"`),
    err("x 0 0 * * *", "second field", `"x" is not a number`),
    err("0 0 0 * * 1#2", "day-of-week field", "# are not supported"),
    err("0 0 0 L * *", "day-of-month field", "L, W and # are not supported"),
    err("0 0 0 15W * *", "day-of-month field", "not supported"),
    err("0 0 0 * * 5-", "day-of-week field", "a number is missing"),
    err("0 $ 0 * * *", "minute field", `"$" is not a number`),
    err("\ufeff0 0 0 * * *", "second field"), // U+FEFF is not whitespace to Go
  ],
  "out-of-range values in every field": [
    err("60 0 0 * * *", "second field", "60 is out of range 0-59"),
    err("0 60 0 * * *", "minute field", "60 is out of range 0-59"),
    err("0 0 24 * * *", "hour field", "24 is out of range 0-23"),
    err("0 0 0 0 * *", "day-of-month field", "0 is out of range 1-31"),
    err("0 0 0 32 * *", "day-of-month field", "32 is out of range 1-31"),
    err("0 0 0 * 0 *", "month field", "0 is out of range 1-12"),
    err("0 0 0 * 13 *", "month field", "13 is out of range 1-12"),
    err("0 0 0 * * 7", 'day-of-week field "7": 7 is out of range 0-6 (7 is not Sunday here; use 0 or sun)'),
    err("0 0 0 * * 1-7", "day-of-week field", "7 is not Sunday here"),
    err("0 0 0 * * 8", "day-of-week field", "8 is out of range 0-6"),
    err("0 0 70/5 * * *", "hour field", "70 is out of range 0-23"),
    err("0 99999999999999999999 0 * * *", "minute field", "out of range"),
  ],
  "never-firing dates": [
    err("0 0 0 30 2 *", "never fires", 'day-of-month field "30"', 'month field "2"', "Feb has at most 29 days"),
    err("0 0 0 31 2 ?", "never fires", "day-of-month field"),
    err("0 0 0 31 4 *", "never fires", "Apr has at most 30 days"),
    err("0 0 0 31 4,6,9,11 *", "never fires", "Apr, Jun, Sep, Nov have at most 30 days"),
    err("0 0 0 31 apr-apr,jun,sep,nov *", "never fires"),
    err(", * * * * *", "second field", "has no values"),
    ok("0 0 0 29 2 *"), // leap years
    ok("0 0 0 31 3,4 *"),
    ok("0 0 0 30,31 2,4 *"),
  ],
  "day-of-month / day-of-week AND vs OR (robfig's star bit)": [
    ok("0 0 0 30 2 mon"), // both restricted: OR, so every Monday in February
    ok("0 0 0 30 2 1-5"),
    ok("0 0 0 30 2 */2"), // "*/2" drops the star bit: OR
    ok("0 0 0 30 2 0-6"), // full but no star: OR
    err("0 0 0 30 2 *", "never fires"), // "*" has the star bit: AND
    err("0 0 0 30 2 ?", "never fires"), // "?" too
    err("0 0 0 30 2 */1", "never fires"), // a step of 1 keeps it
    err("0 0 0 30 2 *,1", "never fires"),
    err("0 0 0 30 2 *-3", "never fires"), // robfig reads "*-3" as "*"
  ],
  "more often than once a minute": [
    warn("* * * * * *", "more than once a minute", 'second field "*"', "60 seconds"),
    warn("*/10 * * * * *", "more than once a minute", 'second field "*/10"', "6 seconds"),
    warn("0,30 * * * * *", "more than once a minute", 'second field "0,30"', "2 seconds"),
    warn("*/15 0 3 * * *", "more than once a minute", "4 seconds"),
    warn("? ? ? ? ? ?", "more than once a minute"),
    warn("@every 30s", "more than once a minute", "every 30s"),
    warn("@every 1.5s", "more than once a minute", "every 1s"),
    warn("@every 59s", "more than once a minute"),
    warn("0 0 0 *-5 * mon", 'day-of-month field "*-5" is read as "*"'),
  ],
  descriptors: [
    ok("@yearly"),
    ok("@annually"),
    ok("@monthly"),
    ok("@weekly"),
    ok("@daily"),
    ok("@midnight"),
    ok("@hourly"),
    err("@Daily", 'descriptor "@Daily" must be lower-case'),
    err("@HOURLY", "must be lower-case"),
    err("@reboot", 'unknown descriptor "@reboot"', "@every <duration>"),
    err("@daily ", "must not have leading or trailing whitespace"),
    err(" @daily", "must not have leading or trailing whitespace"),
    err("@daily 0", "unknown descriptor"),
  ],
  "@every": [
    ok("@every 1h"),
    ok("@every 1h30m"),
    ok("@every 1.5h"),
    ok("@every 2h45m30s"),
    ok("@every 60s"),
    ok("@every 90000ms"),
    ok("@every 61000000000ns"),
    err("@every 0s", '@every duration "0s" must be positive'),
    err("@every 0", "must be positive"),
    err("@every -1m", '@every duration "-1m" must be positive'),
    err("@every 500ms", '@every duration "500ms" is below one second'),
    err("@every 999999us", "below one second"),
    err("@every garbage", '@every duration "garbage" is not a duration'),
    err("@every 1d", 'unknown unit "d"', "for days use 24h"),
    err("@every 1h 30m", 'unknown unit "h "'),
    err("@every 90", "missing a unit"),
    err("@every", 'write "@every", one space, then a duration'),
    err("@every  1h", '@every duration " 1h"'), // robfig does not trim the duration
    err("@every 1h ", "trailing whitespace"),
    err("@every 99999999999h", "is too long"),
  ],
  "five fields": [
    err(
      "0 0 * * *",
      "has 5 fields, but the first field is seconds",
      '"0 0 * * *" would run every hour at minute 0',
      'for daily at midnight write "0 0 0 * * *"',
    ),
    err("30 2 * * *", 'for daily at 02:30 write "0 30 2 * * *"'),
    err("* * * * *", "would run every second", 'for every minute write "0 * * * * *"'),
    err("*/5 * * * *", "would run every 5 seconds", 'for every 5 minutes write "0 */5 * * * *"'),
    err("0 0 * * 0", 'for weekly on Sunday at midnight write "0 0 0 * * 0"'),
    err("0 0 * * mon", "first field is seconds (6 fields:", "weekly on Monday at midnight"),
    err("15 3 1 * *", 'for monthly on day 1 at 03:15 write "0 15 3 1 * *"'),
    err("0 9 * * 1-5", "on weekdays at 09:00"),
    err("0 */6 * * *", "every 6 hours at minute 0"),
    err("5 4 3,9 * *", 'you probably meant "0 5 4 3,9 * *"'),
    err("0 0 * * 7", 'six-field form would be "0 0 0 * * 7"'),
  ],
  "other field counts and prefixes": [
    err("0 0 0 * * * 2025", "has 7 fields", "no year field", '"0 0 0 * * *"'),
    err("0 0 12 * * ? *", "has 7 fields"),
    err("0 0 0 *", "has 4 fields", "expected 6"),
    err("daily", "has 1 field;", "descriptor such as @daily"),
    err("0 0 0 * * * * *", "has 8 fields"),
    err("", "must not be empty"),
    err("   ", "must not be blank"),
    err("CRON_TZ=Europe/Rome 0 0 0 * * *", 'time-zone prefix "CRON_TZ=Europe/Rome" is not supported'),
    err("TZ=UTC @daily", "time-zone prefix"),
  ],
};

function assertCase(c: Case): void {
  const problems = checkSchedule(c.expr);
  if ("ok" in c) {
    assert.deepEqual(problems, [], `${JSON.stringify(c.expr)} should be accepted`);
    return;
  }
  const first: ScheduleProblem | undefined = problems[0];
  assert.ok(first, `${JSON.stringify(c.expr)} should be refused`);
  assert.equal(first.severity, c.severity, `${JSON.stringify(c.expr)}: ${first.message}`);
  if (c.severity === "warning") {
    assert.ok(
      problems.every((p) => p.severity === "warning"),
      `${JSON.stringify(c.expr)}: only warnings`,
    );
  }
  for (const part of c.has) assert.ok(first.message.includes(part), `${JSON.stringify(c.expr)}: "${first.message}" lacks "${part}"`);
}

describe("checkSchedule", () => {
  for (const [group, list] of Object.entries(cases)) {
    describe(group, () => {
      for (const c of list) test(JSON.stringify(c.expr), () => assertCase(c));
    });
  }

  test("the table covers at least 50 expressions", () => {
    assert.ok(Object.values(cases).flat().length >= 50);
  });

  test("warnings fit the 120-character cut once prefixed", () => {
    const exprs = [
      ...Object.values(cases)
        .flat()
        .map((c) => c.expr),
      "0,1,2,3,4,5,6,7,8,9,10,11,12,13 * * * * *",
    ];
    for (const p of exprs.flatMap(checkSchedule).filter((x) => x.severity === "warning")) {
      assert.ok(p.message.length <= 95, `${p.message.length}: ${p.message}`);
    }
  });

  test("each bad field gets its own error", () => {
    const msgs = checkSchedule("60 0 24 * 13 *").map((p) => p.message);
    assert.equal(msgs.length, 3);
    assert.match(msgs[0] ?? "", /^second field/);
    assert.match(msgs[1] ?? "", /^hour field/);
    assert.match(msgs[2] ?? "", /^month field/);
  });
});

describe("parseSchedule", () => {
  const cron = (expr: string): CronSchedule => {
    const s = parseSchedule(expr);
    assert.ok(s && s.kind === "cron", expr);
    return s;
  };

  test("fields become value sets", () => {
    const s = cron("5/20 10-40/15 */6 1,15 jan-mar mon-fri");
    assert.deepEqual(s.second.values, [5, 25, 45]);
    assert.deepEqual(s.minute.values, [10, 25, 40]);
    assert.deepEqual(s.hour.values, [0, 6, 12, 18]);
    assert.deepEqual(s.dayOfMonth.values, [1, 15]);
    assert.deepEqual(s.month.values, [1, 2, 3]);
    assert.deepEqual(s.dayOfWeek.values, [1, 2, 3, 4, 5]);
  });

  test("the star bit: * and ? and */1 keep it, */2 and full ranges do not", () => {
    const s = cron("* ? */1 */2 1-12 *-3");
    assert.deepEqual([s.second.star, s.minute.star, s.hour.star], [true, true, true]);
    assert.equal(s.dayOfMonth.star, false);
    assert.deepEqual(s.dayOfMonth.values.slice(0, 3), [1, 3, 5]);
    assert.equal(s.month.star, false);
    assert.equal(s.dayOfWeek.star, true);
    assert.deepEqual(s.dayOfWeek.values, [0, 1, 2, 3, 4, 5, 6]);
  });

  test("a step past the range keeps only the start", () => {
    assert.deepEqual(cron("0 */100 * * * *").minute.values, [0]);
  });

  test("descriptors are the schedules robfig builds", () => {
    assert.deepEqual(cron("@weekly").dayOfWeek.values, [0]);
    assert.equal(cron("@weekly").dayOfMonth.star, true);
    assert.deepEqual(cron("@yearly").month.values, [1]);
    assert.deepEqual(cron("@hourly").hour.values.length, 24);
  });

  test("@every rounds down to whole seconds", () => {
    assert.deepEqual(parseSchedule("@every 1.5h"), { kind: "every", delaySeconds: 5400 });
    assert.deepEqual(parseSchedule("@every 90.9s"), { kind: "every", delaySeconds: 90 });
  });

  test("null when refused", () => {
    assert.equal(parseSchedule("0 0 0 30 2 *"), null);
    assert.equal(parseSchedule("0 0 * * *"), null);
    assert.equal(parseSchedule("@every 0s"), null);
  });

  test("describe names common shapes", () => {
    const d = (e: string): string | null => describeSchedule(cron(e));
    assert.equal(d("0 0 0 * * *"), "daily at midnight");
    assert.equal(d("0 30 2 * * *"), "daily at 02:30");
    assert.equal(d("0 0 * * * *"), "every hour at minute 0");
    assert.equal(d("0 0 1 * * 6"), "weekly on Saturday at 01:00");
    assert.equal(d("0 0 0 1 1 *"), "yearly on Jan 1 at midnight");
    assert.equal(d("0 0 0 1-31 * mon"), "daily at midnight"); // OR with a full day-of-month
    assert.equal(d("0 0 0 1 * mon"), null); // OR of two restrictions: not simple
  });
});

describe("parseGoDuration (Go's time.ParseDuration)", () => {
  const good: [string, bigint][] = [
    ["0", 0n],
    ["-0", 0n],
    ["+5s", 5_000_000_000n],
    ["5.s", 5_000_000_000n],
    [".5s", 500_000_000n],
    ["1.004s", 1_004_000_000n],
    ["12µs", 12_000n],
    ["12μs", 12_000n],
    ["10.5s4m", 250_500_000_000n],
    ["-2m3.4s", -123_400_000_000n],
    ["1h2m3s4ms5us6ns", 3_723_004_005_006n],
    ["0.3333333333333333333h", 1_200_000_000_000n],
    ["9223372036854775807ns", (1n << 63n) - 1n],
    ["9223372036s854ms775us807ns", (1n << 63n) - 1n],
    ["-9223372036854775808ns", -(1n << 63n)],
    ["0.830103483285477580700h", 2_988_372_539_827n],
  ];
  for (const [text, ns] of good) test(`${text} = ${ns}ns`, () => assert.equal(parseGoDuration(text), ns));

  const bad = ["", "3", "-", "s", ".", "-.", ".s", "+.s", "1d", "1H", "9223372036854775808ns", "9223372036854775.808us", "-9223372036854775809ns"];
  for (const text of bad) test(`${JSON.stringify(text)} is invalid`, () => assert.equal(typeof parseGoDuration(text), "string"));
});

describe("cron-validator as a secondary gate", () => {
  const options = { seconds: true, alias: true, allowBlankDay: true };

  test("robfig-only syntax is kept away from it", () => {
    assert.equal(inSharedGrammar(["?", "0", "0", "*", "*", "*"]), false);
    assert.equal(inSharedGrammar(["0", "0", "0", "?", "*", "?"]), false);
    assert.equal(inSharedGrammar(["0", "1,,2", "0", "*", "*", "*"]), false);
    assert.equal(inSharedGrammar(["0", "0", "0", "*-5", "*", "*"]), false);
    assert.equal(inSharedGrammar(["0", "+5", "0", "*", "*", "*"]), false);
    assert.equal(inSharedGrammar(["0", "*/5", "0", "?", "JAN-mar", "mon"]), true);
  });

  test("on the shared grammar it agrees with our parser", () => {
    // Mostly in-range values, so that both verdicts come up often.
    const fieldOf = (min: number, max: number, names: string[]): fc.Arbitrary<string> => {
      const value = fc.oneof(
        { arbitrary: fc.integer({ min, max }).map(String), weight: 6 },
        { arbitrary: fc.integer({ min: 0, max: 70 }).map(String), weight: 1 },
        { arbitrary: fc.constantFrom(...names, "foo"), weight: names.length > 0 ? 2 : 1 },
      );
      const step = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 10 }), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 70 }), weight: 1 });
      const base = fc.oneof(
        fc.constant("*"),
        value,
        fc.tuple(value, value).map(([a, b]) => `${a}-${b}`),
      );
      const item = fc.tuple(base, fc.option(step)).map(([b, n]) => (n === null ? b : `${b}/${n}`));
      return fc.array(item, { minLength: 1, maxLength: 2 }).map((xs) => xs.join(","));
    };
    const months = ["jan", "DEC", "Feb"];
    const days = ["sun", "Mon", "SAT"];
    const fields = fc.tuple(
      fieldOf(0, 59, []),
      fieldOf(0, 59, []),
      fieldOf(0, 23, []),
      fc.oneof({ arbitrary: fieldOf(1, 31, []), weight: 4 }, { arbitrary: fc.constant("?"), weight: 1 }),
      fieldOf(1, 12, months),
      fc.oneof({ arbitrary: fieldOf(0, 6, days), weight: 4 }, { arbitrary: fc.constant("?"), weight: 1 }),
    );
    let accepted = 0;
    fc.assert(
      fc.property(fields, (fs) => {
        fc.pre(inSharedGrammar(fs));
        const ours = "schedule" in parseCronFields(fs);
        if (ours) accepted++;
        return ours === isValidCron(fs.join(" "), options);
      }),
      { numRuns: 3000 },
    );
    assert.ok(accepted > 100, `only ${accepted} accepted samples`);
  });

  test("it would wrongly take five fields, 7 as Sunday and no descriptors, so we do not rely on it there", () => {
    assert.equal(isValidCron("0 0 * * *", options), true);
    assert.equal(checkSchedule("0 0 * * *")[0]?.severity, "error");
    assert.equal(isValidCron("@daily", options), false);
    assert.deepEqual(checkSchedule("@daily"), []);
  });
});
