// PostgreSQL's configuration-file reader (guc-file.l: the lexer, ParseConfigFp, GUC_scanstr and the
// include directives), as 10–13 read the custom.conf that release 0.5 includes from postgresql.conf.
// Text is handled as bytes (one char per UTF-8 byte), as the lexer sees it.

export interface ConfItem {
  name: string;
  value: string;
  file: string;
  line: number;
}

export interface ParsedConf {
  items: ConfItem[];
  /** Errors in the order PostgreSQL prints them. */
  errors: string[];
  warnings: string[];
}

/** A file the reader can open: its text, or undefined where it does not exist. */
export type FileSystem = (path: string) => string | undefined;

type Token = "EOL" | "ID" | "QUALIFIED_ID" | "STRING" | "UNQUOTED_STRING" | "INTEGER" | "REAL" | "EQUALS" | "ERROR" | "END";

const STRING = /'(?:[^'\\\n]|\\[^\n]|'')*'/y;
const INTEGER = /[-+]?(?:\d+|0x[0-9a-fA-F]+)[a-zA-Z]*/y;
const REAL = /[-+]?\d*\.\d*(?:[Ee][-+]?\d+)?/y;
/** LETTER and LETTER_OR_DIGIT of guc-file.l, on a char code (bytes 0x80–0xff are letters). */
const isLetterCode = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || (c >= 0x80 && c <= 0xff);
const isLetterOrDigitCode = (c: number): boolean => isLetterCode(c) || (c >= 48 && c <= 57);
const isLetter = (c: string): boolean => isLetterCode(c.charCodeAt(0));

/** Length of an ID at `pos` (a letter, then letters and digits), 0 when none. */
function idAt(src: string, pos: number): number {
  if (!isLetterCode(src.charCodeAt(pos))) return 0;
  let end = pos + 1;
  while (end < src.length && isLetterOrDigitCode(src.charCodeAt(end))) end++;
  return end - pos;
}

/** Length of an UNQUOTED_STRING at `pos`: a letter, then letters, digits and -._:/. */
function unquotedAt(src: string, pos: number): number {
  if (!isLetterCode(src.charCodeAt(pos))) return 0;
  let end = pos + 1;
  for (; end < src.length; end++) {
    const c = src.charCodeAt(end);
    if (!isLetterOrDigitCode(c) && c !== 45 && c !== 46 && c !== 95 && c !== 58 && c !== 47) break;
  }
  return end - pos;
}

/** Length of `re`'s match at `pos`, 0 when none. */
function matchAt(re: RegExp, src: string, pos: number): number {
  re.lastIndex = pos;
  return re.exec(src)?.[0].length ?? 0;
}

/**
 * The lexer of guc-file.l: flex takes the longest match and, on a tie, the earlier rule (ID,
 * QUALIFIED_ID, STRING, UNQUOTED_STRING, INTEGER, REAL, =, any other char).
 */
class Lexer {
  pos = 0;
  line = 1;
  text = "";
  constructor(private readonly src: string) {}
  private take(token: Token, length: number): Token {
    this.text = this.src.slice(this.pos, this.pos + length);
    this.pos += length;
    return token;
  }
  next(): Token {
    const src = this.src;
    for (;;) {
      const c = src[this.pos];
      if (c === undefined) {
        this.text = "";
        return "END";
      }
      if (c === "\n") {
        this.line++;
        return this.take("EOL", 1);
      }
      if (c === " " || c === "\t" || c === "\r") {
        this.pos++;
        continue;
      }
      if (c === "#") {
        while (this.pos < src.length && src[this.pos] !== "\n") this.pos++;
        continue;
      }
      if (isLetter(c)) {
        const id = idAt(src, this.pos);
        const dotted = src[this.pos + id] === "." ? idAt(src, this.pos + id + 1) : 0;
        const qualified = dotted > 0 ? id + 1 + dotted : 0;
        const unquoted = unquotedAt(src, this.pos);
        if (unquoted > Math.max(id, qualified)) return this.take("UNQUOTED_STRING", unquoted);
        return qualified > id ? this.take("QUALIFIED_ID", qualified) : this.take("ID", id);
      }
      if (c === "'") {
        const string = matchAt(STRING, src, this.pos);
        return string > 0 ? this.take("STRING", string) : this.take("ERROR", 1);
      }
      if (c === "=") return this.take("EQUALS", 1);
      const integer = matchAt(INTEGER, src, this.pos);
      const real = matchAt(REAL, src, this.pos);
      if (integer > 0 && integer >= real) return this.take("INTEGER", integer);
      if (real > 0) return this.take("REAL", real);
      return this.take("ERROR", 1);
    }
  }
}

/** GUC_scanstr: strip the quotes, read backslash escapes and doubled quotes; a NUL ends the C string. */
function scanString(quoted: string): string {
  const s = quoted.slice(1, -1);
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? "";
    if (c === "\\" && i + 1 < s.length) {
      const n = s[++i] ?? "";
      const simple: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
      if (n in simple) out += simple[n];
      else if (/[0-7]/.test(n)) {
        let octal = n;
        while (octal.length < 3 && /[0-7]/.test(s[i + 1] ?? "")) octal += s[++i];
        out += String.fromCharCode(Number.parseInt(octal, 8) & 0xff);
      } else out += n;
    } else if (c === "'" && s[i + 1] === "'") {
      out += "'";
      i++;
    } else out += c;
  }
  const nul = out.indexOf("\0");
  return nul >= 0 ? out.slice(0, nul) : out;
}

/** guc_name_compare: ASCII case-insensitive. */
const sameName = (a: string, lower: string): boolean => a.length === lower.length && a.replace(/[A-Z]/g, (c) => c.toLowerCase()) === lower;

const MAX_DEPTH = 10;

/** Whether every char is ASCII (then text and bytes are the same). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Bytes back to text for messages. */
export const fromBytes = (s: string): string => (isAscii(s) ? s : Buffer.from(s, "latin1").toString("utf8"));
/** Text to bytes, one char each, as the lexer reads it. */
export const toBytes = (s: string): string => (isAscii(s) ? s : Buffer.from(s, "utf8").toString("latin1"));

const dirOf = (path: string): string => path.slice(0, path.lastIndexOf("/"));
/** AbsoluteConfigLocation, canonicalized: relative to the including file's folder. */
const absolute = (path: string, from: string): string =>
  (path.startsWith("/") || path.startsWith("$PGDATA/") ? path : `${dirOf(from)}/${path}`).replace(/\/\.(?=\/|$)/g, "").replace(/\/+$/, "");

/**
 * ParseConfigFile: reads `file` (bytes, as written in the including file, or the top file's path) and
 * what it includes; `caller` is the including file's absolute path, for the recursion check.
 */
export function parseConfigFile(file: string, fs: FileSystem, caller?: string, depth = 0, strict = true): ParsedConf {
  const result: ParsedConf = { items: [], errors: [], warnings: [] };
  if (depth > MAX_DEPTH) {
    result.errors.push(`could not open configuration file "${fromBytes(file)}": maximum nesting depth exceeded`);
    return result;
  }
  if (/^[ \t\r\n]*$/.test(file)) {
    result.errors.push(`empty configuration file name: "${fromBytes(file)}"`);
    return result;
  }
  const path = caller === undefined ? file : absolute(file, caller);
  const shown = fromBytes(path);
  if (caller !== undefined && path === caller) {
    result.errors.push(`configuration file recursion in "${shown}"`);
    return result;
  }
  const text = fs(path);
  if (text === undefined) {
    if (strict) result.errors.push(`could not open configuration file "${shown}": No such file or directory`);
    else result.warnings.push(`skipping missing configuration file "${shown}"`);
    return result;
  }
  const lex = new Lexer(text);
  const merge = (inner: ParsedConf) => {
    result.items.push(...inner.items);
    result.errors.push(...inner.errors);
    result.warnings.push(...inner.warnings);
  };
  let token = lex.next();
  while (token !== "END") {
    if (token === "EOL") {
      token = lex.next();
      continue;
    }
    let error = token !== "ID" && token !== "QUALIFIED_ID";
    let name = "";
    let value = "";
    if (!error) {
      name = lex.text;
      token = lex.next();
      if (token === "EQUALS") token = lex.next();
      error = !["ID", "STRING", "INTEGER", "REAL", "UNQUOTED_STRING"].includes(token);
    }
    if (!error) {
      value = token === "STRING" ? scanString(lex.text) : lex.text;
      token = lex.next();
      error = token !== "EOL" && token !== "END";
    }
    if (error) {
      if (token === "EOL" || token === "END") result.errors.push(`syntax error in file "${shown}" line ${lex.line - 1}, near end of line`);
      else result.errors.push(`syntax error in file "${shown}" line ${lex.line}, near token "${fromBytes(lex.text)}"`);
      while (token !== "EOL" && token !== "END") token = lex.next();
      if (token === "END") break;
      token = lex.next();
      continue;
    }
    const line = lex.line - (token === "EOL" ? 1 : 0);
    if (sameName(name, "include_dir")) merge(parseConfigDirectory(value, path, fs, depth + 1));
    else if (sameName(name, "include_if_exists") || sameName(name, "include")) merge(parseConfigFile(value, fs, path, depth + 1, sameName(name, "include")));
    else result.items.push({ name, value, file: shown, line });
    if (token === "END") break;
    token = lex.next();
  }
  return result;
}

/** ParseConfigDirectory: the folder's *.conf files in name order. */
function parseConfigDirectory(dir: string, from: string, fs: FileSystem, depth: number): ParsedConf {
  const result: ParsedConf = { items: [], errors: [], warnings: [] };
  if (/^[ \t\r\n]*$/.test(dir)) {
    result.errors.push(`empty configuration directory name: "${dir}"`);
    return result;
  }
  const full = absolute(dir, from).replace(/\/\.$/, "");
  const listing = fs(`${full}/`);
  if (listing === undefined) {
    result.errors.push(`could not open configuration directory "${fromBytes(full)}": No such file or directory`);
    return result;
  }
  for (const file of listing
    .split("\n")
    .filter((f) => f.endsWith(".conf") && !f.startsWith("."))
    .sort()) {
    const inner = parseConfigFile(`${full}/${file}`, fs, from, depth);
    result.items.push(...inner.items);
    result.errors.push(...inner.errors);
    result.warnings.push(...inner.warnings);
    if (inner.errors.length > 0) break;
  }
  return result;
}
