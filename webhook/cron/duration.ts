// Go's time.ParseDuration, which robfig/cron v1.2.0 parser.go parseDescriptor applies to the text
// after "@every ". Nanoseconds are a bigint: Go's Duration is an int64 and overflow is an error.

import { goTimeQuote } from "./gostr.js";

export type DurationResult = { ok: true; nanoseconds: bigint } | { ok: false; error: string };

const TWO_63 = 1n << 63n;

// time.ParseDuration's units: "µs" is U+00B5 (micro sign), "μs" U+03BC (Greek mu).
const UNITS: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  "\u00b5s": 1_000n,
  "\u03bcs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function fail(orig: string): DurationResult {
  return { ok: false, error: `time: invalid duration ${goTimeQuote(orig)}` };
}

/** Go leadingInt: the leading digits; undefined on overflow past 2^63. */
function leadingInt(s: string): { value: bigint; rest: string } | undefined {
  let i = 0;
  let x = 0n;
  for (; i < s.length && isDigit(s[i]); i++) {
    if (x > TWO_63 / 10n) return undefined;
    x = x * 10n + BigInt(s.charCodeAt(i) - 48);
    if (x > TWO_63) return undefined;
  }
  return { value: x, rest: s.slice(i) };
}

/** Go leadingFraction: digits after the point; past int64 precision it stops accumulating, never fails. */
function leadingFraction(s: string): { value: bigint; scale: number; rest: string } {
  let i = 0;
  let x = 0n;
  let scale = 1;
  let overflow = false;
  for (; i < s.length && isDigit(s[i]); i++) {
    if (overflow) continue;
    if (x > (TWO_63 - 1n) / 10n) {
      overflow = true;
      continue;
    }
    const y = x * 10n + BigInt(s.charCodeAt(i) - 48);
    if (y > TWO_63) {
      overflow = true;
      continue;
    }
    x = y;
    scale *= 10;
  }
  return { value: x, scale, rest: s.slice(i) };
}

/** time.ParseDuration: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, or "0"; error texts as Go prints them. */
export function parseGoDuration(orig: string): DurationResult {
  let s = orig;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return { ok: true, nanoseconds: 0n };
  if (s === "") return fail(orig);
  let d = 0n;
  while (s !== "") {
    if (!(s[0] === "." || isDigit(s[0]))) return fail(orig);
    const int = leadingInt(s);
    if (int === undefined) return fail(orig);
    const pre = int.rest.length !== s.length;
    s = int.rest;
    let v = int.value;
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === ".") {
      s = s.slice(1);
      const frac = leadingFraction(s);
      post = frac.rest.length !== s.length;
      ({ value: f, scale } = frac);
      s = frac.rest;
    }
    if (!pre && !post) return fail(orig); // no digits, e.g. ".s"
    // The unit runs to the next '.' or digit; both are ASCII, so UTF-16 indices cut where Go's bytes do.
    let i = 0;
    while (i < s.length && !(s[i] === "." || isDigit(s[i]))) i++;
    if (i === 0) return { ok: false, error: `time: missing unit in duration ${goTimeQuote(orig)}` };
    const u = s.slice(0, i);
    s = s.slice(i);
    const unit = UNITS[u];
    if (unit === undefined) {
      return { ok: false, error: `time: unknown unit ${goTimeQuote(u)} in duration ${goTimeQuote(orig)}` };
    }
    if (v > TWO_63 / unit) return fail(orig);
    v *= unit;
    if (f > 0n) {
      // Go computes the fraction in float64 (uint64(float64(f) * (float64(unit) / scale))); so do we.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO_63) return fail(orig);
    }
    d += v;
    if (d > TWO_63) return fail(orig);
  }
  if (neg) return { ok: true, nanoseconds: -d };
  if (d > TWO_63 - 1n) return fail(orig);
  return { ok: true, nanoseconds: d };
}
