// One spec.postgresql.pg_hba entry as a PostgreSQL 10–13 postmaster loads it (libpq/hba.c:
// tokenize_file, next_token, parse_hba_line, parse_hba_auth_opt). Release 0.5 pastes the entries
// verbatim, one a line, between its own header and footer (cnp v0.5.0 pkg/postgres/configuration.go
// CreateHBARules); one line PostgreSQL refuses stops the postmaster ("could not load pg_hba.conf").
// The builds are PGDG's, as the operator's images: SSL, GSSAPI, LDAP (OpenLDAP) and PAM; no SSPI or BSD.
import { atoi, strtol } from "./cnumbers.js";
import { fromBytes, toBytes } from "./conffile.js";
import type { Major } from "./gucs.js";
import { splitIdentifiers } from "./hooks.js";

/** What the postmaster makes of a pg_hba entry. */
export interface HbaVerdict {
  ok: boolean;
  /** PostgreSQL's reason, as pg_hba_file_rules (or its log) gives it. */
  error?: string;
  /** Messages PostgreSQL logs for a line it still loads, and what depends on the machine or the minor release. */
  warnings: string[];
}

interface Token {
  text: string;
  quoted: boolean;
}
class HbaError extends Error {}

const isBlank = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\r";

/** The files an `@file` token can name in a 0.5 instance's data directory, and their tokens. */
function includedTokens(name: string, major: Major): Token[] {
  const full = name.startsWith("/") ? name : `$PGDATA/${name}`.replace(/\/\.(?=\/|$)/g, "");
  if (full === "$PGDATA/PG_VERSION") return [{ text: String(major), quoted: false }];
  if (full === "$PGDATA/pg_ident.conf") return []; // initdb's sample: comments only
  throw new HbaError(`could not open secondary authentication file "@${fromBytes(name)}" as "${fromBytes(full)}": No such file or directory`);
}

/** Splits one physical line into fields of tokens (next_field_expand over next_token). */
function tokenize(line: string, major: Major, limits: boolean): Token[][] {
  const fields: Token[][] = [];
  let p = 0;
  const next = (): { token?: Token; comma: boolean } => {
    while (p < line.length && (isBlank(line[p]) || line[p] === ",")) p++;
    let text = "";
    let inQuote = false;
    let wasQuote = false;
    let sawQuote = false;
    let initialQuote = false;
    let comma = false;
    while (p < line.length && (!isBlank(line[p]) || inQuote)) {
      const c = line[p] ?? "";
      if (c === "#" && !inQuote) {
        p = line.length;
        break;
      }
      if (limits && text.length >= 255) throw new HbaError("authentication file token too long");
      if (c === "," && !inQuote) {
        comma = true;
        p++;
        break;
      }
      if (c !== '"' || wasQuote) text += c;
      wasQuote = inQuote && c === '"' ? !wasQuote : false;
      if (c === '"') {
        inQuote = !inQuote;
        sawQuote = true;
        if (text === "") initialQuote = true;
      }
      p++;
    }
    return sawQuote || text !== "" ? { token: { text, quoted: initialQuote }, comma } : { comma };
  };
  while (p < line.length) {
    const field: Token[] = [];
    for (;;) {
      const { token, comma } = next();
      if (token === undefined) break;
      if (!token.quoted && token.text.startsWith("@") && token.text.length > 1) field.push(...includedTokens(token.text.slice(1), major));
      else field.push(token);
      if (!comma) break;
    }
    if (field.length > 0) fields.push(field);
  }
  return fields;
}

/** glibc inet_aton (what getaddrinfo with AI_NUMERICHOST reads IPv4 with): 1 to 4 parts, each C-style. */
function parseIPv4(s: string): boolean {
  const parts = s.split(".");
  if (parts.length > 4 || parts.some((x) => !/^(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$/.test(x))) return false;
  const values = parts.map((x) => (/^0[xX]/.test(x) ? Number.parseInt(x.slice(2) || "0", 16) : x.startsWith("0") ? Number.parseInt(x, 8) || 0 : Number(x)));
  const last = values.length - 1;
  return values.every((v, i) => (i < last ? v <= 255 : v < 2 ** (8 * (4 - last))));
}

/** inet_pton(AF_INET6). */
function parseIPv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return false;
  const halves = s.split("::");
  if (halves.length > 2) return false;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const all = halves.flatMap(groups);
  const tail = all[all.length - 1] ?? "";
  let count = all.length;
  if (tail.includes(".")) {
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(tail) || tail.split(".").some((x) => Number(x) > 255 || (x.length > 1 && x.startsWith("0")))) return false;
    count += 1;
  }
  const hexGroups = tail.includes(".") ? all.slice(0, -1) : all;
  if (hexGroups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** getaddrinfo with AI_NUMERICHOST: the family of a numeric address, undefined for a name. */
function addressFamily(s: string): 4 | 6 | undefined {
  if (parseIPv4(s)) return 4;
  // A zone needs an interface the Pod has: every Pod has lo and eth0.
  const [address = "", zone] = s.split("%", 2);
  return parseIPv6(address) && (zone === undefined || /^(lo|eth0|\d+)$/.test(zone)) ? 6 : undefined;
}

/** ip.c pg_sockaddr_cidr_mask: decimal bits within the family's width. */
function cidrOk(bits: string, family: 4 | 6): boolean {
  const n = strtol(bits, 10);
  if (bits === "" || n.end !== bits.length) return false;
  return n.value >= 0 && n.value <= (family === 4 ? 32 : 128);
}

const METHODS = ["trust", "ident", "peer", "password", "gss", "sspi", "reject", "md5", "scram-sha-256", "pam", "bsd", "ldap", "cert", "radius"];
const NOT_IN_BUILD = new Set(["sspi", "bsd"]);

/** OpenLDAP ldap_url_parse, as far as hba.c relies on it; the error is ldap_err2string of its code. */
function parseLdapUrl(url: string): { scheme: string; host: string; dn?: string; attrs?: string; filter?: string } | { error: string } {
  const m = /^(ldaps?|ldapi):\/\/([^/]*)(?:\/([^?]*)(?:\?([^?]*)(?:\?([^?]*)(?:\?([^?]*)(?:\?(.*))?)?)?)?)?$/i.exec(url);
  if (!m) return { error: /^(ldaps?|ldapi):\/\//i.test(url) ? "Compare False" : "Time limit exceeded" };
  const [, scheme = "", host = "", dn, attrs, scope, filter] = m;
  const port = /:([^:\]]*)$/.exec(host)?.[1];
  if (port !== undefined && !/^\d+$/.test(port)) return { error: "Compare True" };
  if (scope && !/^(base|one|onelevel|sub|subtree|children|subordinate)$/i.test(scope)) return { error: "Strong(er) authentication required" };
  return { scheme: scheme.toLowerCase(), host, ...(dn ? { dn } : {}), ...(attrs ? { attrs } : {}), ...(filter ? { filter } : {}) };
}

interface Line {
  conntype: string;
  method: string;
  options: Map<string, string>;
  lists: Map<string, string[]>;
}

/** parse_hba_auth_opt for one name=value. */
function authOption(name: string, val: string, line: Line, major: Major, warnings: string[]): void {
  const only = (methods: string[], list: string) => {
    if (!methods.includes(line.method)) throw new HbaError(`authentication option "${name}" is only valid for authentication methods ${list}`);
  };
  const ldap = (n: string) => {
    if (line.method !== "ldap") throw new HbaError(`authentication option "${n}" is only valid for authentication methods ldap`);
  };
  switch (name) {
    case "map":
      only(["ident", "peer", "gss", "sspi", "cert"], "ident, peer, gssapi, sspi, and cert");
      break;
    case "clientcert":
      if (line.conntype !== "hostssl") throw new HbaError('clientcert can only be configured for "hostssl" rows');
      if (major <= 11) {
        if (val !== "1" && line.method === "cert") throw new HbaError('clientcert can not be set to 0 when using "cert" authentication');
      } else if (val === "0" || val === "no-verify") {
        if (line.method === "cert")
          throw new HbaError(`clientcert ${major === 12 ? "can not" : "cannot"} be set to "no-verify" when using "cert" authentication`);
      } else if (!["1", "verify-ca", "verify-full"].includes(val)) throw new HbaError(`invalid value for clientcert: "${val}"`);
      break;
    case "pamservice":
    case "pam_use_hostname":
      if (line.method !== "pam") throw new HbaError(`authentication option "${name}" is only valid for authentication methods pam`);
      break;
    case "ldapurl": {
      ldap(name);
      const url = parseLdapUrl(val);
      if ("error" in url) throw new HbaError(`could not parse LDAP URL "${val}": ${url.error}`);
      if (url.scheme !== "ldap" && (major === 10 || url.scheme !== "ldaps")) throw new HbaError(`unsupported LDAP URL scheme: ${url.scheme}`);
      if (url.host !== "") line.options.set("ldapserver", url.host);
      if (url.dn) line.options.set("ldapbasedn", url.dn);
      if (url.attrs) line.options.set("ldapsearchattribute", url.attrs.split(",")[0] ?? "");
      if (url.filter) {
        if (major === 10) throw new HbaError("filters not supported in LDAP URLs");
        line.options.set("ldapsearchfilter", url.filter);
      }
      break;
    }
    case "ldapscheme":
      if (major === 10) throw new HbaError(`unrecognized authentication option name: "${name}"`);
      ldap(name);
      if (val !== "ldap" && val !== "ldaps") warnings.push(`invalid ldapscheme value: "${val}"`);
      break;
    case "ldapsearchfilter":
      if (major === 10) throw new HbaError(`unrecognized authentication option name: "${name}"`);
      ldap(name);
      break;
    case "ldaptls":
    case "ldapserver":
    case "ldapbinddn":
    case "ldapbindpasswd":
    case "ldapsearchattribute":
    case "ldapbasedn":
    case "ldapprefix":
    case "ldapsuffix":
      ldap(name);
      break;
    case "ldapport":
      ldap(name);
      if (atoi(val) === 0) throw new HbaError(`invalid LDAP port number: "${val}"`);
      break;
    case "krb_realm":
    case "include_realm":
      only(["gss", "sspi"], "gssapi and sspi");
      break;
    case "compat_realm":
    case "upn_username":
      only(["sspi"], "sspi");
      break;
    case "radiusservers":
    case "radiusports":
    case "radiussecrets":
    case "radiusidentifiers": {
      if (line.method !== "radius") throw new HbaError(`authentication option "${name}" is only valid for authentication methods radius`);
      const what = { radiusservers: "server", radiusports: "port", radiussecrets: "secret", radiusidentifiers: "identifiers" }[name];
      const list = splitIdentifiers(val, ",", false);
      if (list === undefined)
        throw new HbaError(name === "radiusports" ? `invalid RADIUS port number: "${val}"` : `could not parse RADIUS ${what} list "${val}"`);
      if (name === "radiusports" && list.some((x) => atoi(x) === 0)) throw new HbaError(`invalid RADIUS port number: "${val}"`);
      if (name === "radiusservers") {
        const names = list.filter((s) => addressFamily(s) === undefined && s !== "localhost");
        if (names.length > 0)
          warnings.push(`RADIUS server names are resolved when pg_hba.conf is loaded; ${names.map((s) => `"${s}"`).join(", ")} must resolve from the instance`);
      }
      // An empty list is NIL in hba.c: as if the option were not given.
      if (list.length > 0) line.lists.set(name, list);
      return;
    }
    default:
      throw new HbaError(`unrecognized authentication option name: "${name}"`);
  }
  line.options.set(name, val);
}

/** parse_hba_line over a tokenized line. */
function parseLine(fields: Token[][], major: Major, warnings: string[]): void {
  const [typeField = [], ...rest] = fields;
  if (typeField.length > 1) throw new HbaError("multiple values specified for connection type");
  const type = typeField[0]?.text ?? "";
  const types = major >= 12 ? ["local", "host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc"] : ["local", "host", "hostssl", "hostnossl"];
  if (!types.includes(type)) throw new HbaError(`invalid connection type "${fromBytes(type)}"`);
  let i = 0;
  const field = (what: string) => {
    const f = rest[i++];
    if (f === undefined) throw new HbaError(`end-of-line before ${what}`);
    return f;
  };
  field("database specification");
  field("role specification");
  if (type !== "local") {
    const address = field("IP address specification");
    if (address.length > 1) throw new HbaError("multiple values specified for host address");
    const token = address[0] as Token;
    const keyword = !token.quoted && ["all", "samehost", "samenet"].includes(token.text);
    if (!keyword) {
      const slash = token.text.indexOf("/");
      const host = slash >= 0 ? token.text.slice(0, slash) : token.text;
      const family = addressFamily(host);
      if (slash >= 0) {
        if (family === undefined) throw new HbaError(`specifying both host name and CIDR mask is invalid: "${fromBytes(token.text)}"`);
        if (!cidrOk(token.text.slice(slash + 1), family)) throw new HbaError(`invalid CIDR mask in address "${fromBytes(token.text)}"`);
      } else if (family !== undefined) {
        const mask = rest[i++];
        if (mask === undefined) throw new HbaError("end-of-line before netmask specification");
        if (mask.length > 1) throw new HbaError("multiple values specified for netmask");
        const maskFamily = addressFamily(mask[0]?.text ?? "");
        if (maskFamily === undefined) throw new HbaError(`invalid IP mask "${fromBytes(mask[0]?.text ?? "")}": Name or service not known`);
        if (maskFamily !== family) throw new HbaError("IP address and mask do not match");
      }
    }
  }
  const methodField = field("authentication method");
  if (methodField.length > 1) throw new HbaError("multiple values specified for authentication type");
  let method = methodField[0]?.text ?? "";
  if (!METHODS.includes(method)) throw new HbaError(`invalid authentication method "${fromBytes(method)}"`);
  if (NOT_IN_BUILD.has(method)) throw new HbaError(`invalid authentication method "${method}": not supported by this build`);
  if (type === "local" && method === "ident") method = "peer";
  if (type === "local" && method === "gss") throw new HbaError("gssapi authentication is not supported on local sockets");
  if (type === "hostgssenc" && !["gss", "reject", "trust"].includes(method))
    warnings.push(
      `hostgssenc with ${method}: 12 and 13 minor releases of 2020 (13.1, the default image, among them) refuse it ("GSSAPI encryption only supports gss, trust, or reject authentication")`,
    );
  if (type !== "local" && method === "peer") throw new HbaError("peer authentication is only supported on local sockets");
  if (type !== "hostssl" && method === "cert") throw new HbaError("cert authentication is only supported on hostssl connections");
  const line: Line = { conntype: type, method, options: new Map(), lists: new Map() };
  for (const optionField of rest.slice(i)) {
    for (const token of optionField) {
      const eq = token.text.indexOf("=");
      if (eq < 0) throw new HbaError(`authentication option not in name=value format: ${fromBytes(token.text)}`);
      authOption(fromBytes(token.text.slice(0, eq)), fromBytes(token.text.slice(eq + 1)), line, major, warnings);
    }
  }
  const has = (k: string) => line.options.has(k);
  if (method === "ldap") {
    // 12+ are built against OpenLDAP (HAVE_LDAP_INITIALIZE), which can find servers by DNS SRV records.
    if (major <= 11 && !has("ldapserver")) throw new HbaError('authentication method "ldap" requires argument "ldapserver" to be set');
    const searchOptions = ["ldapbasedn", "ldapbinddn", "ldapbindpasswd", "ldapsearchattribute", ...(major >= 11 ? ["ldapsearchfilter"] : [])];
    if (has("ldapprefix") || has("ldapsuffix")) {
      if (searchOptions.some(has))
        throw new HbaError(
          major >= 11
            ? "cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, ldapsearchfilter, or ldapurl together with ldapprefix"
            : "cannot use ldapbasedn, ldapbinddn, ldapbindpasswd, ldapsearchattribute, or ldapurl together with ldapprefix",
        );
    } else if (!has("ldapbasedn")) throw new HbaError('authentication method "ldap" requires argument "ldapbasedn", "ldapprefix", or "ldapsuffix" to be set');
    if (major >= 11 && has("ldapsearchattribute") && has("ldapsearchfilter"))
      throw new HbaError("cannot use ldapsearchattribute together with ldapsearchfilter");
  }
  if (method === "radius") {
    const servers = line.lists.get("radiusservers");
    const secrets = line.lists.get("radiussecrets");
    if (servers === undefined) throw new HbaError('authentication method "radius" requires argument "radiusservers" to be set');
    if (secrets === undefined) throw new HbaError('authentication method "radius" requires argument "radiussecrets" to be set');
    if (servers.length < 1) throw new HbaError("list of RADIUS servers cannot be empty");
    if (secrets.length < 1) throw new HbaError("list of RADIUS secrets cannot be empty");
    for (const [key, what] of [
      ["radiussecrets", "RADIUS secrets"],
      ["radiusports", "RADIUS ports"],
      ["radiusidentifiers", "RADIUS identifiers"],
    ] as const) {
      const n = line.lists.get(key)?.length ?? 0;
      if (n > 1 && n !== servers.length)
        throw new HbaError(`the number of ${what} (${n}) must be 1 or the same as the number of RADIUS servers (${servers.length})`);
    }
  }
}

/** The releases that dropped hba.c's 255-byte token and 8191-byte line limits (the oracle's cross-checked minors). */
const LIMITS_LIFTED = "PostgreSQL 11–13 minor releases before the limits were lifted (11.15, 12.10, 13.6 and the default image 13.1 among them)";

/**
 * Judges one spec.postgresql.pg_hba entry for a major as its postmaster loads pg_hba.conf. An entry
 * holding a newline is two lines of the file; each must load.
 */
export function judgeHbaLine(entry: string, major: Major): HbaVerdict {
  const warnings: string[] = [];
  // Release 10.23 is the last of 10 and keeps the limits; 11–13's latest minors read any length.
  const limits = major === 10;
  for (const physical of toBytes(entry).split("\n")) {
    const raw = physical.replace(/[\r]+$/, "");
    try {
      if (limits && physical.length + 1 >= 8191) throw new HbaError("authentication file line too long");
      const fields = tokenize(raw, major, limits);
      if (fields.length > 0) parseLine(fields, major, warnings);
    } catch (e) {
      if (e instanceof HbaError) return { ok: false, error: e.message, warnings };
      throw e;
    }
    if (!limits && (physical.length + 1 >= 8191 || tokenLongerThan255(raw)))
      warnings.push(`a line over 8191 bytes or a token over 255 bytes is refused by ${LIMITS_LIFTED}`);
  }
  return { ok: true, warnings };
}

function tokenLongerThan255(line: string): boolean {
  try {
    tokenize(line, 13, true);
    return false;
  } catch {
    return true;
  }
}
