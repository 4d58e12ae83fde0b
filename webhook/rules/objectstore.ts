// spec.backup.barmanObjectStore: the S3 destination, endpoint and credentials barman-cloud will use.
import type { BarmanObjectStoreConfiguration, S3Credentials, SecretKeySelector } from "../../generated/types/index.js";
import { FieldPath, invalid, notFound, required } from "../admission/field.js";
import { deny, warn, type Finding } from "../admission/finding.js";
import { dns1123SubdomainProblems, looksLikePlaceholder, s3BucketProblems, secretKeyProblems } from "../formats/formats.js";
import type { ResolvedReferences } from "../references/session.js";
import { missingReference } from "./references.js";

export const OBJECT_STORE_PATH = FieldPath.root("spec", "backup", "barmanObjectStore");
const CREDENTIALS = ["accessKeyId", "secretAccessKey", "sessionToken"] as const;

/** `s3://bucket/prefix`: deny what barman-cloud cannot use; bucket naming depends on the provider. */
export function checkDestinationPath(store: BarmanObjectStoreConfiguration, path = OBJECT_STORE_PATH): Finding[] {
  const field = path.child("destinationPath");
  const value = store.destinationPath;
  if (typeof value !== "string" || value === "") return []; // the schema reports it
  if (/\s/.test(value)) {
    const hint = looksLikePlaceholder(value) ? "; it looks like a placeholder from the documentation" : "";
    return [deny(invalid(field, value, `must not contain whitespace${hint}`))];
  }
  const m = /^s3:\/\/([^/?#]*)(\/[^?#]*)?([?#].*)?$/.exec(value);
  if (!m) return [deny(invalid(field, value, "must be an S3 URL: s3://BUCKET[/PREFIX]"))];
  const [, bucket = "", , rest] = m;
  if (rest) return [deny(invalid(field, value, "must not have a query or fragment"))];
  if (bucket === "") return [deny(invalid(field, value, "must name a bucket: s3://BUCKET[/PREFIX]"))];

  const problems = s3BucketProblems(bucket);
  if (problems.length === 0) return [];
  const placeholder = looksLikePlaceholder(bucket);
  const why = placeholder
    ? `bucket ${JSON.stringify(bucket)} is a documentation placeholder; use your bucket's name`
    : `bucket ${JSON.stringify(bucket)} ${problems.join(", ")}`;
  // S3-compatible stores (MinIO, ...) may accept names AWS refuses: there it is only a warning.
  if (store.endpointURL) return [warn(field, `${why} (S3 naming rules)`)];
  return [deny(invalid(field, value, `${why} (S3 naming rules; AWS S3 is used since endpointURL is not set)`))];
}

/** Hosts reached without leaving the cluster network: `minio`, `minio.ns.svc`, `minio.ns.svc.cluster.local`. */
const isClusterLocal = (host: string): boolean => !host.includes(".") || /\.svc$|\.svc\.cluster\.local$/.test(host);

export function checkEndpointURL(store: BarmanObjectStoreConfiguration, path = OBJECT_STORE_PATH): Finding[] {
  const value = store.endpointURL;
  if (value === undefined) return [];
  const field = path.child("endpointURL");
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [deny(invalid(field, value, "must be an http or https URL with a host"))];
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
    return [deny(invalid(field, value, "must be an http or https URL with a host"))];
  }
  if (url.protocol === "http:" && !isClusterLocal(url.hostname)) {
    return [warn(field, `credentials travel unencrypted over http:// to ${url.hostname}`)];
  }
  return [];
}

/** Each selector names a valid Secret and key; both keys of a key pair are present. */
export function checkCredentialSelectors(store: BarmanObjectStoreConfiguration, path = OBJECT_STORE_PATH): Finding[] {
  const creds = store.s3Credentials;
  if (!creds) return [];
  const base = path.child("s3Credentials");
  const findings: Finding[] = [];
  for (const which of ["accessKeyId", "secretAccessKey"] as const) {
    if (!creds[which]) findings.push(deny(required(base.child(which), "both accessKeyId and secretAccessKey are needed")));
  }
  for (const which of CREDENTIALS) {
    const selector = creds[which];
    if (!selector) continue;
    if (typeof selector.name === "string" && selector.name !== "") {
      for (const p of dns1123SubdomainProblems(selector.name)) findings.push(deny(invalid(base.child(which, "name"), selector.name, p)));
    }
    if (typeof selector.key === "string") {
      for (const p of secretKeyProblems(selector.key)) findings.push(deny(invalid(base.child(which, "key"), selector.key, p)));
    }
  }
  return findings;
}

/** The credential selectors that name a valid Secret name, with their field paths. */
export function credentialSelectors(store: { s3Credentials?: S3Credentials } | undefined, base: FieldPath): { path: FieldPath; selector: SecretKeySelector }[] {
  const creds = store?.s3Credentials;
  if (!creds) return [];
  return CREDENTIALS.flatMap((which) => {
    const selector = creds[which];
    // An invalid name is denied by checkCredentialSelectors; looking it up would only add noise.
    const valid = selector && typeof selector.name === "string" && dns1123SubdomainProblems(selector.name).length === 0;
    return valid ? [{ path: base.child(which), selector }] : [];
  });
}

/**
 * Referenced Secrets: absent → warn; present without the key → deny; unknown → warn. A Secret
 * named by several selectors is reported once, at the first of them.
 */
export function checkCredentialSecrets(
  selectors: readonly { path: FieldPath; selector: SecretKeySelector }[],
  references: ResolvedReferences,
  namespace: string,
): Finding[] {
  const findings: Finding[] = [];
  const reported = new Set<string>();
  for (const { path, selector } of selectors) {
    const found = references.get("Secret", selector.name);
    if (found.state !== "present") {
      if (reported.has(selector.name)) continue;
      reported.add(selector.name);
      const missing = missingReference(found, { path: path.child("name"), value: selector.name, what: `Secret ${JSON.stringify(selector.name)}`, namespace });
      if (missing) findings.push(missing);
    } else if (selector.key !== undefined && !found.object.keys.includes(selector.key)) {
      const has = found.object.keys.length ? `it has ${found.object.keys.map((k) => JSON.stringify(k)).join(", ")}` : "it has no keys";
      findings.push(deny(notFound(path.child("key"), selector.key, `Secret ${JSON.stringify(selector.name)} has no such key (${has})`)));
    }
  }
  return findings;
}
