// The check hooks of string GUCs that refuse values while the postmaster reads its configuration
// (PostgreSQL 10–13, guc.c, commands/variable.c, replication/syncrep_gram.y, utils/adt/varlena.c).
// A hook that needs the catalogs accepts anything at that point, so it is not here.
import type { Major } from "./gucs.js";

/** What a hook said: nothing (accepted), or the error PostgreSQL prints. */
export interface HookError {
  /** Replaces 'invalid value for parameter "NAME": "VALUE"' (GUC_check_errmsg). */
  message?: string;
  detail?: string;
  hint?: string;
}
type Hook = (value: string, major: Major) => HookError | undefined;

const isScannerSpace = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f";

/**
 * varlena.c SplitIdentifierString: a separated list of (double-quoted or down-cased) identifiers;
 * with downcase false, SplitGUCList.
 */
export function splitIdentifiers(raw: string, separator = ",", downcase = true): string[] | undefined {
  const names: string[] = [];
  let i = 0;
  while (isScannerSpace(raw[i])) i++;
  if (i >= raw.length) return names;
  for (;;) {
    let name: string;
    if (raw[i] === '"') {
      name = "";
      i++;
      for (;;) {
        const close = raw.indexOf('"', i);
        if (close < 0) return undefined;
        name += raw.slice(i, close);
        i = close + 1;
        if (raw[i] !== '"') break;
        name += '"';
        i++;
      }
    } else {
      const start = i;
      while (i < raw.length && raw[i] !== separator && !isScannerSpace(raw[i])) i++;
      if (i === start) return undefined;
      name = raw.slice(start, i);
      if (downcase) name = name.replace(/[A-Z]/g, (c) => c.toLowerCase());
    }
    names.push(name);
    while (isScannerSpace(raw[i])) i++;
    if (raw[i] === separator) {
      i++;
      while (isScannerSpace(raw[i])) i++;
    } else if (i >= raw.length) return names;
    else return undefined;
  }
}

const LIST_SYNTAX: HookError = { detail: "List syntax is invalid." };
const unrecognized = (word: string): HookError => ({ detail: `Unrecognized key word: "${word}".` });
const ci = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** A list whose every element must be one of `words` (case-insensitive). */
const keywordList =
  (words: string[]): Hook =>
  (value) => {
    const list = splitIdentifiers(value);
    if (list === undefined) return LIST_SYNTAX;
    const bad = list.find((w) => !words.some((k) => ci(k, w)));
    return bad === undefined ? undefined : unrecognized(bad);
  };

/** variable.c check_datestyle. */
const datestyle: Hook = (value) => {
  const list = splitIdentifiers(value);
  if (list === undefined) return LIST_SYNTAX;
  let style: string | undefined;
  let order: string | undefined;
  let ok = true;
  const setStyle = (next: string) => {
    if (style !== undefined && style !== next) ok = false;
    style = next;
  };
  const setOrder = (next: string) => {
    if (order !== undefined && order !== next) ok = false;
    order = next;
  };
  for (const tok of list) {
    const t = tok.toUpperCase();
    if (t === "ISO" || t === "SQL" || t === "GERMAN") setStyle(t);
    else if (t.startsWith("POSTGRES")) setStyle("POSTGRES");
    else if (t === "YMD") setOrder("YMD");
    else if (t === "DMY" || t.startsWith("EURO")) setOrder("DMY");
    else if (t === "MDY" || t === "US" || t.startsWith("NONEURO")) setOrder("MDY");
    else if (t !== "DEFAULT") return unrecognized(tok);
  }
  return ok ? undefined : { detail: 'Conflicting "datestyle" specifications.' };
};

/** syncrep_scanner.l and syncrep_gram.y: [FIRST|ANY] [N (] names [)]. */
const synchronousStandbyNames: Hook = (value) => {
  if (value === "") return undefined;
  const tokens: Array<{ kind: "NUM" | "NAME" | "ANY" | "FIRST" | "CHAR"; text: string }> = [];
  let i = 0;
  while (i < value.length) {
    const c = value[i] ?? "";
    if (/[ \t\n\r\f\v]/.test(c)) {
      i++;
      continue;
    }
    const word = /^[A-Za-z\x80-\uffff_][A-Za-z\x80-\uffff_0-9$]*/.exec(value.slice(i));
    const num = /^[0-9]+/.exec(value.slice(i));
    if (c === '"') {
      let j = i + 1;
      let text = "";
      for (;;) {
        const close = value.indexOf('"', j);
        if (close < 0) return { detail: "unterminated quoted identifier" };
        text += value.slice(j, close);
        if (value[close + 1] === '"') {
          text += '"';
          j = close + 2;
        } else {
          j = close + 1;
          break;
        }
      }
      tokens.push({ kind: "NAME", text });
      i = j;
    } else if (num) {
      tokens.push({ kind: "NUM", text: num[0] });
      i += num[0].length;
    } else if (word) {
      const kind = ci(word[0], "any") ? "ANY" : ci(word[0], "first") ? "FIRST" : "NAME";
      tokens.push({ kind, text: word[0] });
      i += word[0].length;
    } else if (c === "*") {
      tokens.push({ kind: "NAME", text: "*" });
      i++;
    } else {
      tokens.push({ kind: "CHAR", text: c });
      i++;
    }
  }
  let p = 0;
  const syntax = (): HookError => {
    const t = tokens[p];
    return { detail: t === undefined ? "syntax error at end of input" : `syntax error at or near "${t.text}"` };
  };
  const isName = () => tokens[p]?.kind === "NAME" || tokens[p]?.kind === "NUM";
  const list = (): HookError | undefined => {
    if (!isName()) return syntax();
    p++;
    while (tokens[p]?.kind === "CHAR" && tokens[p]?.text === ",") {
      p++;
      if (!isName()) return syntax();
      p++;
    }
    return undefined;
  };
  let count: number | undefined;
  const first = tokens[0];
  const second = tokens[1];
  if ((first?.kind === "ANY" || first?.kind === "FIRST") && second?.kind === "NUM") {
    count = Number(second.text);
    p = 2;
  } else if (first?.kind === "NUM" && tokens[1]?.text === "(") {
    count = Number(first.text);
    p = 1;
  } else if (first?.kind === "ANY" || first?.kind === "FIRST") {
    p = 1;
    return syntax();
  }
  if (count !== undefined) {
    if (!(tokens[p]?.kind === "CHAR" && tokens[p]?.text === "(")) return syntax();
    p++;
    const err = list();
    if (err) return err;
    if (!(tokens[p]?.kind === "CHAR" && tokens[p]?.text === ")")) return syntax();
    p++;
  } else {
    const err = list();
    if (err) return err;
  }
  if (p < tokens.length) return syntax();
  if (count !== undefined && count <= 0) return { message: `number of synchronous standbys (${count}) must be greater than zero` };
  return undefined;
};

/** encnames.c pg_encname_tbl, as clean_encoding_name leaves them (lower case, letters and digits). */
const ENCODINGS = new Set(
  [
    "abc",
    "alt",
    "big5",
    "euccn",
    "eucjis2004",
    "eucjp",
    "euckr",
    "euctw",
    "gb18030",
    "gbk",
    "johab",
    "koi8",
    "koi8r",
    "koi8u",
    "mskanji",
    "muleinternal",
    "shiftjis",
    "shiftjis2004",
    "sjis",
    "sqlascii",
    "tcvn",
    "tcvn5712",
    "uhc",
    "unicode",
    "utf8",
    "vscii",
    "win",
    "win866",
    "win874",
    "win932",
    "win936",
    "win949",
    "win950",
    "windows866",
    "windows874",
    "windows932",
    "windows936",
    "windows949",
    "windows950",
    ...["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "13", "14", "15", "16"].map((n) => `iso8859${n}`),
    ...["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"].map((n) => `latin${n}`),
    ...["1250", "1251", "1252", "1253", "1254", "1255", "1256", "1257", "1258"].flatMap((n) => [`win${n}`, `windows${n}`]),
    ...["5", "6", "7", "8"].map((n) => `isoiec8859${n}`),
  ].filter(Boolean),
);

/** pg_lsn_in_internal: %X/%X, each 1–8 hex digits. */
const lsn = (value: string): boolean => /^[0-9a-fA-F]{1,8}\/[0-9a-fA-F]{1,8}$/.test(value);

/** slot.c ReplicationSlotValidateName, as check_primary_slot_name reports it. */
function slotName(value: string): HookError | undefined {
  if (value === "") return undefined;
  if (value.length >= 64) return { message: `replication slot name "${value}" is too long` };
  if (!/^[a-z0-9_]*$/.test(value))
    return {
      message: `replication slot name "${value}" contains invalid character`,
      hint: "Replication slot names may only contain lower case letters, numbers, and the underscore character.",
    };
  return undefined;
}

/**
 * check_recovery_target_time's date reading, narrowed to what a recovery target is written as: an ISO
 * date, optionally a time and a numeric zone. Other spellings PostgreSQL's date parser accepts are
 * refused here (see the oracle test for the ones observed).
 */
function recoveryTargetTime(value: string): HookError | undefined {
  if (value === "") return undefined;
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(?:\s*([+-]\d{1,2}(?::?\d{2})?))?$/.exec(value.trim());
  if (!m) return {};
  const [year, month, day, hour = "0", minute = "0", second = "0"] = m.slice(1).map((x) => x ?? "0");
  const days = new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate();
  const bad =
    Number(month) < 1 || Number(month) > 12 || Number(day) < 1 || Number(day) > days || Number(hour) > 24 || Number(minute) > 59 || Number(second) > 60;
  return bad ? {} : undefined;
}

/** Hooks by GUC name (lower case), with the majors they apply to. */
const HOOKS: Readonly<Record<string, Hook>> = {
  datestyle: datestyle,
  log_destination: keywordList(["stderr", "csvlog", "syslog"]),
  search_path: (v) => (splitIdentifiers(v) === undefined ? LIST_SYNTAX : undefined),
  temp_tablespaces: (v) => (splitIdentifiers(v) === undefined ? LIST_SYNTAX : undefined),
  wal_consistency_checking: keywordList(["all", "heap2", "heap", "btree", "hash", "gin", "gist", "sequence", "spgist", "brin", "generic"]),
  restrict_nonsystem_relation_kind: keywordList(["view", "foreign-table"]),
  synchronous_standby_names: synchronousStandbyNames,
  client_encoding: (v) => (ENCODINGS.has(v.toLowerCase().replace(/[^a-z0-9]/g, "")) ? undefined : {}),
  transaction_isolation: (v) => (["serializable", "repeatable read", "read committed", "read uncommitted", "default"].includes(v) ? undefined : {}),
  role: (v) => (v === "none" ? undefined : {}),
  session_authorization: () => ({}),
  primary_slot_name: slotName,
  recovery_target: (v) => (v === "" || v === "immediate" ? undefined : { detail: 'The only allowed value is "immediate".' }),
  recovery_target_lsn: (v) => (v === "" || lsn(v) ? undefined : {}),
  recovery_target_time: recoveryTargetTime,
  recovery_target_name: (v) => (v.length >= 64 ? { detail: "recovery_target_name is too long (maximum 63 characters)." } : undefined),
  recovery_target_timeline: (v) =>
    v === "current" || v === "latest" || !/^\s*[+-]?(0[xX][0-9a-fA-F]{16,}|[1-9]\d{19,})/.test(v)
      ? undefined
      : { detail: "recovery_target_timeline is not a valid number." },
  backtrace_functions: (v) => (/^[A-Za-z0-9_,\s]*$/.test(v) ? undefined : { detail: "invalid character" }),
  default_table_access_method: (v) =>
    v === ""
      ? { detail: "default_table_access_method cannot be empty." }
      : v.length >= 64
        ? { detail: "default_table_access_method is too long (maximum 63 characters)." }
        : undefined,
  timezone_abbreviations: (v) =>
    v === "" ? { message: 'could not read time zone file "": Is a directory' } : ["Default", "Australia", "India"].includes(v) ? undefined : {},
};

/** The hook of a string GUC, if it refuses anything while the configuration is read. */
export const stringHook = (name: string): Hook | undefined => HOOKS[name.toLowerCase()];
