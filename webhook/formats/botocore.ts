// What botocore (1.19, late 2020; the same since 2015) refuses before any request is sent
// (docs/operator-0.5.md §7-8): endpoints (`Invalid endpoint: …`) and bucket names (`Invalid bucket name`).
import { hostAndPort, urlsplit } from "./urlsplit.js";

// botocore utils.py is_valid_endpoint_url, with Python's re.IGNORECASE and Unicode \d; the
// hostname is lower-cased first, so the upper-case letters IGNORECASE adds do not matter.
const LABEL = "(?!-)[a-z\\u0131\\u017f\\u212a\\p{Nd}-]{1,63}(?<!-)";
const ENDPOINT_HOST = new RegExp(`^(${LABEL}\\.)*(${LABEL})$`, "u");

export type EndpointProblem = "no-host" | "ipv6" | "too-long" | "invalid-host";

/**
 * Why botocore's is_valid_endpoint_url refuses `url`, or undefined when it accepts it. It reads the
 * host only: any scheme, port or userinfo passes here (and fails later, at connect time).
 * botocore.endpoint create_endpoint raises `ValueError("Invalid endpoint: <url>")` on each of these.
 */
export function endpointProblem(url: string): EndpointProblem | undefined {
  const split = urlsplit(url);
  if (!split) return "ipv6"; // unbalanced brackets: urlsplit's own "Invalid IPv6 URL"
  let { hostname } = hostAndPort(split);
  if (hostname === undefined) return "no-host";
  if (split.netloc.includes("[")) return "ipv6"; // IPv6 endpoints: botocore 1.23.24 (December 2021) on
  if (hostname.length > 255) return "too-long";
  if (hostname.endsWith(".")) hostname = hostname.slice(0, -1);
  // Python's `$` also matches before one final newline.
  const candidate = hostname.endsWith("\n") ? hostname.slice(0, -1) : hostname;
  return ENDPOINT_HOST.test(candidate) ? undefined : "invalid-host";
}

/** botocore handlers.py validate_bucket_name (the name is not an ARN here). */
export const isBotocoreBucketName = (bucket: string): boolean => /^[a-zA-Z0-9.\-_]{1,255}$/.test(bucket);
