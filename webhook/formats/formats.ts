// Value formats the rules share, as Kubernetes, S3 and PostgreSQL define them.
import { goAtoi } from "../cron/gostr.js";

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_LABEL}(\\.${DNS1123_LABEL})*$`);

/** apimachinery's IsDNS1123Subdomain: the problems with `value`, or [] when it is valid. */
export function dns1123SubdomainProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 253) problems.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(value)) {
    problems.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')",
    );
  }
  return problems;
}

/** apimachinery's IsConfigMapKey, which Secret keys follow. */
export function secretKeyProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 253) problems.push("must be no more than 253 characters");
  if (!/^[-._a-zA-Z0-9]+$/.test(value)) {
    problems.push("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', or 'KEY_NAME', or 'key-name')");
  }
  if (value === "." || value === "..") problems.push(`must not be '${value}'`);
  else if (value.startsWith("..")) problems.push("must not start with '..'");
  return problems;
}

const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const QUALIFIED_NAME_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc')";

/** apimachinery's IsQualifiedName (label keys, resource names): `name` or `dns.subdomain/name`. */
export function qualifiedNameProblems(value: string): string[] {
  const parts = value.split("/");
  if (parts.length > 2) {
    return [`a qualified name ${QUALIFIED_NAME_RULE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  const problems: string[] = [];
  const [name = "", prefix] = parts.length === 2 ? [parts[1], parts[0]] : [parts[0]];
  if (prefix === "") problems.push("prefix part must be non-empty");
  else if (prefix !== undefined) problems.push(...dns1123SubdomainProblems(prefix).map((p) => `prefix part ${p}`));
  if (name === "") problems.push("name part must be non-empty");
  else if (name.length > 63) problems.push("name part must be no more than 63 characters");
  if (!QUALIFIED_NAME_PART.test(name)) problems.push(`name part ${QUALIFIED_NAME_RULE}`);
  return problems;
}

/** apimachinery's IsValidLabelValue: at most 63 characters, empty or alphanumeric at both ends. */
export function labelValueProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push("must be no more than 63 characters");
  if (value !== "" && !QUALIFIED_NAME_PART.test(value)) {
    problems.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345')",
    );
  }
  return problems;
}

export { parseQuantity } from "./quantity.js";

/** Name parts AWS reserves for its own buckets (access points, Object Lambda, S3 Express, tables, demos). */
const RESERVED_BUCKET_PREFIXES = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_BUCKET_SUFFIXES = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/** AWS S3 bucket naming rules (general purpose buckets): the problems with `bucket`, or []. */
export function s3BucketProblems(bucket: string): string[] {
  const problems: string[] = [];
  if (bucket.length < 3 || bucket.length > 63) problems.push("must be 3 to 63 characters long");
  if (!/^[a-z0-9.-]*$/.test(bucket)) problems.push("may contain only lowercase letters, digits, '.' and '-'");
  if (!/^[a-z0-9].*[a-z0-9]$|^[a-z0-9]$/.test(bucket)) problems.push("must start and end with a letter or digit");
  if (bucket.includes("..")) problems.push("must not contain two adjacent periods");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) problems.push("must not be formatted as an IP address");
  const prefix = RESERVED_BUCKET_PREFIXES.find((p) => bucket.startsWith(p));
  if (prefix) problems.push(`must not start with ${JSON.stringify(prefix)}, which AWS reserves`);
  const suffix = RESERVED_BUCKET_SUFFIXES.find((p) => bucket.endsWith(p));
  if (suffix) problems.push(`must not end with ${JSON.stringify(suffix)}, which AWS reserves`);
  return problems;
}

/** Documentation placeholders: `BUCKET_NAME`, `<bucket>`, `YOUR_BUCKET`. */
export function looksLikePlaceholder(text: string): boolean {
  return /[<>]/.test(text) || /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(text) || /^(BUCKET|YOUR|MY)[A-Z_]*$/.test(text);
}

/**
 * The tag of an image as release 0.5 reads it (cnp v0.5.0 pkg/utils/imagename.go GetImageTag): no
 * `:` at all means `latest`; otherwise the text between the first and the second `:`, so a registry
 * port (`registry:5000/pg:13` → `5000/pg`) or a digest (`pg@sha256:ab…` → `ab…`) is read as the tag.
 */
export const operatorImageTag = (image: string): string => (image.includes(":") ? (image.split(":")[1] ?? "") : "latest");

/**
 * The PostgreSQL version a tag names, as release 0.5 parses it (cnp v0.5.0 pkg/postgres/version.go
 * GetPostgresVersionFromTag): cut at the first `_` or `-`, split on `.`; a numeric major, a numeric
 * minor below 100 when the major is below 10, then an optional numeric patch level below 100.
 * `13` → 130000, `13.1` → 130001, `9.6.20` → 90620; the error is the operator's own.
 */
export function postgresVersionFromTag(tag: string): { ok: true; version: number } | { ok: false; error: string } {
  const cut = tag.search(/[_-]/);
  const version = cut >= 0 ? tag.slice(0, cut) : tag;
  const parts = version.split(".");
  const number = (i: number): number | undefined => {
    const n = goAtoi(parts[i] ?? "");
    return n.ok ? Number(n.value) : undefined;
  };
  const major = number(0);
  if (major === undefined) return { ok: false, error: `wrong PostgreSQL major in version ${version}` };
  let parsed = major * 10000;
  let next = 1;
  if (major < 10) {
    if (parts.length <= next) return { ok: false, error: `missing PostgreSQL minor in version ${version}` };
    const minor = number(next);
    if (minor === undefined || minor >= 100) return { ok: false, error: `wrong PostgreSQL minor in version ${version}` };
    parsed += minor * 100;
    next++;
  }
  if (parts.length > next) {
    const patch = number(next);
    if (patch === undefined || patch >= 100) return { ok: false, error: `wrong PostgreSQL patch level in version ${version}` };
    parsed += patch;
  }
  return { ok: true, version: parsed };
}

/** pkg/postgres/version.go GetPostgresMajorVersion: 130001 → 130000, 90620 → 90600. */
export const postgresMajorVersion = (version: number): number => version - (version % 100);

/** 130000 → "13", 90600 → "9.6": how messages name a major version. */
export const majorVersionText = (major: number): string => (major >= 100000 ? String(major / 10000) : `${Math.floor(major / 10000)}.${(major % 10000) / 100}`);

/** apimachinery's IsDNS1035Label: what Service names must be. */
export const isDNS1035Label = (value: string): boolean => value.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value);
