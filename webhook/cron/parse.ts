// robfig/cron v1.2.0 parser.go: cron.Parse and cron.ParseStandard, accept/refuse and error text exact.

import { parseGoDuration } from "./duration.js";
import { remembered } from "./memo.js";
import {
  explainDuration,
  explainFieldCount,
  explainRangeProblem,
  explainUnknownDescriptor,
  robfigRangeError,
  type Bounds,
  type RangeProblem,
} from "./explain.js";
import { goAtoi, goFields, goToLower } from "./gostr.js";
import type { FieldSet, ParseResult, ProblemField, Schedule, SpecSchedule } from "./types.js";

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const WEEKDAYS: Readonly<Record<string, number>> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

/** robfig v1.2.0 spec.go bounds, in parser.go `places` order. */
const BOUNDS: readonly Bounds[] = [
  { field: "second", label: "second", min: 0, max: 59 },
  { field: "minute", label: "minute", min: 0, max: 59 },
  { field: "hour", label: "hour", min: 0, max: 23 },
  { field: "dayOfMonth", label: "day-of-month", min: 1, max: 31 },
  { field: "month", label: "month", min: 1, max: 12, names: MONTHS },
  { field: "dayOfWeek", label: "day-of-week", min: 0, max: 6, names: WEEKDAYS },
];

/** robfig v1.2.0 parser.go `defaults`: what a field left out stands for. */
const DEFAULTS = ["0", "0", "0", "*", "*", "*"] as const;

/** A parser configuration (parser.go NewParser): which of the six places the spec supplies. */
interface ParserOptions {
  readonly places: readonly [boolean, boolean, boolean, boolean, boolean, boolean];
  /** DowOptional: the last supplied place (day-of-week) may be left out. */
  readonly dowOptional: boolean;
  readonly descriptors: boolean;
}

/** cron.Parse: Second | Minute | Hour | Dom | Month | DowOptional | Descriptor (parser.go defaultParser). */
const DEFAULT_PARSER: ParserOptions = {
  places: [true, true, true, true, true, true],
  dowOptional: true,
  descriptors: true,
};

/** cron.ParseStandard: Minute | Hour | Dom | Month | Dow | Descriptor (parser.go standardParser). */
const STANDARD_PARSER: ParserOptions = {
  places: [false, true, true, true, true, true],
  dowOptional: false,
  descriptors: true,
};

interface Item {
  readonly values: readonly number[];
  readonly star: boolean;
}

type ValueResult = { ok: true; value: bigint } | { ok: false; problem: RangeProblem };

/** robfig v1.2.0 parser.go parseIntOrName then mustParseInt: a name (any case, Go's ToLower) or a non-negative int. */
function parseIntOrName(token: string, expr: string, b: Bounds, role: "value" | "step"): ValueResult {
  const named = role === "value" ? b.names?.[goToLower(token)] : undefined;
  if (named !== undefined) return { ok: true, value: BigInt(named) };
  const n = goAtoi(token);
  if (!n.ok) {
    return { ok: false, problem: { kind: "notNumber", expr, token, role, atoiError: n.error, tooLarge: n.reason === "range" } };
  }
  // Only a step can be negative: a value's "-" was already taken as a range separator.
  if (n.value < 0n) return { ok: false, problem: { kind: "negativeStep", expr, token, num: n.value } };
  return { ok: true, value: n.value };
}

/** robfig v1.2.0 parser.go getBits: start..end every step (start and end already within 0..63). */
function bitsOf(start: number, end: number, step: bigint): number[] {
  const values: number[] = [];
  const inc = step > 64n ? 64 : Number(step);
  for (let v = start; v <= end; v += inc) values.push(v);
  return values;
}

/**
 * robfig v1.2.0 parser.go getRange: `*` | `?` | n | a-b, each optionally /step. Checks happen in robfig's order:
 * the low end, the hyphen count, the high end, the step, the slash count, then the bounds.
 */
function getRange(expr: string, b: Bounds): Item | RangeProblem {
  const rangeAndStep = expr.split("/");
  const lowAndHigh = (rangeAndStep[0] ?? "").split("-");
  const singleDigit = lowAndHigh.length === 1;
  const low = lowAndHigh[0] ?? "";
  let start: bigint;
  let end: bigint;
  // The star bit is set for `*`/`?` even with a step (v1.2.0; v3 clears it when the step exceeds 1),
  // and whatever follows "*-" is ignored.
  const star = low === "*" || low === "?";
  if (star) {
    start = BigInt(b.min);
    end = BigInt(b.max);
  } else {
    const s = parseIntOrName(low, expr, b, "value");
    if (!s.ok) return s.problem;
    start = s.value;
    if (lowAndHigh.length === 1) {
      end = start;
    } else if (lowAndHigh.length === 2) {
      const e = parseIntOrName(lowAndHigh[1] ?? "", expr, b, "value");
      if (!e.ok) return e.problem;
      end = e.value;
    } else {
      return { kind: "hyphens", expr };
    }
  }
  let step = 1n;
  if (rangeAndStep.length === 2) {
    const st = parseIntOrName(rangeAndStep[1] ?? "", expr, b, "step");
    if (!st.ok) return st.problem;
    step = st.value;
    if (singleDigit) end = BigInt(b.max); // "N/step" means "N-max/step"
  } else if (rangeAndStep.length > 2) {
    return { kind: "slashes", expr };
  }
  if (start < BigInt(b.min)) return { kind: "belowMin", expr, start };
  if (end > BigInt(b.max)) return { kind: "aboveMax", expr, end };
  if (start > end) return { kind: "backwards", expr, start, end, stepOnly: singleDigit && rangeAndStep.length === 2 };
  if (step === 0n) return { kind: "zeroStep", expr };
  return { values: bitsOf(Number(start), Number(end), step), star };
}

/** robfig v1.2.0 parser.go getField: comma-separated items; strings.FieldsFunc drops empty items (`1,,2`, `,5`). */
function getField(field: string, b: Bounds): FieldSet | RangeProblem {
  const values = new Set<number>();
  let star = false;
  for (const expr of field.split(",")) {
    if (expr === "") continue;
    const item = getRange(expr, b);
    if ("kind" in item) return item;
    for (const v of item.values) values.add(v);
    star ||= item.star;
  }
  return { values: [...values].sort((x, y) => x - y), star };
}

function fail(error: string, field: ProblemField, explanation: string): ParseResult {
  return { ok: false, error, field, explanation };
}

function fullSet(b: Bounds): FieldSet {
  return { values: bitsOf(b.min, b.max, 1n), star: true };
}

function only(v: number): FieldSet {
  return { values: [v], star: false };
}

/** robfig v1.2.0 parser.go parseDescriptor: the fixed descriptors (case-sensitive, exact) and `@every <Go duration>`. */
function parseDescriptor(spec: string): ParseResult {
  const [sec, min, hour, dom, month, dow] = BOUNDS as readonly [Bounds, Bounds, Bounds, Bounds, Bounds, Bounds];
  const at = (h: FieldSet, d: FieldSet, m: FieldSet, w: FieldSet): ParseResult => ({
    ok: true,
    schedule: { kind: "spec", second: only(sec.min), minute: only(min.min), hour: h, dom: d, month: m, dow: w },
  });
  switch (spec) {
    case "@yearly":
    case "@annually":
      return at(only(hour.min), only(dom.min), only(month.min), fullSet(dow));
    case "@monthly":
      return at(only(hour.min), only(dom.min), fullSet(month), fullSet(dow));
    case "@weekly":
      return at(only(hour.min), fullSet(dom), fullSet(month), only(dow.min));
    case "@daily":
    case "@midnight":
      return at(only(hour.min), fullSet(dom), fullSet(month), fullSet(dow));
    case "@hourly":
      return at(fullSet(hour), fullSet(dom), fullSet(month), fullSet(dow));
  }
  const every = "@every ";
  if (spec.startsWith(every)) {
    const d = parseGoDuration(spec.slice(every.length));
    if (!d.ok) return fail(`Failed to parse duration ${spec}: ${d.error}`, "descriptor", explainDuration(spec, d.error));
    return { ok: true, schedule: everySchedule(d.nanoseconds) };
  }
  return fail(`Unrecognized descriptor: ${spec}`, "descriptor", explainUnknownDescriptor(spec));
}

/** robfig v1.2.0 constantdelay.go Every: below one second means one second; the sub-second part is dropped. */
function everySchedule(nanoseconds: bigint): Schedule {
  const second = 1_000_000_000n;
  const delay = nanoseconds < second ? second : nanoseconds;
  return { kind: "every", delaySeconds: Number(delay / second) };
}

/** robfig v1.2.0 parser.go Parser.Parse for the given options. */
function parseWith(spec: string, options: ParserOptions): ParseResult {
  if (spec.length === 0) return fail("Empty spec string", "count", "the schedule is empty");
  if (spec[0] === "@" && options.descriptors) return parseDescriptor(spec);
  const max = options.places.filter(Boolean).length;
  const min = max - (options.dowOptional ? 1 : 0);
  const fields = goFields(spec);
  const count = fields.length;
  if (count < min || count > max) {
    const error = min === max ? `Expected exactly ${min} fields, found ${count}: ${spec}` : `Expected ${min} to ${max} fields, found ${count}: ${spec}`;
    return fail(error, "count", explainFieldCount(spec, fields, !options.places[0]));
  }
  // robfig v1.2.0 parser.go expandFields: supplied fields fill the configured places in order, the rest take defaults.
  const expanded: string[] = [...DEFAULTS];
  let n = 0;
  options.places.forEach((used, i) => {
    if (used && n < count) expanded[i] = fields[n++] ?? "";
  });
  const sets: FieldSet[] = [];
  for (const [i, b] of BOUNDS.entries()) {
    const raw = expanded[i] ?? "";
    const set = getField(raw, b);
    if ("kind" in set) {
      // Five fields under cron.Parse are read seconds first; most authors meant the crontab order.
      const order =
        count < max && options.places[0]
          ? "; with 5 fields the operator reads second minute hour day-of-month month, not the usual crontab order minute hour day-of-month month day-of-week"
          : "";
      return fail(robfigRangeError(set, b), b.field, explainRangeProblem(set, b, raw) + order);
    }
    sets.push(set);
  }
  const [second, minute, hour, dom, month, dow] = sets as [FieldSet, FieldSet, FieldSet, FieldSet, FieldSet, FieldSet];
  const schedule: SpecSchedule = { kind: "spec", second, minute, hour, dom, month, dow };
  return { ok: true, schedule };
}

/** cron.Parse (v1.2.0): `sec min hour dom month [dow]` or a descriptor. What the operator calls. */
export const parse: (spec: string) => ParseResult = remembered((spec) => parseWith(spec, DEFAULT_PARSER));

/** cron.ParseStandard (v1.2.0): `min hour dom month dow` or a descriptor; seconds are 0. */
export const parseStandard: (spec: string) => ParseResult = remembered((spec) => parseWith(spec, STANDARD_PARSER));
