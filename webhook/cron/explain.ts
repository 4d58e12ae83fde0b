// What went wrong in a schedule: robfig v1.2.0's exact error text, and the same reason in plain words.

import type { FieldName } from "./types.js";

/** A field's bounds (robfig v1.2.0 spec.go: seconds, minutes, hours, dom, months, dow). */
export interface Bounds {
  readonly field: FieldName;
  /** How a user calls the field. */
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

/** The failures of robfig v1.2.0 parser.go getRange / parseIntOrName / mustParseInt, in their terms. */
export type RangeProblem =
  | { readonly kind: "hyphens"; readonly expr: string }
  | { readonly kind: "slashes"; readonly expr: string }
  | {
      readonly kind: "notNumber";
      readonly expr: string;
      readonly token: string;
      readonly role: "value" | "step";
      readonly atoiError: string;
      readonly tooLarge: boolean;
    }
  | { readonly kind: "negativeStep"; readonly expr: string; readonly token: string; readonly num: bigint }
  | { readonly kind: "belowMin"; readonly expr: string; readonly start: bigint }
  | { readonly kind: "aboveMax"; readonly expr: string; readonly end: bigint }
  | { readonly kind: "backwards"; readonly expr: string; readonly start: bigint; readonly end: bigint; readonly stepOnly: boolean }
  | { readonly kind: "zeroStep"; readonly expr: string };

/** robfig v1.2.0 parser.go getRange / mustParseInt error strings. */
export function robfigRangeError(p: RangeProblem, b: Bounds): string {
  switch (p.kind) {
    case "hyphens":
      return `Too many hyphens: ${p.expr}`;
    case "slashes":
      return `Too many slashes: ${p.expr}`;
    case "notNumber":
      return `Failed to parse int from ${p.token}: ${p.atoiError}`;
    case "negativeStep":
      return `Negative number (${p.num}) not allowed: ${p.token}`;
    case "belowMin":
      return `Beginning of range (${p.start}) below minimum (${b.min}): ${p.expr}`;
    case "aboveMax":
      return `End of range (${p.end}) above maximum (${b.max}): ${p.expr}`;
    case "backwards":
      return `Beginning of range (${p.start}) beyond end of range (${p.end}): ${p.expr}`;
    case "zeroStep":
      return `Step of range should be a positive number: ${p.expr}`;
  }
}

const FULL_NAMES: Readonly<Record<string, string>> = {
  january: "jan",
  february: "feb",
  march: "mar",
  april: "apr",
  june: "jun",
  july: "jul",
  august: "aug",
  september: "sep",
  sept: "sep",
  october: "oct",
  november: "nov",
  december: "dec",
  sunday: "sun",
  monday: "mon",
  tuesday: "tue",
  tues: "tue",
  wednesday: "wed",
  thursday: "thu",
  thur: "thu",
  thurs: "thu",
  friday: "fri",
  saturday: "sat",
};

const MONTH_NAMES = new Set(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]);
const DAY_NAMES = new Set(["sun", "mon", "tue", "wed", "thu", "fri", "sat"]);

function rangeText(b: Bounds): string {
  return `${b.min}-${b.max}`;
}

/** Where the number is missing in an item such as "5-", "-1" or "/2". */
function missingNumber(expr: string): string {
  if (expr.startsWith("-")) return `"${expr}" has no number before "-" (negative numbers are not allowed)`;
  if (expr.startsWith("/")) return `"${expr}" has no number or * before "/"`;
  return `"${expr}" is missing a number after "-"`;
}

/** Why a number is out of range, for the values people commonly get wrong. */
function outOfRangeHint(b: Bounds, n: bigint): string {
  if (b.field === "dayOfWeek" && n === 7n) return " (Sunday is 0 or SUN)";
  if (b.field === "hour" && n === 24n) return " (midnight is hour 0)";
  if ((b.field === "second" || b.field === "minute") && n === 60n) return ` (the ${b.label} after 59 is 0)`;
  if (b.field === "dayOfMonth" && n === 0n) return " (days of the month start at 1)";
  if (b.field === "month" && n === 0n) return " (January is 1 or JAN)";
  return "";
}

function notNumberHint(b: Bounds, token: string): string {
  const lower = token.toLowerCase();
  if (/^(CRON_)?TZ=/i.test(token)) {
    return "; time-zone prefixes (TZ=, CRON_TZ=) are not supported by the operator's cron library (robfig/cron v1.2.0): schedules run in the operator's time zone, UTC";
  }
  if (/^(l|lw|\d*l|\d+w|.*#.*)$/i.test(token)) return "; Quartz's L, W and # are not supported";
  const short = FULL_NAMES[lower];
  if (short !== undefined && b.names !== undefined && b.names[short] !== undefined) {
    return `; use the three-letter name ${short.toUpperCase()}`;
  }
  if (b.names === undefined && (MONTH_NAMES.has(lower) || DAY_NAMES.has(lower))) {
    return "; names are allowed only in the month (JAN-DEC) and day-of-week (SUN-SAT) fields";
  }
  if (b.field === "month" && DAY_NAMES.has(lower)) return "; that is a weekday name, and this is the month field";
  if (b.field === "dayOfWeek" && MONTH_NAMES.has(lower)) return "; that is a month name, and this is the day-of-week field";
  return b.names !== undefined ? ` or a ${b.field === "month" ? "month" : "weekday"} name` : "";
}

/** The same reason in plain words, naming the field and what was written. */
export function explainRangeProblem(p: RangeProblem, b: Bounds, field: string): string {
  const where = `${b.label} field "${field}"`;
  switch (p.kind) {
    case "hyphens":
      return `${where}: "${p.expr}" has more than one "-"; a range is written a-b`;
    case "slashes":
      return `${where}: "${p.expr}" has more than one "/"; a step is written a-b/n or */n`;
    case "notNumber":
      if (p.role === "step") {
        if (p.token === "") return `${where}: "${p.expr}" has nothing after "/"; write the step as a whole number, e.g. */5`;
        if (p.tooLarge) return `${where}: the step "${p.token}" in "${p.expr}" is too large a number`;
        return `${where}: the step "${p.token}" in "${p.expr}" is not a whole number`;
      }
      if (p.token === "") return `${where}: ${missingNumber(p.expr)}`;
      if (p.tooLarge) return `${where}: "${p.token}" is too large a number; the ${b.label} must be in ${rangeText(b)}`;
      return `${where}: "${p.token}" is not a number${notNumberHint(b, p.token)}`;
    case "negativeStep":
      return `${where}: the step "${p.token}" in "${p.expr}" must be a positive number`;
    case "belowMin":
      return `${b.label} "${p.expr}" is out of range ${rangeText(b)}${outOfRangeHint(b, p.start)}`;
    case "aboveMax":
      return `${b.label} "${p.expr}" is out of range ${rangeText(b)}${outOfRangeHint(b, p.end)}`;
    case "backwards":
      if (p.stepOnly) return `${b.label} "${p.expr}" starts at ${p.start}, out of range ${rangeText(b)}${outOfRangeHint(b, p.start)}`;
      return (
        `${b.label} range "${p.expr}" runs backwards (${p.start} > ${p.end}); ranges do not wrap around, ` +
        `write a list instead, e.g. ${p.start}-${b.max},${b.min}-${p.end}`
      );
    case "zeroStep":
      return `${where}: the step in "${p.expr}" must be a positive number, not 0`;
  }
}

const DESCRIPTORS = "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>";

/** Plain words for robfig v1.2.0 parser.go parseDescriptor's "Unrecognized descriptor". */
export function explainUnknownDescriptor(spec: string): string {
  const base = `"${spec}" is not a schedule descriptor the operator knows; use ${DESCRIPTORS}`;
  if (spec === "@reboot") return `${base} (@reboot is not supported)`;
  if (spec !== spec.trimEnd()) return `${base}, with nothing after it (no trailing spaces)`;
  if (/^@every\b/i.test(spec)) return `${base}: "@every" must be followed by exactly one space and a duration such as 1h30m`;
  const known = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
  if (known.includes(spec.toLowerCase())) return `${base} (descriptors are lower case: ${spec.toLowerCase()})`;
  return base;
}

/** Plain words for a bad duration after "@every ". */
export function explainDuration(spec: string, goError: string): string {
  return (
    `the duration in "${spec}" is not a Go duration (${goError}); write it like 30m, 1h30m or 24h: ` +
    `a number and a unit, units ns, us, ms, s, m, h, no spaces and no days`
  );
}

/** Plain words for a wrong number of fields. */
export function explainFieldCount(spec: string, fields: readonly string[], standard: boolean): string {
  const expected = standard
    ? "exactly 5 fields: minute hour day-of-month month day-of-week"
    : "6 fields: second minute hour day-of-month month day-of-week (or 5, leaving out day-of-week)";
  let text = `the schedule has ${fields.length} field${fields.length === 1 ? "" : "s"}, but the operator expects ${expected}`;
  const first = fields[0] ?? "";
  if (/^(CRON_)?TZ=/i.test(first)) {
    text += "; time-zone prefixes (TZ=, CRON_TZ=) are not supported by robfig/cron v1.2.0: schedules run in the operator's time zone, UTC";
  } else if (first.startsWith("@")) {
    text += `; a descriptor such as @daily must be the whole schedule, with no spaces around it`;
  } else if (spec.trim() === "") {
    text = "the schedule is blank";
  }
  return text;
}
