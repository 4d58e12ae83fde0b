// Kubernetes quantities as apimachinery's resource.ParseQuantity reads them (pkg/api/resource/quantity.go,
// suffix.go): the same spellings accepted and refused with the same errors, the value rounded up to 1n
// and binary values capped at 2^63-1 as it does, and compared exactly (1Gi = 1024Mi = 1073741824, 1100m
// = 1.1), never through floating point.

/** A quantity's value in billionths (1n is 1), which is all the precision ParseQuantity keeps. */
export interface Quantity {
  readonly nanos: bigint;
}

export type QuantityResult =
  | { readonly ok: true; readonly quantity: Quantity }
  /** Kubernetes refuses it: `error` is apimachinery's own message. */
  | { readonly ok: false; readonly error: string }
  /** Kubernetes reads it, but its value is too large or too long to be worth comparing here. */
  | { readonly ok: "beyond" };

// apimachinery's errors, word for word.
const FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const SUFFIX = "unable to parse quantity's suffix";
const NUMERIC = "unable to parse numeric part of quantity";

const SUFFIX_CHARS = "eEinumkKMGTP";
const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const NANOS_PER_UNIT = 1_000_000_000n;
/** ParseQuantity caps binary (Ki…Ei) values at the largest int64. */
const MAX_BINARY_NANOS = (2n ** 63n - 1n) * NANOS_PER_UNIT;
/** Bounds that keep the arithmetic cheap; real quantities are far inside them. */
const MAX_TEXT = 1000;
const MAX_POWER = 1000;

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= "0" && c <= "9";

interface Parts {
  readonly negative: boolean;
  readonly num: string;
  readonly denom: string;
  readonly suffix: string;
}

/** parseQuantityString: sign, numerator, denominator and suffix, or undefined for ErrFormatWrong. */
function scan(s: string): Parts | undefined {
  let pos = 0;
  const negative = s[0] === "-";
  if (s[0] === "-" || s[0] === "+") pos++;
  while (s[pos] === "0") pos++;
  // Only zeros (or nothing, as for "+" and "-") read as 0, as in apimachinery.
  if (pos >= s.length) return { negative, num: "0", denom: "", suffix: "" };
  let start = pos;
  while (isDigit(s[pos])) pos++;
  const num = s.slice(start, pos) || "0";
  let denom = "";
  if (s[pos] === ".") {
    start = ++pos;
    while (isDigit(s[pos])) pos++;
    denom = s.slice(start, pos);
  }
  start = pos;
  while (pos < s.length && SUFFIX_CHARS.includes(s[pos] ?? "")) pos++;
  if (s[pos] === "-" || s[pos] === "+") pos++;
  while (isDigit(s[pos])) pos++;
  return pos >= s.length ? { negative, num, denom, suffix: s.slice(start) } : undefined;
}

/** suffixHandler.interpret: base and exponent, the `e` exponent read as an int64 and kept as an int32. */
function interpret(suffix: string): { base: 2 | 10; exponent: number } | undefined {
  if (Object.hasOwn(DECIMAL, suffix)) return { base: 10, exponent: DECIMAL[suffix] ?? 0 };
  if (Object.hasOwn(BINARY, suffix)) return { base: 2, exponent: BINARY[suffix] ?? 0 };
  const e = /^[eE]([+-]?)0*([0-9]*)$/.exec(suffix);
  if (!e || suffix.length < 2 || !/[0-9]/.test(suffix)) return undefined;
  const [, sign = "", digits = ""] = e;
  if (digits.length > 19) return undefined; // strconv.ParseInt: out of range
  const parsed = BigInt(sign + (digits || "0"));
  if (parsed !== BigInt.asIntN(64, parsed)) return undefined;
  return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)) };
}

/** m × 10^k, rounded up (away from zero) when k < 0; undefined when too large to compute cheaply. */
function timesPowerOf10(m: bigint, k: number): bigint | undefined {
  if (k >= 0) return k > MAX_POWER ? undefined : m * 10n ** BigInt(k);
  if (-k > m.toString().length) return 1n; // 0 < m / 10^-k < 1
  const d = 10n ** BigInt(-k);
  return (m + d - 1n) / d;
}

/** resource.ParseQuantity over a string, or over a JSON integer as Quantity.UnmarshalJSON reads it. */
export function quantity(value: string | number): QuantityResult {
  const text = String(value);
  if (text === "") return { ok: false, error: FORMAT_WRONG };
  const parts = scan(text);
  if (!parts) return { ok: false, error: FORMAT_WRONG };
  const unit = interpret(parts.suffix);
  if (!unit) return { ok: false, error: SUFFIX };
  // Without a digit ("Ei", ".e-10"), a value that ParseQuantity's int64 fast path does not take is read by
  // inf.Dec, which finds no number.
  const fastPath = unit.base === 10 ? unit.exponent >= -9 : 13 - Math.trunc((unit.exponent * 3) / 10) >= 0;
  if (!fastPath && !/[0-9]/.test(text.slice(0, text.length - parts.suffix.length))) return { ok: false, error: NUMERIC };
  if (text.length > MAX_TEXT) return { ok: "beyond" };
  const mantissa = BigInt(parts.num + parts.denom);
  if (mantissa === 0n) return { ok: true, quantity: { nanos: 0n } };
  const scale = 9 - parts.denom.length;
  let nanos = unit.base === 10 ? timesPowerOf10(mantissa, unit.exponent + scale) : timesPowerOf10(mantissa << BigInt(unit.exponent), scale);
  if (nanos === undefined) return { ok: "beyond" };
  if (unit.base === 2 && nanos > MAX_BINARY_NANOS) nanos = MAX_BINARY_NANOS;
  return { ok: true, quantity: { nanos: parts.negative ? -nanos : nanos } };
}

/** n / d rounded away from zero, as Quantity.Value and MilliValue round. */
const divideUp = (n: bigint, d: bigint): bigint => (n >= 0n ? (n + d - 1n) / d : -((-n + d - 1n) / d));

/** Quantity.Value(): whole units, rounded up. */
export const wholeUnits = (q: Quantity): bigint => divideUp(q.nanos, NANOS_PER_UNIT);

/** Quantity.MilliValue(): thousandths, rounded up. */
export const milliUnits = (q: Quantity): bigint => divideUp(q.nanos, 1_000_000n);

/** Quantity.Cmp: -1, 0 or 1. */
export const compareQuantities = (a: Quantity, b: Quantity): number => (a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0);

/**
 * A quantity (`1Gi`, `500M`, `1e3`) as a number of units, or undefined when Kubernetes refuses it:
 * equal quantities give equal numbers, and distinct ones keep their order.
 */
export function parseQuantity(value: string): number | undefined {
  const q = quantity(value);
  if (q.ok === true) return Number(q.quantity.nanos) / 1e9;
  if (q.ok === false) return undefined;
  // Too large to compute exactly: a float is enough to order it against real sizes.
  const parts = scan(value);
  const unit = parts && interpret(parts.suffix);
  if (!parts || !unit) return undefined;
  const magnitude = Number(`${parts.num}.${parts.denom}0`) * unit.base ** unit.exponent;
  return parts.negative ? -magnitude : magnitude;
}
