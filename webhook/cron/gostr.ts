// The few Go standard-library string behaviours robfig/cron v1.2.0 relies on, reproduced exactly
// where they reach its error texts or its field splitting. Go strings are UTF-8 bytes; JS strings
// are UTF-16, so every byte-length decision goes through utf8Length.

/** Go's unicode.IsSpace: Latin-1 spaces plus the Unicode White_Space runes. JS \s differs (it has U+FEFF, lacks U+0085). */
function isGoSpace(cp: number): boolean {
  if (cp <= 0xff) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp === 0x85 || cp === 0xa0;
  return cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000;
}

/** Go's strings.Fields: split around runs of unicode.IsSpace, no empty fields. robfig v1.2.0 parser.go Parse splits the spec this way. */
export function goFields(s: string): string[] {
  const fields: string[] = [];
  let current = "";
  for (const ch of s) {
    if (isGoSpace(ch.codePointAt(0) ?? 0)) {
      if (current !== "") fields.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  if (current !== "") fields.push(current);
  return fields;
}

/**
 * Go's strings.ToLower for comparing against robfig's ASCII month/weekday names.
 * Go lowercases rune by rune with the simple case mapping; JS uses the full one, which differs only
 * for U+0130 (Go: "i", JS: "i" + U+0307). So "FRİ" is Friday to robfig.
 */
export function goToLower(s: string): string {
  let out = "";
  for (const ch of s) out += ch === "\u0130" ? "i" : ch.toLowerCase();
  return out;
}

const encoder = new TextEncoder();

/** len(s) in Go: UTF-8 bytes. */
function utf8Length(s: string): number {
  return encoder.encode(s).length;
}

const HEX = "0123456789abcdef";

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/**
 * Go's strconv.Quote, as strconv's NumError.Error prints the offending text:
 * printable runes kept, `"` and `\` backslashed, C escapes, \xNN below space and for DEL,
 * \uNNNN / \UNNNNNNNN for other unprintable runes. (Printability follows Node's Unicode tables,
 * which may lag or lead Go's by a Unicode version for newly assigned characters.)
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === " " || PRINTABLE.test(ch)) out += ch;
    else if (r === 0x07) out += "\\a";
    else if (r === 0x08) out += "\\b";
    else if (r === 0x0c) out += "\\f";
    else if (r === 0x0a) out += "\\n";
    else if (r === 0x0d) out += "\\r";
    else if (r === 0x09) out += "\\t";
    else if (r === 0x0b) out += "\\v";
    else if (r < 0x20 || r === 0x7f) out += `\\x${hex(r, 2)}`;
    // A lone UTF-16 surrogate cannot come from Go (it would be invalid UTF-8, shown as \x bytes there);
    // Go maps an invalid rune to U+FFFD before printing \u.
    else if (r >= 0xd800 && r <= 0xdfff) out += "\\ufffd";
    else if (r < 0x10000) out += `\\u${hex(r, 4)}`;
    else out += `\\U${hex(r, 8)}`;
  }
  return `${out}"`;
}

/**
 * Go's time package private quote (used in time.ParseDuration errors): every byte of a rune that is
 * non-ASCII or below space is printed as \xNN; `"` and `\` are backslashed; the rest kept.
 */
export function goTimeQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0) ?? 0;
    if (r >= 0x80 || r < 0x20) {
      for (const b of encoder.encode(ch)) out += `\\x${HEX[b >> 4] ?? ""}${HEX[b & 0xf] ?? ""}`;
    } else {
      if (ch === '"' || ch === "\\") out += "\\";
      out += ch;
    }
  }
  return `${out}"`;
}

const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);

export type AtoiResult = { ok: true; value: bigint } | { ok: false; reason: "syntax" | "range"; error: string };

function atoiError(s: string, reason: "syntax" | "range"): AtoiResult {
  const text = reason === "syntax" ? "invalid syntax" : "value out of range";
  return { ok: false, reason, error: `strconv.Atoi: parsing ${goQuote(s)}: ${text}` };
}

function isAsciiDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/**
 * Go's strconv.Atoi on a 64-bit platform: optional sign, ASCII decimal digits only, no underscores
 * (base 10 given explicitly), int64 range. Result as bigint because robfig prints values past 2^53.
 * Strings under 19 bytes take Atoi's fast path (syntax errors only); longer ones go through ParseInt,
 * which reports whichever comes first while scanning: a non-digit (syntax) or an overflow (range).
 */
export function goAtoi(s: string): AtoiResult {
  if (s === "") return atoiError(s, "syntax");
  const neg = s[0] === "-";
  const body = s[0] === "-" || s[0] === "+" ? s.slice(1) : s;
  if (utf8Length(s) < 19) {
    if (body === "") return atoiError(s, "syntax");
    for (const c of body) if (!isAsciiDigit(c)) return atoiError(s, "syntax");
    const n = BigInt(body);
    return { ok: true, value: neg ? -n : n };
  }
  // Slow path: strconv ParseUint scans bytes, failing at the first non-digit or at uint64 overflow.
  if (body === "") return atoiError(s, "syntax");
  const maxUint64 = (1n << 64n) - 1n;
  let n = 0n;
  for (const c of body) {
    if (!isAsciiDigit(c)) return atoiError(s, "syntax");
    n = n * 10n + BigInt(c.charCodeAt(0) - 48);
    if (n > maxUint64) return atoiError(s, "range");
  }
  const value = neg ? -n : n;
  if (value > MAX_INT64 || value < MIN_INT64) return atoiError(s, "range");
  return { ok: true, value };
}
