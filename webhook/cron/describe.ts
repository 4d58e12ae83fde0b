// Plain words for common schedule shapes, and the two readings of a five-field schedule.

import { goFields } from "./gostr.js";
import { remembered } from "./memo.js";
import { parse, parseStandard } from "./parse.js";
import type { FieldSet, ParseResult, Schedule, SpecSchedule } from "./types.js";

const WEEKDAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

/** The longest each month gets (February 29 in leap years). */
const LONGEST_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function single(set: FieldSet): number | undefined {
  return set.values.length === 1 ? set.values[0] : undefined;
}

function isFull(set: FieldSet, size: number): boolean {
  return set.values.length === size;
}

/** k when the set is exactly 0, k, 2k, ... and k divides `size` (so the gap is k even across the wrap). */
function evenStep(set: FieldSet, size: number): number | undefined {
  const k = set.values[1];
  if (set.values[0] !== 0 || k === undefined || size % k !== 0 || set.values.length !== size / k) return undefined;
  return set.values.every((v, i) => v === i * k) ? k : undefined;
}

function plural(n: number, unit: string): string {
  return n === 1 ? `every ${unit}` : `every ${n} ${unit}s`;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function describeEvery(delaySeconds: number): string {
  if (delaySeconds % 3600 === 0) return plural(delaySeconds / 3600, "hour");
  if (delaySeconds % 60 === 0) return plural(delaySeconds / 60, "minute");
  return plural(delaySeconds, "second");
}

/** Time of day when second, minute and hour are each one value. */
function clock(s: SpecSchedule): string | undefined {
  const [h, m, sec] = [single(s.hour), single(s.minute), single(s.second)];
  return h === undefined || m === undefined || sec === undefined ? undefined : `${pad(h)}:${pad(m)}:${pad(sec)}`;
}

/** Sub-daily shapes on every day: every second / N seconds / minute / N minutes / hour / N hours. */
function describeWithinDay(s: SpecSchedule): string | undefined {
  const sec = single(s.second);
  const min = single(s.minute);
  const time = clock(s);
  if (time !== undefined) return `daily at ${time}`;
  const secondPart = sec ? `, second ${sec}` : "";
  if (min !== undefined && sec !== undefined) {
    if (isFull(s.hour, 24)) return `every hour at minute ${min}${secondPart}`;
    const k = evenStep(s.hour, 24);
    return k === undefined ? undefined : `every ${k} hours at minute ${min}${secondPart}`;
  }
  if (!isFull(s.hour, 24)) return undefined;
  if (sec !== undefined) {
    if (isFull(s.minute, 60)) return sec ? `every minute at second ${sec}` : "every minute";
    const k = evenStep(s.minute, 60);
    return k === undefined ? undefined : `every ${k} minutes${sec ? ` at second ${sec}` : ""}`;
  }
  if (!isFull(s.minute, 60)) return undefined;
  if (isFull(s.second, 60)) return "every second";
  const k = evenStep(s.second, 60);
  return k === undefined ? undefined : `every ${k} seconds`;
}

/**
 * A short description for common shapes ("daily at 00:00:00", "every hour at minute 0",
 * "weekly on Sunday at 00:00:00", "every 2 seconds"); undefined when the shape is not simple.
 * Day matching follows robfig v1.2.0 spec.go dayMatches: a star bit on either day field means both must match.
 */
export function describe(schedule: Schedule): string | undefined {
  if (schedule.kind === "every") return describeEvery(schedule.delaySeconds);
  const s = schedule;
  const and = s.dom.star || s.dow.star;
  const domFull = isFull(s.dom, 31);
  const dowFull = isFull(s.dow, 7);
  const everyDay = and ? domFull && dowFull : domFull || dowFull;
  const monthFull = isFull(s.month, 12);
  // Which day field alone decides the day: the other allows every day under AND, or nothing under OR.
  const byDomOnly = and ? dowFull : s.dow.values.length === 0;
  const byDowOnly = and ? domFull : s.dom.values.length === 0;
  const time = clock(s);
  if (monthFull && everyDay) return describeWithinDay(s);
  if (time === undefined) return undefined;
  const dow = single(s.dow);
  const dom = single(s.dom);
  if (monthFull && byDowOnly && dow !== undefined) return `weekly on ${WEEKDAY_NAMES[dow] ?? dow} at ${time}`;
  if (!byDomOnly || dom === undefined) return undefined;
  const skipped = dom > 28 ? " (months without that day are skipped)" : "";
  if (monthFull) return `monthly on day ${dom} at ${time}${skipped}`;
  const month = single(s.month);
  if (month === undefined) return undefined;
  if (dom > (LONGEST_MONTH[month - 1] ?? 31)) return undefined; // never fires, e.g. February 30
  const leap = month === 2 && dom === 29 ? " (leap years only)" : "";
  return `yearly on ${MONTH_NAMES[month - 1] ?? month} ${dom} at ${time}${leap}`;
}

function sameSet(a: FieldSet, b: FieldSet): boolean {
  return a.star === b.star && a.values.length === b.values.length && a.values.every((v, i) => v === b.values[i]);
}

/** Whether two schedules are the same robfig schedule (same bitsets, same star bits). */
function sameSchedule(a: Schedule, b: Schedule): boolean {
  if (a.kind === "every" || b.kind === "every") {
    return a.kind === "every" && b.kind === "every" && a.delaySeconds === b.delaySeconds;
  }
  return (["second", "minute", "hour", "dom", "month", "dow"] as const).every((k) => sameSet(a[k], b[k]));
}

export interface Reading {
  /** The field order of this reading. */
  readonly order: string;
  readonly result: ParseResult;
  /** The six-field schedule `parse` accepts with the very same meaning; absent when this reading does not parse. */
  readonly sixFields?: string;
  readonly description?: string;
}

export interface FiveFieldReadings {
  /** What the operator does with it: cron.Parse, seconds first, day-of-week left as `*`. */
  readonly operator: Reading;
  /** What the author of a usual crontab line probably meant: cron.ParseStandard, minute first. */
  readonly standard: Reading;
}

/** A reading whose six-field form is offered only after `parse` accepts it as the same schedule. */
function reading(order: string, result: ParseResult, candidate: string): Reading {
  if (!result.ok) return { order, result };
  const six = parse(candidate);
  const description = describe(result.schedule);
  const base = description === undefined ? { order, result } : { order, result, description };
  return six.ok && sameSchedule(six.schedule, result.schedule) ? { ...base, sixFields: candidate } : base;
}

/**
 * The two readings of a five-field schedule, for messages such as "the operator runs this every hour
 * at minute 0; for daily at midnight write `0 0 0 * * *`". Undefined unless the spec has exactly five
 * fields (as robfig splits them) and is not a descriptor.
 */
export const fiveFieldReadings: (spec: string) => FiveFieldReadings | undefined = remembered(readingsOf);

function readingsOf(spec: string): FiveFieldReadings | undefined {
  const fields = goFields(spec);
  if (fields.length !== 5 || spec.startsWith("@")) return undefined;
  return {
    operator: reading("second minute hour day-of-month month", parse(spec), [...fields, "*"].join(" ")),
    standard: reading("minute hour day-of-month month day-of-week", parseStandard(spec), ["0", ...fields].join(" ")),
  };
}
