// Value formats the rules share, as Kubernetes, S3 and PostgreSQL define them.

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
  return problems;
}

const BINARY_SI: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SI: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const QUANTITY = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|[numkMGTPE]?)$/;

/** A Kubernetes resource.Quantity (`1Gi`, `500M`, `1e3`) as a number, or undefined when it is not one. */
export function parseQuantity(value: string): number | undefined {
  const m = QUANTITY.exec(value);
  if (!m) return undefined;
  const [, number = "", suffix = ""] = m;
  const scale = BINARY_SI[suffix] ?? DECIMAL_SI[suffix] ?? (/^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : undefined);
  return scale === undefined ? undefined : Number(number) * scale;
}

/** AWS S3 bucket naming rules (general purpose buckets): the problems with `bucket`, or []. */
export function s3BucketProblems(bucket: string): string[] {
  const problems: string[] = [];
  if (bucket.length < 3 || bucket.length > 63) problems.push("must be 3 to 63 characters long");
  if (!/^[a-z0-9.-]*$/.test(bucket)) problems.push("may contain only lowercase letters, digits, '.' and '-'");
  if (!/^[a-z0-9].*[a-z0-9]$|^[a-z0-9]$/.test(bucket)) problems.push("must start and end with a letter or digit");
  if (bucket.includes("..")) problems.push("must not contain two adjacent periods");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(bucket)) problems.push("must not be formatted as an IP address");
  return problems;
}

/** Documentation placeholders: `BUCKET_NAME`, `<bucket>`, `YOUR_BUCKET`. */
export function looksLikePlaceholder(text: string): boolean {
  return /[<>]/.test(text) || /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/.test(text) || /^(BUCKET|YOUR|MY)[A-Z_]*$/.test(text);
}

export interface ImageReference {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits `registry:5000/repo/name:tag@sha256:...` into name, tag and digest. */
export function parseImage(image: string): ImageReference {
  const at = image.indexOf("@");
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const rest = at >= 0 ? image.slice(0, at) : image;
  const colon = rest.lastIndexOf(":");
  const hasTag = colon > rest.lastIndexOf("/");
  return { name: hasTag ? rest.slice(0, colon) : rest, tag: hasTag ? rest.slice(colon + 1) : undefined, digest };
}

/**
 * The PostgreSQL major version a tag starts with: `13`, `13.2`, `13.2-1` → "13"; `9.6.20` → "9.6".
 * Undefined when the tag does not start with a plausible major version.
 */
export function postgresMajor(tag: string): string | undefined {
  const m = /^(\d+)(?:\.(\d+))?(?:$|[.\-_])/.exec(tag);
  if (!m) return undefined;
  const first = Number(m[1]);
  if (first === 9 && m[2] !== undefined) return `9.${m[2]}`;
  return first >= 10 && first <= 99 ? String(first) : undefined;
}
