// robfig/cron v1.2.0 Next, in UTC (the operator's Pod runs in UTC):
// robfig v1.2.0 spec.go SpecSchedule.Next / dayMatches and constantdelay.go ConstantDelaySchedule.Next.
// Time is whole seconds since the Unix epoch; calendar fields come from proleptic Gregorian
// arithmetic, as Go's time package uses.

import type { FieldSet, Schedule, SpecSchedule } from "./types.js";

const DAY = 86_400;

interface Civil {
  readonly year: number;
  readonly month: number; // 1-12
  readonly day: number; // 1-31
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: number; // 0 = Sunday
}

/** Days since 1970-01-01 of a date; day and month may overflow and roll over as Go's time.Date does. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y0 = year + Math.floor((month - 1) / 12);
  const m = ((((month - 1) % 12) + 12) % 12) + 1;
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5);
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468 + (day - 1);
}

function civil(t: number): Civil {
  const days = Math.floor(t / DAY);
  const rem = t - days * DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return {
    year: yoe + era * 400 + (month <= 2 ? 1 : 0),
    month,
    day: doy - Math.floor((153 * mp + 2) / 5) + 1,
    hour: Math.floor(rem / 3600),
    minute: Math.floor((rem % 3600) / 60),
    second: rem % 60,
    weekday: (((days + 4) % 7) + 7) % 7, // 1970-01-01 was a Thursday
  };
}

function at(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  return daysFromCivil(year, month, day) * DAY + hour * 3600 + minute * 60 + second;
}

/** A field's bitset as a lookup table (bits 0..63). */
type Table = readonly boolean[];

interface Tables {
  readonly second: Table;
  readonly minute: Table;
  readonly hour: Table;
  readonly dom: Table;
  readonly month: Table;
  readonly dow: Table;
  readonly dayAnd: boolean;
}

const tableCache = new WeakMap<SpecSchedule, Tables>();

function table(set: FieldSet): Table {
  const t: boolean[] = new Array<boolean>(64).fill(false);
  for (const v of set.values) t[v] = true;
  return t;
}

function tablesOf(s: SpecSchedule): Tables {
  let t = tableCache.get(s);
  if (t === undefined) {
    t = {
      second: table(s.second),
      minute: table(s.minute),
      hour: table(s.hour),
      dom: table(s.dom),
      month: table(s.month),
      dow: table(s.dow),
      // robfig v1.2.0 spec.go dayMatches: a star bit on either day field means both must match.
      dayAnd: s.dom.star || s.dow.star,
    };
    tableCache.set(s, t);
  }
  return t;
}

/** robfig v1.2.0 spec.go dayMatches. */
function dayMatches(t: Tables, day: number, weekday: number): boolean {
  const domMatch = t.dom[day] === true;
  const dowMatch = t.dow[weekday] === true;
  return t.dayAnd ? domMatch && dowMatch : domMatch || dowMatch;
}

function daysInMonth(year: number, month: number): number {
  return daysFromCivil(year, month + 1, 1) - daysFromCivil(year, month, 1);
}

/** The first value >= from set in the table, or undefined if none up to `size` - 1. */
function firstFrom(t: Table, from: number, size: number): number | undefined {
  for (let v = from; v < size; v++) if (t[v] === true) return v;
  return undefined;
}

/**
 * robfig v1.2.0 spec.go SpecSchedule.Next on whole seconds: start at the next whole second, then walk month, day,
 * hour, minute, second forward, zeroing the lower fields the first time anything moves, and starting
 * over from the month whenever a field wraps. Gives up (undefined = Go's zero time) once the year
 * passes the starting year + 5.
 * robfig steps the hour, minute and second one unit at a time; jumping straight to the next allowed
 * value, or to the wrap, lands on the same instant (the loops have no other effect), only faster.
 */
function nextSpec(s: SpecSchedule, afterSeconds: number): number | undefined {
  const tb = tablesOf(s);
  let t = afterSeconds + 1; // t.Add(1s - t.Nanosecond())
  let added = false;
  const yearLimit = civil(t).year + 5;
  wrap: for (;;) {
    let c = civil(t);
    if (c.year > yearLimit) return undefined;
    while (tb.month[c.month] !== true) {
      if (!added) {
        added = true;
        t = at(c.year, c.month, 1, 0, 0, 0);
        c = civil(t);
      }
      t = at(c.year, c.month + 1, c.day, c.hour, c.minute, c.second); // t.AddDate(0, 1, 0)
      c = civil(t);
      if (c.month === 1) continue wrap;
    }
    if (!dayMatches(tb, c.day, c.weekday)) {
      if (!added) {
        added = true;
        t = at(c.year, c.month, c.day, 0, 0, 0);
      }
      const last = daysInMonth(c.year, c.month);
      let { day, weekday } = c;
      do {
        t += DAY; // t.AddDate(0, 0, 1): no DST in UTC
        day++;
        weekday = (weekday + 1) % 7;
        if (day > last) continue wrap; // day 1 of the next month
      } while (!dayMatches(tb, day, weekday));
      c = civil(t);
    }
    if (tb.hour[c.hour] !== true) {
      if (!added) {
        added = true;
        t -= c.minute * 60 + c.second; // time.Date(..., hour, 0, 0, 0)
      }
      const h = firstFrom(tb.hour, c.hour, 24);
      t += ((h ?? 24) - c.hour) * 3600;
      if (h === undefined) continue; // hour 0 of the next day
      c = civil(t);
    }
    if (tb.minute[c.minute] !== true) {
      if (!added) {
        added = true;
        t -= c.second; // t.Truncate(time.Minute)
      }
      const m = firstFrom(tb.minute, c.minute, 60);
      t += ((m ?? 60) - c.minute) * 60;
      if (m === undefined) continue;
      c = civil(t);
    }
    if (tb.second[c.second] !== true) {
      added = true; // t.Truncate(time.Second) is a no-op on whole seconds
      const sec = firstFrom(tb.second, c.second, 60);
      t += (sec ?? 60) - c.second;
      if (sec === undefined) continue;
    }
    return t;
  }
}

/** Next firing after `after` in whole seconds (fraction of a second dropped, as Go drops nanoseconds). */
function nextSeconds(schedule: Schedule, afterSeconds: number): number | undefined {
  // robfig v1.2.0 constantdelay.go Next: t.Add(Delay - t.Nanosecond()).
  if (schedule.kind === "every") return afterSeconds + schedule.delaySeconds;
  return nextSpec(schedule, afterSeconds);
}

/** robfig's Schedule.Next(after) in UTC; undefined where robfig returns the zero time (nothing within its 5-year horizon). */
export function next(schedule: Schedule, after: Date): Date | undefined {
  const t = nextSeconds(schedule, Math.floor(after.getTime() / 1000));
  return t === undefined ? undefined : new Date(t * 1000);
}

/** The first `count` firings, each Next of the previous, as the operator's scheduler chains them; fewer if Next gives up. */
export function firings(schedule: Schedule, after: Date, count: number): Date[] {
  const out: Date[] = [];
  let t = Math.floor(after.getTime() / 1000);
  while (out.length < count) {
    const n = nextSeconds(schedule, t);
    if (n === undefined) break;
    out.push(new Date(n * 1000));
    t = n;
  }
  return out;
}

/** True when robfig's Next finds no firing at all within its horizon (it parses but never runs). */
export function neverFires(schedule: Schedule, from: Date): boolean {
  return next(schedule, from) === undefined;
}

/**
 * The last gap computed for a schedule (parse hands out one object per spec): the firings start
 * from a whole second, so within that second the answer is exact, and computing 200 firings costs
 * more than the rest of a ScheduledBackup's admission.
 */
const gaps = new WeakMap<Schedule, { second: number; count: number; gap: number | undefined }>();

/** The shortest gap in seconds between consecutive firings among the first `count`; undefined with fewer than two. */
export function minGapSeconds(schedule: Schedule, from: Date, count = 200): number | undefined {
  const second = Math.floor(from.getTime() / 1000);
  const known = gaps.get(schedule);
  if (known?.second === second && known.count === count) return known.gap;
  const f = firings(schedule, from, count);
  let min: number | undefined;
  for (let i = 1; i < f.length; i++) {
    const gap = ((f[i]?.getTime() ?? 0) - (f[i - 1]?.getTime() ?? 0)) / 1000;
    if (min === undefined || gap < min) min = gap;
  }
  gaps.set(schedule, { second, count, gap: min });
  return min;
}
