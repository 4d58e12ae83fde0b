// cron-validator measured against robfig v1.2.0 ParseStandard (the oracle's `standard` column).

import { type TestContext, test } from "node:test";
import assert from "node:assert/strict";
import { readOracleLines, ROBFIG_ORACLE, type RobfigLine } from "../../tools/testkit/oracle.js";
import { isValidCron } from "cron-validator";
import fc from "fast-check";
import { inValidatorSubset, parseStandard, standardSecondOpinion } from "./robfig.js";

/** The oracle's five-field lines as ParseStandard read them; undefined (the test skipped) without ../shared. */
function standardLines(t: TestContext): { spec: string; ok: boolean }[] | undefined {
  return readOracleLines<RobfigLine>(t, ROBFIG_ORACLE)?.flatMap((l) => (l.standard === undefined ? [] : [{ spec: l.spec, ok: l.standard.ok }]));
}

/** Items robfig takes and cron-validator refuses: `?` (robfig: like `*`) and empty list items (robfig drops them). */
function hasQuestionMarkOrEmptyItem(spec: string): boolean {
  return spec.includes("?") || spec.split(/\s+/).some((f) => f !== "" && f.split(",").includes(""));
}

test("inside the subset cron-validator agrees with robfig ParseStandard on every oracle line", (t) => {
  const lines = standardLines(t);
  if (!lines) return;
  const inside = lines.filter((l) => inValidatorSubset(l.spec));
  assert.ok(inside.length >= 180, `only ${inside.length} lines in the subset`);
  for (const l of inside) {
    assert.equal(isValidCron(l.spec, { alias: true }), l.ok, l.spec);
    const opinion = standardSecondOpinion(l.spec);
    assert.ok(opinion.consulted && opinion.agree && opinion.robfig === l.ok, l.spec);
  }
});

test("outside it, every oracle disagreement is cron-validator refusing `?` or an empty list item robfig accepts", (t) => {
  const lines = standardLines(t);
  if (!lines) return;
  const disagree = lines.filter((l) => isValidCron(l.spec, { alias: true }) !== l.ok);
  assert.equal(disagree.length, 27);
  for (const l of disagree) {
    assert.equal(l.ok, true, l.spec);
    assert.ok(hasQuestionMarkOrEmptyItem(l.spec), l.spec);
    assert.equal(inValidatorSubset(l.spec), false, l.spec);
    assert.deepEqual(standardSecondOpinion(l.spec), { consulted: false });
  }
  // Without its alias option it also refuses every month and weekday name.
  assert.equal(isValidCron("0 2 * * MON"), false);
  assert.equal(parseStandard("0 2 * * MON").ok, true);
});

test("disagreements found by reading both sources, all outside the subset", () => {
  // [spec, robfig ParseStandard accepts]
  const cases: Array<[string, boolean]> = [
    ["0 0 * * ?", true], // `?` is `*` to robfig
    ["0 0 1,,15 * *", true], // empty item dropped
    ["0 0 *-5 * *", true], // robfig ignores what follows "*-"
    ["+5 0 * * *", true], // Go's Atoi takes a sign
    ["0 0 * * */99999999999999999999", false], // robfig: int overflow; cron-validator: a big positive step
    ["0 0 * janfeb *", false], // cron-validator's alias turns "janfeb" into "12"
    ["0 0 * * FR\u0130", true], // Go lowercases U+0130 to "i": Friday
  ];
  for (const [spec, robfig] of cases) {
    assert.equal(parseStandard(spec).ok, robfig, spec);
    assert.equal(isValidCron(spec, { alias: true }), !robfig, spec);
    assert.equal(inValidatorSubset(spec), false, spec);
  }
});

test("the second opinion never replaces the model's verdict", () => {
  for (const spec of ["0 0 * * *", "0 24 * * *", "*/5 1-3 1,15 jan-mar mon-fri", "0 0 0 * *", "@daily"]) {
    const opinion = standardSecondOpinion(spec);
    if (opinion.consulted) assert.equal(opinion.robfig, parseStandard(spec).ok, spec);
  }
  assert.deepEqual(standardSecondOpinion("@daily"), { consulted: false });
  assert.deepEqual(standardSecondOpinion("0 0 0 * * *"), { consulted: false });
});

test("beyond the oracle: on generated specs of the subset, cron-validator and the model agree on ParseStandard", () => {
  // cron-validator's role in this project: an independent implementation of the standard (minute-first)
  // reading, against which the model is checked where the oracle has no line. Verdicts never use it.
  const field = (min: number, max: number, names: readonly string[]): fc.Arbitrary<string> => {
    const value = fc.oneof(
      { arbitrary: fc.integer({ min, max }).map(String), weight: 6 },
      { arbitrary: fc.integer({ min: 0, max: 70 }).map(String), weight: 1 },
      { arbitrary: names.length ? fc.constantFrom(...names) : fc.integer({ min, max }).map(String), weight: 2 },
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
  const spec = fc
    .tuple(field(0, 59, []), field(0, 23, []), field(1, 31, []), field(1, 12, ["jan", "DEC", "Feb"]), field(0, 6, ["sun", "Mon", "SAT"]))
    .map((fs) => fs.join(" "));
  let accepted = 0;
  fc.assert(
    fc.property(spec, (s) => {
      const opinion = standardSecondOpinion(s);
      if (!opinion.consulted) return true;
      if (opinion.robfig) accepted++;
      return opinion.agree;
    }),
    { numRuns: 3000, seed: 10 },
  );
  assert.ok(accepted > 100, `only ${accepted} accepted samples`);
});
