// cron-validator (npm, 1.4.x) as a second opinion on the STANDARD reading (cron.ParseStandard,
// minute first) — and only inside the part of the grammar where it provably gives robfig v1.2.0's
// answer. It never decides a verdict: the model in parse.ts always does; cron-validator's answer is
// reported beside it, and only for specs inside the subset.
//
// Outside the subset it disagrees with robfig (each seen in the oracle; see validator.test.ts):
//   `?` anywhere (robfig: same as `*`; cron-validator: refused, or only as a whole day field),
//   empty list items `1,,2` / `,5` (robfig drops them), `*-5` (robfig ignores what follows `*-`),
//   `+5` (Go's Atoi takes a sign), huge steps `*/99999999999999999999` (robfig: int overflow),
//   non-ASCII whitespace (Go's unicode.IsSpace is not JS's \s: U+0085 vs U+FEFF),
//   and, with its alias option, letter runs that robfig refuses, e.g. "janfeb" read as "12".

import { isValidCron } from "cron-validator";
import { parseStandard } from "./parse.js";

// A number short enough that neither side can overflow (robfig: int64; cron-validator: JS number).
const NUM = "[0-9]{1,15}";
const MONTH_NAME = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)";
const DAY_NAME = "(?:sun|mon|tue|wed|thu|fri|sat)";

function fieldPattern(value: string): RegExp {
  const item = `(?:\\*|${value}(?:-${value})?)(?:/${NUM})?`;
  return new RegExp(`^${item}(?:,${item})*$`, "i");
}

// Standard order: minute hour day-of-month month day-of-week. Names only where robfig has them.
const FIELD_PATTERNS: readonly RegExp[] = [
  fieldPattern(NUM),
  fieldPattern(NUM),
  fieldPattern(NUM),
  fieldPattern(`(?:${NUM}|${MONTH_NAME})`),
  fieldPattern(`(?:${NUM}|${DAY_NAME})`),
];

/**
 * The subset where cron-validator({ alias: true }) and robfig v1.2.0 ParseStandard agree on accept/refuse:
 * five fields separated by ASCII whitespace; each field a comma list with no empty items of
 * `*` or a-b / a (numbers of at most 15 digits; three-letter names in month and day-of-week), each with an
 * optional /step of digits. There both check the same bounds, range order and positive step.
 */
export function inValidatorSubset(spec: string): boolean {
  // ASCII whitespace is whitespace to both Go's strings.Fields and cron-validator's trim/split(/\s+/).
  const fields = spec.split(/[\t\n\v\f\r ]+/).filter((f) => f !== "");
  return fields.length === 5 && fields.every((f, i) => FIELD_PATTERNS[i]?.test(f) === true);
}

export type SecondOpinion =
  | { readonly consulted: false }
  | {
      readonly consulted: true;
      /** cron-validator's accept/refuse. */
      readonly cronValidator: boolean;
      /** The model's (robfig ParseStandard) accept/refuse: the verdict. */
      readonly robfig: boolean;
      /** False would mean a bug in the model or in the subset claim; the verdict stays robfig's. */
      readonly agree: boolean;
    };

/** cron-validator's view of the standard (minute-first) reading, consulted only inside the agreed subset. */
export function standardSecondOpinion(spec: string): SecondOpinion {
  if (!inValidatorSubset(spec)) return { consulted: false };
  const cronValidator = isValidCron(spec, { alias: true });
  const robfig = parseStandard(spec).ok;
  return { consulted: true, cronValidator, robfig, agree: cronValidator === robfig };
}
