// Every line of the robfig/cron v1.2.0 oracle (what the real library said, ../shared/oracles), every
// column. Without the shared folder these skip; robfig.test.ts keeps the model's own cases.

import { type TestContext, test } from "node:test";
import assert from "node:assert/strict";
import { readOracleLines, ROBFIG_ORACLE, type RobfigLine as OracleLine } from "../../tools/testkit/oracle.js";
import { describe, firings, parse, parseStandard, type ParseResult } from "./robfig.js";

const FROM = new Date("2021-03-01T00:00:00Z");
let cached: OracleLine[] | undefined;
/** The oracle's lines, read once; undefined (the test skipped) without the shared folder. */
function oracle(t: TestContext): OracleLine[] | undefined {
  if (!cached) cached = readOracleLines<OracleLine>(t, ROBFIG_ORACLE);
  return cached;
}

function iso(d: Date): string {
  return d.toISOString().replace(".000Z", "Z");
}

/** What the model says, in the oracle's columns. */
interface Model {
  ok: boolean;
  error?: string;
  next?: string[];
  never?: boolean;
  minGapSeconds?: number;
}

function model(result: ParseResult, count: number): Model {
  if (!result.ok) return { ok: false, error: result.error };
  const f = firings(result.schedule, FROM, count);
  if (f.length === 0) return { ok: true, never: true };
  let minGap: number | undefined;
  for (let i = 1; i < f.length; i++) {
    const gap = ((f[i]?.getTime() ?? 0) - (f[i - 1]?.getTime() ?? 0)) / 1000;
    if (minGap === undefined || gap < minGap) minGap = gap;
  }
  return { ok: true, next: f.slice(0, 5).map(iso), minGapSeconds: minGap };
}

let modelled: { line: OracleLine; got: Model }[] | undefined;
function models(lines: OracleLine[]): { line: OracleLine; got: Model }[] {
  if (!modelled) modelled = lines.map((line) => ({ line, got: model(parse(line.spec), 200) }));
  return modelled;
}

/** Asserts one column on every line of the oracle, listing every mismatch with its spec. */
function column(t: TestContext, name: string, pick: (m: Model | OracleLine) => unknown): void {
  const lines = oracle(t);
  if (lines) columnOf(name, pick, models(lines));
}

function columnOf(name: string, pick: (m: Model | OracleLine) => unknown, rows: { line: OracleLine; got: Model }[]): void {
  const misses = rows
    .filter(({ line, got }) => JSON.stringify(pick(got)) !== JSON.stringify(pick(line)))
    .map(({ line, got }) => `${JSON.stringify(line.spec)}: want ${JSON.stringify(pick(line))}, got ${JSON.stringify(pick(got))}`);
  assert.equal(misses.length, 0, `${name}: ${misses.length}/${rows.length} disagree\n${misses.slice(0, 40).join("\n")}`);
}

test("the oracle has all its lines", (t) => {
  const lines = oracle(t);
  if (lines) assert.equal(lines.length, 3117);
});

test("cron.Parse accepts and refuses exactly as robfig v1.2.0", (t) => column(t, "ok", (m) => m.ok));
test("cron.Parse error text is robfig's, exactly", (t) => column(t, "error", (m) => m.error));
test("the first five firings after 2021-03-01T00:00:00Z", (t) => column(t, "next", (m) => m.next));
test("never: no firing within robfig's five-year horizon", (t) => column(t, "never", (m) => m.never));
test("minGapSeconds: the shortest gap among the first 200 firings", (t) => column(t, "minGapSeconds", (m) => m.minGapSeconds));

test("cron.ParseStandard on the five-field lines: ok, error, next", (t) => {
  const lines = oracle(t);
  if (!lines) return;
  const rows = lines.flatMap((line) => {
    if (line.standard === undefined) return [];
    const got = model(parseStandard(line.spec), 5);
    return [{ line: { spec: line.spec, ...line.standard }, got: { ok: got.ok, error: got.error, next: got.next } }];
  });
  assert.equal(rows.length, 487);
  columnOf("standard.ok", (m) => m.ok, rows);
  columnOf("standard.error", (m) => m.error, rows);
  columnOf("standard.next", (m) => m.next, rows);
});

test("every refusal names a field and explains itself", (t) => {
  for (const { spec } of oracle(t) ?? []) {
    const r = parse(spec);
    if (r.ok) continue;
    assert.ok(r.field !== undefined, spec);
    assert.ok(r.explanation.length > 10, spec);
  }
});

/** What a description promises about consecutive firings: the gap, and a check on each firing. */
function promise(description: string): { gap?: number; each: (d: Date) => boolean } | undefined {
  const hms = (d: Date): string => d.toISOString().slice(11, 19);
  const units: Record<string, number> = { second: 1, minute: 60, hour: 3600 };
  const daily = /^daily at (\d\d:\d\d:\d\d)$/.exec(description);
  if (daily) return { gap: 86_400, each: (d) => hms(d) === daily[1] };
  const every = /^every (?:(\d+) )?(second|minute|hour)s?(?: at minute (\d+)(?:, second (\d+))?| at second (\d+))?$/.exec(description);
  if (every) {
    const [, n, unit = "", minute, second, onlySecond] = every;
    const each = (d: Date): boolean =>
      (minute === undefined || d.getUTCMinutes() === Number(minute)) &&
      d.getUTCSeconds() === Number(second ?? onlySecond ?? (unit === "second" ? d.getUTCSeconds() : 0));
    return { gap: Number(n ?? 1) * (units[unit] ?? 0), each };
  }
  const weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  const weekly = /^weekly on (\w+) at (\d\d:\d\d:\d\d)$/.exec(description);
  if (weekly) return { gap: 7 * 86_400, each: (d) => weekdays[d.getUTCDay()] === weekly[1] && hms(d) === weekly[2] };
  const monthly = /^monthly on day (\d+) at (\d\d:\d\d:\d\d)/.exec(description);
  if (monthly) return { each: (d) => d.getUTCDate() === Number(monthly[1]) && hms(d) === monthly[2] };
  const yearly = /^yearly on (\w+) (\d+) at (\d\d:\d\d:\d\d)/.exec(description);
  if (yearly) {
    const month = new Date(`${yearly[1]} 1, 2000 UTC`).getUTCMonth();
    return { each: (d) => d.getUTCMonth() === month && d.getUTCDate() === Number(yearly[2]) && hms(d) === yearly[3] };
  }
  return undefined;
}

test("every description agrees with the firings of the schedule it describes", (t) => {
  const lines = oracle(t);
  if (!lines) return;
  let described = 0;
  for (const { spec } of lines) {
    const r = parse(spec);
    if (!r.ok) continue;
    const text = describe(r.schedule);
    if (text === undefined) continue;
    described++;
    const p = promise(text);
    assert.ok(p, `${spec}: unrecognised description ${JSON.stringify(text)}`);
    const f = firings(r.schedule, FROM, 50);
    assert.ok(f.length > 0, `${spec}: "${text}" but it never fires`);
    for (const [i, d] of f.entries()) {
      assert.ok(p.each(d), `${spec}: "${text}" but fires at ${iso(d)}`);
      const prev = f[i - 1];
      if (p.gap !== undefined && prev !== undefined) {
        assert.equal((d.getTime() - prev.getTime()) / 1000, p.gap, `${spec}: "${text}" at ${iso(d)}`);
      }
    }
  }
  assert.ok(described >= 200, `only ${described} schedules described`);
});
