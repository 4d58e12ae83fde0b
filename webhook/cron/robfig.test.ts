// Hand-written cases for the robfig/cron v1.2.0 model; oracle.test.ts checks every oracle line.

import { test } from "node:test";
import assert from "node:assert/strict";
import {
  describe,
  firings,
  fiveFieldReadings,
  minGapSeconds,
  neverFires,
  next,
  parse,
  parseStandard,
  type ParseResult,
  type Schedule,
  type SpecSchedule,
} from "./robfig.js";
import { parseGoDuration } from "./duration.js";
import { goAtoi, goFields, goQuote } from "./gostr.js";

const FROM = new Date("2021-03-01T00:00:00Z");

function ok(spec: string, result: ParseResult = parse(spec)): Schedule {
  assert.ok(result.ok, `${JSON.stringify(spec)} should parse: ${result.ok ? "" : result.error}`);
  return result.schedule;
}

function spec(s: string): SpecSchedule {
  const sch = ok(s);
  assert.equal(sch.kind, "spec");
  return sch as SpecSchedule;
}

function refused(s: string, result: ParseResult = parse(s)): { error: string; field?: string; explanation: string } {
  assert.ok(!result.ok, `${JSON.stringify(s)} should be refused`);
  return result;
}

function iso(dates: readonly Date[]): string[] {
  return dates.map((d) => d.toISOString().replace(".000Z", "Z"));
}

function nextFive(s: string | Schedule): string[] {
  return iso(firings(typeof s === "string" ? ok(s) : s, FROM, 5));
}

test("a step keeps the star bit: `*/2` in day-of-month means odd days AND the weekday", () => {
  const s = spec("0 0 0 */2 * 1");
  assert.equal(s.dom.star, true);
  assert.deepEqual(s.dom.values.slice(0, 3), [1, 3, 5]);
  assert.deepEqual(nextFive(s), ["2021-03-15T00:00:00Z", "2021-03-29T00:00:00Z", "2021-04-05T00:00:00Z", "2021-04-19T00:00:00Z", "2021-05-03T00:00:00Z"]);
  // `?/3` is starred too; `1-31/2` is not, so odd days OR Mondays.
  assert.equal(spec("0 0 0 ?/3 * *").dom.star, true);
  const or = spec("0 0 0 1-31/2 * 1");
  assert.equal(or.dom.star, false);
  assert.deepEqual(nextFive(or), ["2021-03-03T00:00:00Z", "2021-03-05T00:00:00Z", "2021-03-07T00:00:00Z", "2021-03-08T00:00:00Z", "2021-03-09T00:00:00Z"]);
});

test("empty list items are dropped; an all-empty field allows nothing and has no star", () => {
  const monthly = spec("0 0 0 1 * ,");
  assert.deepEqual(monthly.dow, { values: [], star: false });
  assert.deepEqual(nextFive(monthly), ["2021-04-01T00:00:00Z", "2021-05-01T00:00:00Z", "2021-06-01T00:00:00Z", "2021-07-01T00:00:00Z", "2021-08-01T00:00:00Z"]);
  assert.equal(describe(monthly), "monthly on day 1 at 00:00:00");
  assert.deepEqual(nextFive("0 0 0 , * 1")[0], "2021-03-08T00:00:00Z");
  assert.deepEqual(spec("0 0 0 1,,15, * *").dom.values, [1, 15]);
});

test("@every: Go durations, below one second runs every second, sub-second part dropped", () => {
  assert.deepEqual(ok("@every 500ms"), { kind: "every", delaySeconds: 1 });
  assert.deepEqual(ok("@every -1h"), { kind: "every", delaySeconds: 1 });
  assert.deepEqual(ok("@every 1.9s"), { kind: "every", delaySeconds: 1 });
  assert.deepEqual(ok("@every 1h30m10s"), { kind: "every", delaySeconds: 5410 });
  assert.deepEqual(ok("@every 1\u00b5s1h"), { kind: "every", delaySeconds: 3600 });
  assert.deepEqual(nextFive("@every 500ms"), [
    "2021-03-01T00:00:01Z",
    "2021-03-01T00:00:02Z",
    "2021-03-01T00:00:03Z",
    "2021-03-01T00:00:04Z",
    "2021-03-01T00:00:05Z",
  ]);
  assert.equal(refused("@every 1d").error, 'Failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"');
  assert.equal(refused("@every  1h").error, 'Failed to parse duration @every  1h: time: invalid duration " 1h"');
  assert.equal(refused("@every\t1h").error, "Unrecognized descriptor: @every\t1h");
  assert.equal(refused("@every 1d").field, "descriptor");
});

test("Go's time.ParseDuration edge cases", () => {
  assert.deepEqual(parseGoDuration("0"), { ok: true, nanoseconds: 0n });
  assert.deepEqual(parseGoDuration("+.5h"), { ok: true, nanoseconds: 1_800_000_000_000n });
  assert.deepEqual(parseGoDuration("5."), { ok: false, error: 'time: missing unit in duration "5."' });
  assert.deepEqual(parseGoDuration("."), { ok: false, error: 'time: invalid duration "."' });
  assert.deepEqual(parseGoDuration("9223372036854775807ns"), { ok: true, nanoseconds: 9223372036854775807n });
  assert.deepEqual(parseGoDuration("9223372036854775808ns"), { ok: false, error: 'time: invalid duration "9223372036854775808ns"' });
  assert.deepEqual(parseGoDuration("-9223372036854775808ns"), { ok: true, nanoseconds: -9223372036854775808n });
  assert.deepEqual(parseGoDuration("1\u00e9"), { ok: false, error: 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"' });
});

test("descriptors are exact and case-sensitive", () => {
  assert.equal(describe(ok("@daily")), "daily at 00:00:00");
  assert.equal(describe(ok("@weekly")), "weekly on Sunday at 00:00:00");
  assert.equal(describe(ok("@hourly")), "every hour at minute 0");
  assert.equal(describe(ok("@yearly")), "yearly on January 1 at 00:00:00");
  assert.equal(refused("@DAILY").error, "Unrecognized descriptor: @DAILY");
  assert.match(refused("@DAILY").explanation, /lower case: @daily/);
  assert.equal(refused("@daily ").error, "Unrecognized descriptor: @daily ");
  assert.equal(refused(" @daily").error, "Expected 5 to 6 fields, found 1:  @daily");
  assert.equal(refused("@reboot").field, "descriptor");
});

test("month and weekday names in any case, only in their own fields", () => {
  const s = spec("0 0 0 * JaN-mAr mOn-FRI");
  assert.deepEqual(s.month.values, [1, 2, 3]);
  assert.deepEqual(s.dow.values, [1, 2, 3, 4, 5]);
  // Go's strings.ToLower maps U+0130 to "i", so robfig reads "FRİ" as Friday.
  assert.deepEqual(spec("0 0 0 * * FR\u0130").dow.values, [5]);
  const tues = refused("0 0 0 * * tues");
  assert.equal(tues.error, 'Failed to parse int from tues: strconv.Atoi: parsing "tues": invalid syntax');
  assert.equal(tues.field, "dayOfWeek");
  assert.match(tues.explanation, /TUE/);
  assert.equal(refused("0 0 mon * * *").error, 'Failed to parse int from mon: strconv.Atoi: parsing "mon": invalid syntax');
  assert.equal(refused("0 0 0 * * */mon").error, 'Failed to parse int from mon: strconv.Atoi: parsing "mon": invalid syntax');
});

test("`?` is a star in every field", () => {
  const s = spec("? ? ? ? ? ?");
  assert.equal(s.second.values.length, 60);
  assert.equal(s.dow.star, true);
  assert.equal(describe(s), "every second");
});

test("out of range, reversed ranges, steps: robfig's exact text and a plain explanation", () => {
  const seven = refused("0 0 0 * * 7");
  assert.equal(seven.error, "End of range (7) above maximum (6): 7");
  assert.equal(seven.field, "dayOfWeek");
  assert.equal(seven.explanation, 'day-of-week "7" is out of range 0-6 (Sunday is 0 or SUN)');
  assert.equal(refused("0 0 0 * * 0-7").error, "End of range (7) above maximum (6): 0-7");
  assert.equal(refused("0 0 0 0 * *").error, "Beginning of range (0) below minimum (1): 0");
  const back = refused("0 0 0 * * fri-mon");
  assert.equal(back.error, "Beginning of range (5) beyond end of range (1): fri-mon");
  assert.match(back.explanation, /runs backwards.*5-6,0-1/);
  assert.equal(refused("0 0 41/2 * * *").error, "Beginning of range (41) beyond end of range (23): 41/2");
  assert.equal(refused("0 0 0 * * */0").error, "Step of range should be a positive number: */0");
  assert.equal(refused("0 0 0 * * */-1").error, "Negative number (-1) not allowed: -1");
  assert.equal(refused("0 0 0 1-2-3 * *").error, "Too many hyphens: 1-2-3");
  assert.equal(refused("0 0 0 */2/3 * *").error, "Too many slashes: */2/3");
  assert.equal(refused("0 0 0 5- * *").error, 'Failed to parse int from : strconv.Atoi: parsing "": invalid syntax');
  assert.match(refused("0 0 0 * * -1").explanation, /negative numbers are not allowed/);
  // Checks run in robfig's order: a bad low end beats a hyphen count, the step beats the bounds.
  assert.equal(refused("0 0 0 x-1-2 * *").error, 'Failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
  assert.equal(refused("0 0 0 99/x * *").error, 'Failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax');
  // And fields in order: the second field is reported before the day-of-week.
  assert.equal(refused("60 0 0 * * 7").field, "second");
});

test("what robfig ignores or allows that other crons do not", () => {
  assert.deepEqual(spec("0 0 0 * * *-3").dow, spec("0 0 0 * * *").dow); // anything after "*-" is ignored
  assert.deepEqual(spec("0 +5 * * * *").minute.values, [5]); // Go's Atoi takes a sign
  assert.deepEqual(spec("*/61 * * * * *").second.values, [0]);
  assert.deepEqual(spec("0 0 0 * * */9223372036854775807").dow.values, [0]);
  assert.equal(
    refused("0 0 0 * * */9223372036854775808").error,
    'Failed to parse int from 9223372036854775808: strconv.Atoi: parsing "9223372036854775808": value out of range',
  );
});

test("Go's strconv.Atoi and Quote in error texts", () => {
  assert.deepEqual(goAtoi("+0007"), { ok: true, value: 7n });
  assert.deepEqual(goAtoi("-0"), { ok: true, value: 0n });
  assert.equal(goAtoi("1_000").ok, false); // underscores only with base 0
  const long = goAtoi("99999999999999999999x");
  assert.ok(!long.ok && long.reason === "range"); // the overflow is met before the "x"
  const shortBad = goAtoi("99x");
  assert.ok(!shortBad.ok && shortBad.reason === "syntax");
  assert.equal(goQuote('a\u200bb\u0007\u00e9"\\'), '"a\\u200bb\\a\u00e9\\"\\\\"');
  assert.equal(goQuote("\u{e0001}"), '"\\U000e0001"');
  assert.equal(refused("\ufeff0 0 0 * * *").error, 'Failed to parse int from \ufeff0: strconv.Atoi: parsing "\\ufeff0": invalid syntax');
});

test("whitespace is Go's unicode.IsSpace, not JS's \\s", () => {
  assert.deepEqual(goFields("\u00850\u00a00 0\u3000* *\t*  "), ["0", "0", "0", "*", "*", "*"]);
  assert.deepEqual(goFields("0\ufeff0"), ["0\ufeff0"]);
  assert.equal(refused("").error, "Empty spec string");
  assert.equal(refused("   ").error, "Expected 5 to 6 fields, found 0:    ");
});

test("TZ= and CRON_TZ= prefixes are not special in v1.2.0: a plain parse error", () => {
  assert.equal(refused("TZ=UTC 0 0 0 * * *").error, "Expected 5 to 6 fields, found 7: TZ=UTC 0 0 0 * * *");
  const five = refused("CRON_TZ=UTC 0 0 0 * *");
  assert.equal(five.error, 'Failed to parse int from CRON_TZ=UTC: strconv.Atoi: parsing "CRON_TZ=UTC": invalid syntax');
  assert.equal(five.field, "second");
  assert.match(five.explanation, /time-zone prefixes/);
  assert.match(refused("TZ=UTC 0 0 0 * * *").explanation, /time-zone prefixes/);
});

test("never fires: February 30th; the five-year horizon is counted from the start year", () => {
  const feb30 = ok("0 0 0 30 2 */2");
  assert.equal(neverFires(feb30, FROM), true);
  assert.equal(next(feb30, FROM), undefined);
  assert.deepEqual(firings(feb30, FROM, 5), []);
  assert.equal(minGapSeconds(feb30, FROM), undefined);
  // Sundays that are the 1st, 8th... of February: 2026 is within 2021+5; the next (2032) is not within 2026+5.
  assert.deepEqual(nextFive("0 0 0 */7 2 SUN"), ["2026-02-01T00:00:00Z", "2026-02-08T00:00:00Z", "2026-02-15T00:00:00Z", "2026-02-22T00:00:00Z"]);
  // Feb 29th on leap years, 4 years apart: found each time.
  assert.deepEqual(nextFive("0 0 12 29-31/3 Feb */2"), ["2024-02-29T12:00:00Z", "2028-02-29T12:00:00Z", "2032-02-29T12:00:00Z"]);
});

test("Next works in whole seconds after the given instant", () => {
  const everySecond = ok("* * * * * *");
  assert.deepEqual(next(everySecond, new Date("2021-03-01T00:00:00.999Z")), new Date("2021-03-01T00:00:01Z"));
  assert.deepEqual(next(ok("@every 10s"), new Date("2021-03-01T00:00:00.500Z")), new Date("2021-03-01T00:00:10Z"));
  assert.deepEqual(next(ok("0 0 0 * * *"), new Date("2021-02-28T23:59:59.999Z")), new Date("2021-03-01T00:00:00Z"));
  assert.equal(minGapSeconds(ok("0 0/5 * * * *"), FROM), 300);
  assert.equal(minGapSeconds(ok("@monthly"), FROM), 28 * 86_400);
});

test("five fields: the operator reads seconds first; the standard reading is minute first", () => {
  const hourly = fiveFieldReadings("0 0 * * *");
  assert.ok(hourly);
  assert.equal(hourly.operator.description, "every hour at minute 0");
  assert.equal(hourly.operator.sixFields, "0 0 * * * *");
  assert.deepEqual(nextFive(ok("0 0 * * *"))[0], "2021-03-01T01:00:00Z");
  assert.equal(hourly.standard.description, "daily at 00:00:00");
  assert.equal(hourly.standard.sixFields, "0 0 0 * * *");

  const midnight = fiveFieldReadings("0 0 0 * *");
  assert.ok(midnight);
  assert.equal(midnight.operator.description, "daily at 00:00:00");
  assert.equal(midnight.operator.sixFields, "0 0 0 * * *");
  assert.equal(midnight.standard.result.ok, false);
  assert.equal(midnight.standard.sixFields, undefined);
  assert.equal(refused("0 0 0 * *", parseStandard("0 0 0 * *")).error, "Beginning of range (0) below minimum (1): 0");

  const twoThirty = fiveFieldReadings("0 30 2 * *");
  assert.ok(twoThirty);
  assert.equal(twoThirty.operator.description, "daily at 02:30:00");
  assert.equal(twoThirty.standard.result.ok ? "" : twoThirty.standard.result.error, "End of range (30) above maximum (23): 30");

  const stars = fiveFieldReadings("* * * * *");
  assert.ok(stars);
  assert.equal(stars.operator.description, "every second");
  assert.equal(stars.standard.description, "every minute");
  assert.equal(stars.standard.sixFields, "0 * * * * *");

  const monday = refused("0 2 * * MON");
  assert.equal(monday.error, 'Failed to parse int from MON: strconv.Atoi: parsing "MON": invalid syntax');
  assert.equal(monday.field, "month");
  assert.match(monday.explanation, /weekday name.*with 5 fields the operator reads second minute hour/);
  assert.equal(fiveFieldReadings("0 0 0 * * *"), undefined);
  assert.equal(fiveFieldReadings("@daily"), undefined);
  assert.equal(refused("0 0 0 * * *", parseStandard("0 0 0 * * *")).error, "Expected exactly 5 fields, found 6: 0 0 0 * * *");
});

test("every suggested six-field form parses to the same schedule", () => {
  for (const s of ["0 0 * * *", "*/5 * * * 1-5", "0 12 1 jan ?", "15 10 ,1 * *", "0 0 * * 7", "1-2 3 4 5 6"]) {
    const r = fiveFieldReadings(s);
    assert.ok(r, s);
    for (const reading of [r.operator, r.standard]) {
      if (reading.sixFields === undefined) continue;
      assert.ok(reading.result.ok);
      const six = parse(reading.sixFields);
      assert.ok(six.ok, reading.sixFields);
      assert.deepEqual(six.schedule, reading.result.schedule, `${s} -> ${reading.sixFields}`);
    }
  }
});

test("describe: common shapes only", () => {
  const d = (s: string): string | undefined => describe(ok(s));
  assert.equal(d("0 0 0 * * *"), "daily at 00:00:00");
  assert.equal(d("0 0 * * * *"), "every hour at minute 0");
  assert.equal(d("30 5 * * * *"), "every hour at minute 5, second 30");
  assert.equal(d("0 0 */6 * * *"), "every 6 hours at minute 0");
  assert.equal(d("0 */15 * * * *"), "every 15 minutes");
  assert.equal(d("0 * * * * *"), "every minute");
  assert.equal(d("*/2 * * * * *"), "every 2 seconds");
  assert.equal(d("0 0 3 * * sun"), "weekly on Sunday at 03:00:00");
  assert.equal(d("0 0 3 31 * *"), "monthly on day 31 at 03:00:00 (months without that day are skipped)");
  assert.equal(d("0 0 0 29 2 *"), "yearly on February 29 at 00:00:00 (leap years only)");
  assert.equal(d("@every 2h"), "every 2 hours");
  assert.equal(d("@every 90s"), "every 90 seconds");
  assert.equal(d("0 0 */7 * * *"), undefined); // 0,7,14,21: the gap across midnight is 3 hours
  assert.equal(d("0 0 0 1 * 1"), undefined); // the 1st OR Mondays
  assert.equal(d("0 0 0 * * 1-5"), undefined);
  assert.equal(d("0 0 0 1-31 * 1"), "daily at 00:00:00"); // no star bit: every day OR Mondays
});

test("answers kept for a repeated schedule are the answers computed afresh: one parse per spec, one gap per whole second", () => {
  assert.equal(parse("0 30 2 * * *"), parse("0 30 2 * * *"), "one ParseResult per spec");
  assert.equal(fiveFieldReadings("0 0 * * *"), fiveFieldReadings("0 0 * * *"));
  const s = ok("0,1 * * * * *");
  // Two firings: from second 0 they are :01 and 1:00 (59 s apart); from second 1 they are 1:00 and 1:01.
  const at = (iso: string) => minGapSeconds(s, new Date(iso), 2);
  assert.equal(at("2021-01-01T00:00:00.000Z"), 59);
  assert.equal(at("2021-01-01T00:00:00.999Z"), 59, "the same whole second");
  assert.equal(at("2021-01-01T00:00:01.000Z"), 1, "a new second is computed again");
  assert.equal(minGapSeconds(s, new Date("2021-01-01T00:00:01.000Z"), 200), 1, "and so is another count");
  assert.equal(minGapSeconds(s, new Date("2021-01-01T00:00:00.000Z"), 200), 1);
});
