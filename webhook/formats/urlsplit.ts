// Python's urllib.parse.urlsplit as the Python 3.8 of the PostgreSQL images of late 2020 runs it
// (docs/operator-0.5.md §7): barman-cloud 2.12 reads destinationPath with it, botocore reads
// endpointURL with it. No stripping of spaces, tabs or newlines (Python added that in 2021).

export interface UrlSplit {
  /** Lower-cased, as urlsplit does. */
  readonly scheme: string;
  readonly netloc: string;
  readonly path: string;
  /** undefined when there is no `?` (Python gives "" for both; the difference matters to a shell). */
  readonly query: string | undefined;
  readonly fragment: string | undefined;
}

const SCHEME_CHARS = /^[A-Za-z0-9+\-.]+$/;

/** urlsplit(url); undefined where Python raises ValueError("Invalid IPv6 URL"). */
export function urlsplit(url: string): UrlSplit | undefined {
  let scheme = "";
  let rest = url;
  const colon = url.indexOf(":");
  if (colon > 0 && SCHEME_CHARS.test(url.slice(0, colon))) {
    const after = url.slice(colon + 1);
    // "host:9000" has no scheme: what follows the colon is a port number.
    if (after === "" || !/^[0-9]+$/.test(after)) {
      scheme = url.slice(0, colon).toLowerCase();
      rest = after;
    }
  }
  let netloc = "";
  if (rest.startsWith("//")) {
    const end = [..."/?#"].map((c) => rest.indexOf(c, 2)).filter((i) => i >= 0);
    const delim = end.length ? Math.min(...end) : rest.length;
    netloc = rest.slice(2, delim);
    rest = rest.slice(delim);
    if (netloc.includes("[") !== netloc.includes("]")) return undefined;
  }
  let fragment: string | undefined;
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  let query: string | undefined;
  const question = rest.indexOf("?");
  if (question >= 0) {
    query = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  return { scheme, netloc, path: rest, query, fragment };
}

/** SplitResult.hostname and .port: userinfo dropped, brackets of an IPv6 literal removed, host lower-cased. */
export function hostAndPort(split: UrlSplit): { readonly hostname: string | undefined; readonly port: string | undefined } {
  const hostinfo = split.netloc.slice(split.netloc.lastIndexOf("@") + 1);
  let hostname: string;
  let port: string;
  const open = hostinfo.indexOf("[");
  if (open >= 0) {
    const bracketed = hostinfo.slice(open + 1);
    const close = bracketed.indexOf("]");
    hostname = close >= 0 ? bracketed.slice(0, close) : bracketed;
    const after = close >= 0 ? bracketed.slice(close + 1) : "";
    port = after.includes(":") ? after.slice(after.indexOf(":") + 1) : "";
  } else {
    const c = hostinfo.indexOf(":");
    hostname = c >= 0 ? hostinfo.slice(0, c) : hostinfo;
    port = c >= 0 ? hostinfo.slice(c + 1) : "";
  }
  const percent = hostname.indexOf("%");
  const lowered = percent >= 0 ? hostname.slice(0, percent).toLowerCase() + hostname.slice(percent) : hostname.toLowerCase();
  return { hostname: hostname === "" ? undefined : lowered, port: port === "" ? undefined : port };
}

/** posixpath.join, as barman-cloud joins prefix, server name and folder: an absolute part discards what came before. */
export function posixJoin(first: string, ...parts: string[]): string {
  let path = first;
  for (const b of parts) {
    if (b.startsWith("/")) path = b;
    else if (path === "" || path.endsWith("/")) path += b;
    else path += `/${b}`;
  }
  return path;
}
