// C library number reading and printing as PostgreSQL's parsers see them (glibc strtol, strtod, %g):
// the GUC parser in guc.c and hba.c's atoi read configuration values with these.

/** C isspace in the "C" locale. */
export const isCSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";

/** Where a number's text ends, and the value read; `overflow` is errno == ERANGE. */
export interface CNumber {
  value: number;
  end: number;
  overflow: boolean;
}

/** strtol(s, &end, 0) on a 64-bit long: sign, 0x hex, leading-0 octal, else decimal. */
export function strtol(s: string, base: 0 | 10 = 0): CNumber {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let negative = false;
  if (s[i] === "+" || s[i] === "-") negative = s[i++] === "-";
  let radix = 10;
  if (base === 0 && s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") && /[0-9a-fA-F]/.test(s[i + 2] ?? "")) {
    radix = 16;
    i += 2;
  } else if (base === 0 && s[i] === "0") radix = 8;
  const digit = radix === 16 ? /[0-9a-fA-F]/ : radix === 8 ? /[0-7]/ : /[0-9]/;
  const start = i;
  let value = 0n;
  while (i < s.length && digit.test(s[i] ?? "")) value = value * BigInt(radix) + BigInt(Number.parseInt(s[i++] ?? "0", radix));
  if (i === start) return { value: 0, end: radix === 16 ? start - 1 : 0, overflow: false };
  const limit = negative ? 2n ** 63n : 2n ** 63n - 1n;
  const overflow = value > limit;
  const clamped = overflow ? limit : value;
  return { value: Number(negative ? -clamped : clamped), end: i, overflow };
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX_FLOAT = /^[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?/;
const SPECIAL = /^[+-]?(?:inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)/i;

/** glibc strtod: decimal and hex floats, inf/infinity/nan; ERANGE on overflow and on underflow. */
export function strtod(s: string): CNumber {
  let i = 0;
  while (isCSpace(s[i])) i++;
  const rest = s.slice(i);
  const special = SPECIAL.exec(rest);
  if (special) {
    const text = special[0].toLowerCase();
    const sign = text.startsWith("-") ? -1 : 1;
    return { value: text.includes("nan") ? Number.NaN : sign * Number.POSITIVE_INFINITY, end: i + special[0].length, overflow: false };
  }
  const hex = HEX_FLOAT.exec(rest);
  if (hex) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?$/.exec(hex[0]);
    const [, sign = "", whole = "", frac = "", exp = "0"] = m ?? [];
    const mantissa = Number.parseInt(whole + frac || "0", 16) / 16 ** frac.length;
    const value = (sign === "-" ? -1 : 1) * mantissa * 2 ** Number(exp);
    return { value, end: i + hex[0].length, overflow: !Number.isFinite(value) || (value === 0 && mantissa !== 0) };
  }
  const dec = DECIMAL.exec(rest);
  if (!dec) return { value: 0, end: 0, overflow: false };
  const value = Number(dec[0]);
  const nonZero = /[1-9]/.test(dec[0].replace(/[eE].*$/, ""));
  const overflow = !Number.isFinite(value) || (nonZero && (value === 0 || Math.abs(value) < 2.2250738585072014e-308));
  return { value, end: i + dec[0].length, overflow };
}

/** C's rint: round half to even. */
export function rint(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** printf("%g"): six significant digits, exponent form outside 1e-4 ≤ |x| < 1e6, no trailing zeros. */
export function formatG(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x < 0 ? "-inf" : "inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const exp = Number(x.toExponential(5).split("e")[1]);
  if (exp < -4 || exp >= 6) {
    const [m = "", e = "0"] = x.toExponential(5).split("e");
    const mant = m.includes(".") ? m.replace(/0+$/, "").replace(/\.$/, "") : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  const fixed = x.toFixed(Math.max(0, 5 - exp));
  return fixed.includes(".") ? fixed.replace(/0+$/, "").replace(/\.$/, "") : fixed;
}

/** atoi: strtol in base 10 truncated to a 32-bit int (what hba.c reads ports with). */
export function atoi(s: string): number {
  const n = strtol(s, 10).value;
  return Number(BigInt.asIntN(32, BigInt(n)));
}
