// spec.schedule of a ScheduledBackup, checked exactly as the operator's scheduler reads it:
// github.com/robfig/cron/v3 with
//   cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
// Our own small evaluator is the authority: each field becomes the set of values it allows (as robfig's
// bitset does), and "never fires" / "more than once a minute" are decided from those sets.
// cron-validator is consulted only as a secondary syntax gate, on the part of the grammar it shares with robfig.

import { isValidCron } from "cron-validator";

export interface ScheduleProblem {
  severity: "error" | "warning";
  /** Human message WITHOUT the field path prefix; e.g. `day-of-week field "7": 7 is out of range 0-6 (7 is not Sunday here; use 0 or sun)` */
  message: string;
}

/** The values one field allows, as robfig's bitset holds them. */
export interface FieldSet {
  /** The field as written. */
  readonly raw: string;
  /** Allowed values, ascending, no duplicates. */
  readonly values: readonly number[];
  /** robfig's "star bit": some item was `*` or `?` with no step above 1. It decides day-of-month/day-of-week AND vs OR. */
  readonly star: boolean;
}

export interface CronSchedule {
  readonly kind: "cron";
  readonly second: FieldSet;
  readonly minute: FieldSet;
  readonly hour: FieldSet;
  readonly dayOfMonth: FieldSet;
  readonly month: FieldSet;
  readonly dayOfWeek: FieldSet;
}

export interface EverySchedule {
  readonly kind: "every";
  /** Whole seconds between runs, rounded as robfig's cron.Every does. */
  readonly delaySeconds: number;
}

export type ParsedSchedule = CronSchedule | EverySchedule;

type FieldKey = Exclude<keyof CronSchedule, "kind">;

interface FieldDef {
  readonly key: FieldKey;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
  readonly nameHint?: string;
}

const MONTH_NAMES = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const WEEKDAYS_LONG = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

const FIELD_DEFS: readonly FieldDef[] = [
  { key: "second", label: "second", min: 0, max: 59 },
  { key: "minute", label: "minute", min: 0, max: 59 },
  { key: "hour", label: "hour", min: 0, max: 23 },
  { key: "dayOfMonth", label: "day-of-month", min: 1, max: 31 },
  {
    key: "month",
    label: "month",
    min: 1,
    max: 12,
    names: Object.fromEntries(MONTH_NAMES.map((n, i) => [n, i + 1])),
    nameHint: " or month name (jan-dec)",
  },
  {
    key: "dayOfWeek",
    label: "day-of-week",
    min: 0,
    max: 6,
    names: Object.fromEntries(WEEKDAY_NAMES.map((n, i) => [n, i])),
    nameHint: " or weekday name (sun-sat)",
  },
];

const SIX_FIELDS = "second minute hour day-of-month month day-of-week";

/** Longest days of each month (index 1-12); Feb 29 exists in leap years, so it can fire. */
const MAX_DAYS = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

// ---------------------------------------------------------------------------------------------
// Whitespace, as Go's strings.Fields (unicode.IsSpace) sees it: JS \s differs (it has U+FEFF, lacks U+0085).

const GO_SPACE = "\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const GO_SPACES = new RegExp(`[${GO_SPACE}]+`);
const GO_TRIM = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, "g");

function goFields(s: string): string[] {
  return s.split(GO_SPACES).filter((f) => f !== "");
}

// ---------------------------------------------------------------------------------------------
// Fields (robfig getField / getRange / parseIntOrName / mustParseInt)

const MAX_INT64 = (1n << 63n) - 1n;

/** strconv.Atoi, which allows a sign and leading zeros; a reason string when it fails. */
function atoi(tok: string): bigint | string {
  if (tok === "") return "a number is missing";
  if (!/^[+-]?[0-9]+$/.test(tok)) return `"${tok}" is not a number`;
  const n = BigInt(tok);
  return n > MAX_INT64 || n < -MAX_INT64 - 1n ? `${tok} is out of range` : n;
}

/** Go's strings.ToLower maps U+0130 (İ) to a plain "i"; JS adds a combining dot. */
function goLower(s: string): string {
  return s.replace(/\u0130/g, "i").toLowerCase();
}

function outOfRange(tok: string, def: FieldDef): string {
  const base = `${tok} is out of range ${def.min}-${def.max}`;
  // Many crons take 7 as Sunday; robfig does not.
  return def.key === "dayOfWeek" && /^\+?0*7$/.test(tok) ? `${base} (7 is not Sunday here; use 0 or sun)` : base;
}

/** One value of a range: a number, or a month/weekday name in any case. */
function parseValue(tok: string, def: FieldDef): number | string {
  const named = def.names?.[goLower(tok)];
  if (named !== undefined) return named;
  const n = atoi(tok);
  if (typeof n === "bigint") return n < def.min || n > def.max ? outOfRange(tok, def) : Number(n);
  if (tok === "") return n;
  if (/^[+-]?[0-9]+$/.test(tok)) return outOfRange(tok, def); // beyond int64
  const quartz = /#|^\d*L$|^\d+W$|^LW$/i.test(tok) ? "; Quartz's L, W and # are not supported" : "";
  return `"${tok}" is not a number${def.nameHint ?? ""}${quartz}`;
}

function parseStep(tok: string): number | string {
  const n = atoi(tok);
  if (typeof n === "string") return tok === "" ? "the step after / is missing" : `step ${n}`;
  return n <= 0n ? `step must be a positive number, not ${tok}` : Number(n);
}

interface Item {
  values: number[];
  star: boolean;
}

/** One comma-separated item: `*`, `?`, `n`, `a-b`, each optionally `/step`. */
function parseItem(expr: string, def: FieldDef): Item | string {
  const [rangePart = "", ...steps] = expr.split("/");
  if (steps.length > 1) return `too many "/" in "${expr}"`;
  const ends = rangePart.split("-");
  let start = def.min;
  let end = def.max;
  let star = false;
  if (ends[0] === "*" || ends[0] === "?") {
    star = true; // robfig ignores anything after "*-" or "?-"
  } else {
    if (ends.length > 2) return `too many "-" in "${expr}"`;
    const a = parseValue(ends[0] ?? "", def);
    if (typeof a === "string") return a;
    const b = ends.length === 2 ? parseValue(ends[1] ?? "", def) : a;
    if (typeof b === "string") return b;
    if (a > b) return `range ${rangePart} runs backwards (${a} > ${b}); ranges cannot wrap around, use a list`;
    [start, end] = [a, b];
  }
  let step = 1;
  if (steps.length === 1) {
    const s = parseStep(steps[0] ?? "");
    if (typeof s === "string") return s;
    if (ends.length === 1) end = def.max; // "a/n" means "a-max/n"
    if (s > 1) star = false; // robfig v3: "*/2" does not count as a star for the day rule
    step = s;
  }
  const values: number[] = [];
  for (let v = start; v <= end; v += step) values.push(v);
  return { values, star };
}

/** A whole field: comma-separated items, empty items dropped (robfig splits with strings.FieldsFunc). */
function parseField(raw: string, def: FieldDef): FieldSet | string {
  const values = new Set<number>();
  let star = false;
  for (const expr of raw.split(",").filter((e) => e !== "")) {
    const item = parseItem(expr, def);
    if (typeof item === "string") return `${def.label} field "${raw}": ${item}`;
    item.values.forEach((v) => values.add(v));
    star ||= item.star;
  }
  return { raw, values: [...values].sort((x, y) => x - y), star };
}

/** Six fields to a schedule, or one error per bad field. */
export function parseCronFields(fields: readonly string[]): { schedule: CronSchedule } | { errors: string[] } {
  const errors: string[] = [];
  const sets: Partial<Record<FieldKey, FieldSet>> = {};
  FIELD_DEFS.forEach((def, i) => {
    const set = parseField(fields[i] ?? "", def);
    if (typeof set === "string") errors.push(set);
    else sets[def.key] = set;
  });
  if (errors.length > 0) return { errors };
  return { schedule: { kind: "cron", ...(sets as Record<FieldKey, FieldSet>) } };
}

// ---------------------------------------------------------------------------------------------
// Evaluation from the value sets

/** robfig's dayMatches: if either day field has the star bit both must match, otherwise either may. */
function dayMatches(s: CronSchedule, day: number, weekday: number): boolean {
  const dom = s.dayOfMonth.values.includes(day);
  const dow = s.dayOfWeek.values.includes(weekday);
  return s.dayOfMonth.star || s.dayOfWeek.star ? dom && dow : dom || dow;
}

/** Why the schedule can never fire, or null if it can. Every date falls on every weekday in some year. */
function neverFires(s: CronSchedule): string | null {
  const empty = FIELD_DEFS.find((d) => s[d.key].values.length === 0);
  if (empty) return `${empty.label} field "${s[empty.key].raw}" has no values, so the schedule never fires`;
  for (const m of s.month.values) {
    for (let day = 1; day <= (MAX_DAYS[m] ?? 0); day++) {
      for (let w = 0; w <= 6; w++) if (dayMatches(s, day, w)) return null;
    }
  }
  const months = s.month.values;
  const longest = Math.max(...months.map((m) => MAX_DAYS[m] ?? 0));
  const names = months.map((m) => cap(MONTH_NAMES[m - 1] ?? "")).join(", ");
  return (
    `day-of-month field "${s.dayOfMonth.raw}" never occurs in month field "${s.month.raw}" ` +
    `(${names} ${months.length === 1 ? "has" : "have"} at most ${longest} days), so the schedule never fires`
  );
}

function clip(s: string, max = 16): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Several seconds in the second field means several runs in every minute that fires. */
function frequencyWarning(s: CronSchedule): string | null {
  const n = s.second.values.length;
  return n > 1 ? `runs more than once a minute: second field "${clip(s.second.raw)}" matches ${n} seconds` : null;
}

/** robfig drops whatever follows "*-" or "?-"; say so rather than let "*-5" look like a range. */
function ignoredTailWarnings(fields: readonly string[]): string[] {
  return FIELD_DEFS.flatMap((def, i) =>
    (fields[i] ?? "")
      .split(",")
      .filter((e) => /^[*?]-/.test(e))
      .map((e) => `${def.label} field "${clip(e)}" is read as "${e[0]}"; the part after "-" is ignored`),
  );
}

// cron-validator agrees with robfig except on: `?` outside the day fields or in both of them, empty list items,
// `*-x`, and signed numbers. Only expressions free of those are put through it.
const SHARED_ITEM = /^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?$/;
const VALIDATOR_OPTIONS = { seconds: true, alias: true, allowBlankDay: true, allowSevenAsSunday: false } as const;

export function inSharedGrammar(fields: readonly string[]): boolean {
  if (fields.length !== 6 || (fields[3] === "?" && fields[5] === "?")) return false;
  return fields.every((f, i) => (f === "?" ? i === 3 || i === 5 : f.split(",").every((e) => SHARED_ITEM.test(e))));
}

/** The secondary gate: false only when cron-validator, on the shared grammar, refuses what we accepted. */
function passesSecondaryCheck(fields: readonly string[]): boolean {
  return !inSharedGrammar(fields) || isValidCron(fields.join(" "), VALIDATOR_OPTIONS);
}

// ---------------------------------------------------------------------------------------------
// Plain-words description of common shapes (for the five-field hint)

const isFull = (f: FieldSet, def: FieldDef): boolean => f.values.length === def.max - def.min + 1;
const single = (f: FieldSet): number | undefined => (f.values.length === 1 ? f.values[0] : undefined);
const defOf = (key: FieldKey): FieldDef => FIELD_DEFS.find((d) => d.key === key) as FieldDef;
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const pad = (n: number): string => String(n).padStart(2, "0");

/** N when the field is exactly min, min+N, min+2N, ... filling the range evenly (a star with step N). */
function evenStep(f: FieldSet, def: FieldDef): number | undefined {
  const [a, b] = f.values;
  if (a !== def.min || b === undefined) return undefined;
  const n = b - a;
  const span = def.max - def.min + 1;
  const even = span % n === 0 && f.values.length === span / n && f.values.every((v, i) => v === a + i * n);
  return even ? n : undefined;
}

/** Which days it runs on, when that is simple to say. */
function dayPhrase(s: CronSchedule): string | null {
  const domAll = isFull(s.dayOfMonth, defOf("dayOfMonth"));
  const dowAll = isFull(s.dayOfWeek, defOf("dayOfWeek"));
  if (!(s.dayOfMonth.star || s.dayOfWeek.star)) return domAll || dowAll ? "daily" : null; // OR rule
  if (domAll && dowAll) return "daily";
  const dow = single(s.dayOfWeek);
  const dom = single(s.dayOfMonth);
  if (domAll && dow !== undefined) return `weekly on ${WEEKDAYS_LONG[dow]}`;
  if (domAll && s.dayOfWeek.values.join() === "1,2,3,4,5") return "on weekdays";
  if (dowAll && dom !== undefined) return `monthly on day ${dom}`;
  return null;
}

function clock(h: number, m: number, sec: number): string {
  if (h === 0 && m === 0 && sec === 0) return "midnight";
  return sec === 0 ? `${pad(h)}:${pad(m)}` : `${pad(h)}:${pad(m)}:${pad(sec)}`;
}

/** "every hour at minute 0", "daily at 02:30", "weekly on Sunday at midnight", ...; null when not simple. */
export function describeSchedule(s: CronSchedule): string | null {
  let days = dayPhrase(s);
  const month = single(s.month);
  if (days?.startsWith("monthly") && month !== undefined) {
    days = `yearly on ${cap(MONTH_NAMES[month - 1] ?? "")} ${single(s.dayOfMonth)}`;
  } else if (!isFull(s.month, defOf("month"))) days = null;
  if (days === null) return null;
  const [sec, min, hour] = [single(s.second), single(s.minute), single(s.hour)];
  const secAll = isFull(s.second, defOf("second"));
  const minAll = isFull(s.minute, defOf("minute"));
  const hourAll = isFull(s.hour, defOf("hour"));
  if (sec !== undefined && min !== undefined && hour !== undefined) return `${days} at ${clock(hour, min, sec)}`;
  if (days !== "daily") return null;
  const secN = evenStep(s.second, defOf("second"));
  if (minAll && hourAll) {
    if (secAll) return "every second";
    if (sec === 0) return "every minute";
    if (sec !== undefined) return `every minute at second ${sec}`;
    return secN ? `every ${secN} seconds` : null;
  }
  if (sec !== 0) return null;
  if (hourAll && min !== undefined) return `every hour at minute ${min}`;
  const minN = evenStep(s.minute, defOf("minute"));
  if (hourAll && minN) return `every ${minN} minutes`;
  const hourN = evenStep(s.hour, defOf("hour"));
  if (hourN && min !== undefined) return `every ${hourN} hours at minute ${min}`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Descriptors and @every (Go's time.ParseDuration)

const DESCRIPTORS: Readonly<Record<string, readonly string[]>> = {
  "@yearly": ["0", "0", "0", "1", "1", "*"],
  "@annually": ["0", "0", "0", "1", "1", "*"],
  "@monthly": ["0", "0", "0", "1", "*", "*"],
  "@weekly": ["0", "0", "0", "*", "*", "0"],
  "@daily": ["0", "0", "0", "*", "*", "*"],
  "@midnight": ["0", "0", "0", "*", "*", "*"],
  "@hourly": ["0", "0", "*", "*", "*", "*"],
};
const DESCRIPTOR_LIST = "@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>";

const NS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1000000n,
  s: 1000000000n,
  m: 60000000000n,
  h: 3600000000000n,
};
const TWO_63 = 1n << 63n;
const SECOND_NS = 1000000000n;

/** Digits after the point, as Go's leadingFraction: precision beyond int64 is dropped, not an error. */
function leadingFraction(digits: string): { f: bigint; scale: number } {
  let f = 0n;
  let scale = 1;
  for (const c of digits) {
    const next = f * 10n + BigInt(c);
    if (f > MAX_INT64 / 10n || next > TWO_63) break;
    f = next;
    scale *= 10;
  }
  return { f, scale };
}

/** Go's time.ParseDuration in nanoseconds (`1h30m`, `1.5h`, `300ms`, `-1m`); a reason string when invalid. */
export function parseGoDuration(text: string): bigint | string {
  let s = text;
  const neg = s.startsWith("-");
  if (neg || s.startsWith("+")) s = s.slice(1);
  if (s === "0") return 0n; // the only unit-less duration
  if (s === "") return "is not a duration";
  let total = 0n;
  while (s !== "") {
    const num = /^([0-9]*)(?:\.([0-9]*))?/.exec(s);
    const [whole = "", int = "", frac] = num ?? [];
    if (int === "" && !frac) return "is not a duration (expected e.g. 1h30m, 1.5h, 300ms)";
    s = s.slice(whole.length);
    const unitText = /^[^0-9.]*/.exec(s)?.[0] ?? "";
    if (unitText === "") return "is missing a unit (ns, us, ms, s, m or h)";
    const unit = NS_PER_UNIT[unitText];
    if (unit === undefined) {
      const hint = unitText === "d" ? "; for days use 24h" : "";
      return `has unknown unit "${unitText}" (use ns, us, µs, ms, s, m or h${hint})`;
    }
    s = s.slice(unitText.length);
    let v = BigInt(int || "0");
    if (v > TWO_63 / unit) return "is too long";
    v *= unit;
    if (frac) {
      const { f, scale } = leadingFraction(frac);
      if (f > 0n) v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
    }
    total += v;
    if (v > TWO_63 || total > TWO_63) return "is too long";
  }
  if (neg) return -total;
  return total > MAX_INT64 ? "is too long" : total;
}

function checkEvery(arg: string): { problems: ScheduleProblem[]; delaySeconds?: number } {
  const d = parseGoDuration(arg);
  if (typeof d === "string") return { problems: [error(`@every duration "${arg}" ${d}`)] };
  // robfig's cron.Every raises anything under a second to one second, which is never what was meant.
  const everySecond = "(the scheduler would run it every second)";
  if (d <= 0n) return { problems: [error(`@every duration "${arg}" must be positive ${everySecond}`)] };
  if (d < SECOND_NS) return { problems: [error(`@every duration "${arg}" is below one second ${everySecond}`)] };
  const delaySeconds = Number(d / SECOND_NS); // robfig truncates to whole seconds
  const problems = delaySeconds < 60 ? [warning(`runs more than once a minute (every ${delaySeconds}s)`)] : [];
  return { problems, delaySeconds };
}

/** Descriptors are matched on the untrimmed text and case-sensitively, like robfig. */
function checkDescriptor(schedule: string, text: string): Analysis {
  if (schedule !== text) return fail(`descriptor "${clip(text, 30)}" must not have leading or trailing whitespace`);
  const fields = DESCRIPTORS[text];
  if (fields) return analyseSixFields(fields);
  if (text.startsWith("@every ")) {
    const { problems, delaySeconds } = checkEvery(text.slice("@every ".length));
    return { problems, parsed: delaySeconds === undefined ? null : { kind: "every", delaySeconds } };
  }
  const shown = clip(text, 30);
  const lower = goLower(text);
  if (DESCRIPTORS[lower] || lower.startsWith("@every ")) return fail(`descriptor "${shown}" must be lower-case`);
  if (/^@every\b/i.test(text)) return fail(`"${shown}": write "@every", one space, then a duration, e.g. "@every 1h"`);
  return fail(`unknown descriptor "${shown}"; use ${DESCRIPTOR_LIST}`);
}

// ---------------------------------------------------------------------------------------------
// Field counts other than six

function quote(fields: readonly string[]): string {
  return `"${fields.join(" ")}"`;
}

/** Five fields: almost always a classic minute-first cron; say what it would do and what was meant. */
function checkFiveFields(fields: readonly string[]): ScheduleProblem[] {
  // With the seconds field first, robfig (if it allowed five) would take day-of-week as "*".
  const literal = parseCronFields([...fields, "*"]);
  const literalText = "schedule" in literal && !neverFires(literal.schedule) ? describeSchedule(literal.schedule) : null;
  const intended = ["0", ...fields];
  const intent = analyseSixFields(intended);
  const intentErrors = intent.problems.filter((p) => p.severity === "error");
  const intentText = intent.parsed?.kind === "cron" ? describeSchedule(intent.parsed) : null;

  let msg = "has 5 fields, but the first field is seconds";
  msg += literalText ? `: ${quote(fields)} would run ${literalText}` : ` (6 fields: ${SIX_FIELDS})`;
  if (intentErrors.length > 0) msg += `; the six-field form would be ${quote(intended)}`;
  else msg += intentText ? `; for ${intentText} write ${quote(intended)}` : `; you probably meant ${quote(intended)}`;
  return [error(msg), ...intentErrors];
}

function countProblem(fields: readonly string[]): ScheduleProblem {
  const n = fields.length;
  const base = `has ${n} field${n === 1 ? "" : "s"}; expected 6 (${SIX_FIELDS})`;
  if (n === 7) return error(`${base} - there is no year field; drop the last one: ${quote(fields.slice(0, 6))}`);
  return error(`${base} or a descriptor such as @daily`);
}

// ---------------------------------------------------------------------------------------------
// Entry points

interface Analysis {
  problems: ScheduleProblem[];
  parsed: ParsedSchedule | null;
}

function error(message: string): ScheduleProblem {
  return { severity: "error", message };
}
function warning(message: string): ScheduleProblem {
  return { severity: "warning", message };
}
function fail(message: string): Analysis {
  return { problems: [error(message)], parsed: null };
}

function analyseSixFields(fields: readonly string[]): Analysis {
  const result = parseCronFields(fields);
  if ("errors" in result) return { problems: result.errors.map(error), parsed: null };
  const s = result.schedule;
  const problems = ignoredTailWarnings(fields).map(warning);
  const never = neverFires(s);
  if (never) return { problems: [...problems, error(never)], parsed: null };
  const often = frequencyWarning(s);
  if (often) problems.push(warning(often));
  if (!passesSecondaryCheck(fields)) {
    const refused = error(`${quote(fields)} is refused by the secondary cron syntax check`);
    return { problems: [...problems, refused], parsed: null };
  }
  return { problems, parsed: s };
}

function analyse(schedule: string): Analysis {
  const text = schedule.replace(GO_TRIM, "");
  if (text === "") return fail(schedule === "" ? "must not be empty" : "must not be blank");
  // robfig would take a CRON_TZ=/TZ= prefix, but README "Rules" does not: backups run in the operator's time zone.
  if (/^(CRON_)?TZ=/.test(text)) {
    return fail(`time-zone prefix "${clip(goFields(text)[0] ?? "", 30)}" is not supported; remove it`);
  }
  if (text.startsWith("@")) return checkDescriptor(schedule, text);
  const fields = goFields(text);
  if (fields.length === 5) return { problems: checkFiveFields(fields), parsed: null };
  if (fields.length !== 6) return { problems: [countProblem(fields)], parsed: null };
  return analyseSixFields(fields);
}

/** Everything wrong with one schedule string, errors and warnings together; [] when fine. */
export function checkSchedule(schedule: string): ScheduleProblem[] {
  const problems = analyse(schedule).problems;
  return [...problems.filter((p) => p.severity === "error"), ...problems.filter((p) => p.severity === "warning")];
}

/** The schedule as the operator would run it, or null when checkSchedule reports an error. */
export function parseSchedule(schedule: string): ParsedSchedule | null {
  return analyse(schedule).parsed;
}
