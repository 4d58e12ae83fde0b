// spec.backup.barmanObjectStore of a Cluster: the S3 destination, endpoint and credentials, as
// barman-cloud 2.12 and botocore will read them (README "Rules"; docs/operator-0.5.md §3, §7, §8).
import type { BarmanObjectStoreConfiguration, Cluster, SecretKeySelector } from "../../generated/types/index.js";
import { FieldPath, invalid, notFound, required } from "../admission/field.js";
import { didYouMean } from "../admission/schema.js";
import { deny, warn, type Finding } from "../admission/finding.js";
import type { Rule, RuleContext } from "../admission/rule.js";
import { AWS_S3, endpointIdentity, readDestinationPath } from "../formats/barman.js";
import { endpointProblem, isBotocoreBucketName } from "../formats/botocore.js";
import { dns1123SubdomainProblems, looksLikePlaceholder, s3BucketProblems, secretKeyProblems } from "../formats/formats.js";
import { sameJSON } from "../formats/json.js";
import { restoreCommandHazard } from "../formats/restore-command.js";
import { hostAndPort, urlsplit } from "../formats/urlsplit.js";
import { factOf } from "../operator/releases.js";
import type { SecretKeys } from "../references/reference-kinds.js";
import { unknown, type Lookup } from "../references/resolver.js";
import type { Lookups } from "../references/session.js";
import { missingReference } from "./references.js";
import { clusterRule } from "./builders.js";

const STORE = FieldPath.root("spec", "backup", "barmanObjectStore");
const CREDENTIALS = STORE.child("s3Credentials");

const storeOf = (cluster: Cluster): BarmanObjectStoreConfiguration | undefined => cluster.spec?.backup?.barmanObjectStore;

/** Findings about the object store, when the Cluster has one. */
const withStore =
  (check: (store: BarmanObjectStoreConfiguration, ctx: RuleContext<Cluster>) => Finding[]) =>
  (ctx: RuleContext<Cluster>): Finding[] => {
    const store = storeOf(ctx.object);
    return store ? check(store, ctx) : [];
  };

/** An error naming every problem of one value at once: one error per mistake. */
const problemsError = (path: FieldPath, value: string, problems: readonly string[]): Finding[] =>
  problems.length ? [deny(invalid(path, value, problems.join("; ")))] : [];

export const dnsSubdomainError = (path: FieldPath, name: string): Finding[] => problemsError(path, name, dns1123SubdomainProblems(name));

// ---- destinationPath ------------------------------------------------------------------------

const destinationPathRule = clusterRule({
  id: "objectstore/destination-path",
  severity: "deny",
  summary: "destinationPath is s3://BUCKET[/PREFIX] as barman-cloud reads it (scheme in any case), without a query or fragment",
  protects: 'every WAL archive and backup failing with "Invalid s3 URL address", or going to a folder other than the one written',
  source: "barman release/2.12 cloud.py:484-514 CloudInterface.__init__",
  check: withStore((store) => {
    const value = store.destinationPath;
    if (typeof value !== "string" || value === "") return []; // the schema reports it
    const field = STORE.child("destinationPath");
    const path = readDestinationPath(value);
    if (!path.ok) {
      const hint = looksLikePlaceholder(value) ? "; it looks like a placeholder from the documentation" : "";
      return [deny(invalid(field, value, `${path.why}${hint}`))];
    }
    if (path.query !== undefined || path.fragment !== undefined) {
      return [deny(invalid(field, value, "must not have a query or fragment: barman-cloud ignores them, so the folder is not the one written"))];
    }
    return [];
  }),
});

const bucketNameRule = clusterRule({
  id: "objectstore/bucket-name",
  severity: "deny or warn",
  summary:
    "the bucket follows S3 naming (3-63 lowercase letters, digits, '.', '-'; not an IP; none of AWS's reserved prefixes and suffixes): denied on AWS, warned with a custom endpoint; names botocore refuses are denied everywhere",
  protects: 'barman-cloud creating a bucket AWS refuses, or botocore refusing the name ("Invalid bucket name") before any request',
  source: "botocore 1.19.20 handlers.py:62, 201-210 validate_bucket_name; barman release/2.12 cloud.py:766-795 setup_bucket",
  check: withStore((store) => {
    const value = store.destinationPath;
    const path = typeof value === "string" ? readDestinationPath(value) : undefined;
    if (!value || !path?.ok) return [];
    const field = STORE.child("destinationPath");
    const { bucket } = path;
    if (!isBotocoreBucketName(bucket)) {
      return [
        deny(
          invalid(
            field,
            value,
            `botocore refuses the bucket name ${JSON.stringify(bucket)} ("Invalid bucket name"): only letters, digits, '.', '-' and '_' (a user@ or :port before the path is read as part of the name)`,
          ),
        ),
      ];
    }
    const problems = s3BucketProblems(bucket);
    if (problems.length === 0) return [];
    const why = looksLikePlaceholder(bucket)
      ? `bucket ${JSON.stringify(bucket)} is a documentation placeholder; use your bucket's name`
      : `bucket ${JSON.stringify(bucket)} ${problems.join(", ")}`;
    // S3-compatible stores (MinIO, ...) may accept names AWS refuses: there it is only a warning.
    if (endpointIdentity(store.endpointURL) !== AWS_S3) return [warn(field, `${why} (S3 naming rules)`)];
    const on = store.endpointURL ? "endpointURL is one of AWS S3's" : "endpointURL is not set";
    return [deny(invalid(field, value, `${why} (S3 naming rules; AWS S3 is used since ${on})`))];
  }),
});

// ---- restore_command ------------------------------------------------------------------------

const shellUnsafeRule = clusterRule({
  id: "objectstore/shell-unsafe",
  severity: "deny",
  summary: "destinationPath and endpointURL hold nothing that breaks the shell restore_command release 0.5 pastes them into",
  protects: "a recovery from this cluster's backups that fails, or runs part of the path as a shell command",
  source: "cnp v0.5.0 pkg/management/postgres/restore.go:126-148 writeRestoreWalConfig",
  check: withStore((store) => {
    const findings: Finding[] = [];
    const values: [string, string | undefined][] = [
      ["destinationPath", readDestinationPath(store.destinationPath ?? "").ok ? store.destinationPath : undefined],
      ["endpointURL", store.endpointURL],
    ];
    for (const [name, value] of values) {
      const hazard = value ? restoreCommandHazard(value) : undefined;
      if (!value || !hazard) continue;
      findings.push(
        deny(
          invalid(
            STORE.child(name),
            value,
            `${JSON.stringify(hazard.text)} ${hazard.effect}: release 0.5 pastes ${name} unquoted into the restore_command of a recovery from this cluster's backups`,
          ),
        ),
      );
    }
    return findings;
  }),
});

// ---- endpointURL ----------------------------------------------------------------------------

const ENDPOINT_PROBLEMS = {
  "no-host": "must be an http or https URL with a host",
  ipv6: 'botocore of release 0.5\'s images refuses IPv6 endpoints ("Invalid endpoint"; supported from botocore 1.23.24): use a host name or an IPv4 address',
  "too-long": 'botocore refuses a host of more than 255 characters ("Invalid endpoint")',
  "invalid-host":
    "botocore refuses this host (\"Invalid endpoint\"): DNS labels of letters, digits and '-' (not at either end), at most 63 each, separated by '.'; no '_'",
} as const;

/** endpointURL after defaulting; "" means unset (AWS), as in the operator (wal_archive_main.go:100-103). */
const endpointOf = (store: BarmanObjectStoreConfiguration): string | undefined => (store.endpointURL ? store.endpointURL : undefined);

const endpointRule = clusterRule({
  id: "objectstore/endpoint",
  severity: "deny",
  summary: "endpointURL (empty = AWS) is an http or https URL whose host botocore accepts: no '_', no IPv6",
  protects: 'every barman-cloud command failing with "Invalid endpoint", or failing to connect',
  source: "botocore 1.19.20 utils.py:974-995 is_valid_endpoint_url, endpoint.py:284-286",
  check: withStore((store) => {
    const value = endpointOf(store);
    if (value === undefined) return [];
    const field = STORE.child("endpointURL");
    const problem = endpointProblem(value);
    if (problem) return [deny(invalid(field, value, ENDPOINT_PROBLEMS[problem]))];
    const scheme = urlsplit(value)?.scheme;
    if (scheme !== "http" && scheme !== "https") {
      return [deny(invalid(field, value, `must be an http or https URL: botocore takes ${JSON.stringify(`${scheme}://`)} but cannot connect with it`))];
    }
    return [];
  }),
});

/** 10/8, 172.16/12, 192.168/16, 100.64/10 (shared address space, used by Pod networks), 127/8, 169.254/16. */
function isPrivateIPv4(host: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return (
    a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127)
  );
}

/** Reached without leaving the cluster network: a Service (`minio`, `minio.ns`, `….svc`, `….svc.cluster.local`), a private or loopback IP. */
function isInCluster(host: string): boolean {
  const name = host.replace(/\.$/, "");
  return name === "localhost" || name.split(".").length <= 2 || /\.svc(\.cluster\.local)?$/.test(name) || isPrivateIPv4(name);
}

const plaintextRule = clusterRule({
  id: "objectstore/endpoint-plaintext",
  severity: "warn",
  summary: "an http:// endpoint outside the cluster sends the S3 credentials' signatures and all data unencrypted",
  protects: "backups and WAL leaving the cluster in clear text (botocore uses the scheme as given)",
  source: "botocore 1.19.20 endpoint.py (no scheme check); docs/operator-0.5.md §7",
  check: withStore((store) => {
    const value = endpointOf(store);
    const split = value ? urlsplit(value) : undefined;
    const host = split ? hostAndPort(split).hostname : undefined;
    if (!value || split?.scheme !== "http" || host === undefined || endpointProblem(value) || isInCluster(host)) return [];
    return [warn(STORE.child("endpointURL"), `credentials travel unencrypted over http:// to ${host}`)];
  }),
});

// ---- credentials ----------------------------------------------------------------------------

type Credential = "accessKeyId" | "secretAccessKey" | "sessionToken";

/** The credentials the target release reads: 0.5 has no sessionToken. */
const credentialsRead = (ctx: Pick<RuleContext<Cluster>, "settings">): readonly Credential[] =>
  ctx.settings.release.facts.has("no-session-token") ? ["accessKeyId", "secretAccessKey"] : ["accessKeyId", "secretAccessKey", "sessionToken"];

const credentialsRule = clusterRule({
  id: "objectstore/credentials",
  severity: "deny",
  summary: "accessKeyId and secretAccessKey are both set; each names a valid Secret (DNS-1123 subdomain) and key",
  protects: "instance Pods the apiserver refuses or the kubelet cannot start: every Pod gets these as secretKeyRef env",
  source: "cnp v0.5.0 pkg/specs/pods.go:393-394, 471-503; apimachinery validation IsDNS1123Subdomain, IsConfigMapKey",
  check: withStore((store, ctx) => {
    const creds = store.s3Credentials;
    if (!creds) return [];
    const findings: Finding[] = [];
    for (const which of ["accessKeyId", "secretAccessKey"] as const) {
      if (!creds[which]) findings.push(deny(required(CREDENTIALS.child(which), "both accessKeyId and secretAccessKey are needed")));
    }
    for (const which of credentialsRead(ctx)) {
      const selector = creds[which];
      if (!selector) continue;
      if (typeof selector.name === "string" && selector.name !== "") findings.push(...dnsSubdomainError(CREDENTIALS.child(which, "name"), selector.name));
      if (typeof selector.key === "string") findings.push(...problemsError(CREDENTIALS.child(which, "key"), selector.key, secretKeyProblems(selector.key)));
    }
    return findings;
  }),
});

const sessionTokenRule = clusterRule({
  id: "objectstore/session-token",
  severity: "warn",
  summary: "s3Credentials.sessionToken does not exist in release 0.5: it is dropped, and its Secret is not required",
  protects: "temporary (STS) credentials that fail to authenticate without their session token",
  source: factOf("no-session-token").source,
  check: withStore(({ s3Credentials }, { settings }) =>
    s3Credentials?.sessionToken && settings.release.facts.has("no-session-token")
      ? [
          warn(
            CREDENTIALS.child("sessionToken"),
            `release ${settings.release.version} has no sessionToken (first in ${factOf("no-session-token").changedIn}): it is dropped`,
          ),
        ]
      : [],
  ),
});

/** The selectors worth looking up: those the release reads, naming a valid Secret and key. */
export function credentialSelectors(
  creds: Partial<Record<Credential, Partial<SecretKeySelector>>> | undefined,
  base: FieldPath,
  which: readonly Credential[],
): { path: FieldPath; selector: SecretKeySelector }[] {
  if (!creds) return [];
  return which.flatMap((w) => {
    const selector = creds[w];
    // An invalid name or key is denied by objectstore/credentials; looking it up would only add noise.
    const valid =
      selector &&
      typeof selector.name === "string" &&
      dns1123SubdomainProblems(selector.name).length === 0 &&
      (selector.key === undefined || secretKeyProblems(selector.key).length === 0);
    return valid ? [{ path: base.child(w), selector: selector as SecretKeySelector }] : [];
  });
}

/** The Secrets named by selectors, by name, as the lookups found them. */
export type GatheredSecrets = ReadonlyMap<string, Lookup<SecretKeys>>;

/** Looks up each Secret the selectors name, once, saying which keys will be read of it (an answer a moment old may do). */
export async function gatherSecrets(lookups: Lookups, selectors: readonly { selector: SecretKeySelector }[]): Promise<GatheredSecrets> {
  const keys = new Map<string, Set<string>>();
  for (const { selector } of selectors) {
    const named = keys.get(selector.name) ?? new Set<string>();
    if (selector.key !== undefined) named.add(selector.key);
    keys.set(selector.name, named);
  }
  return new Map(
    await Promise.all([...keys].map(async ([name, wanted]) => [name, await lookups.lookup("Secret", name, { keys: [...wanted].sort() })] as const)),
  );
}

/**
 * Referenced Secrets: absent → warn (it may come in the same apply); present without the key → deny;
 * not verifiable → warn. With `optional: true` the Pod starts anyway and the S3 client falls back to
 * its other credentials, so both are only warnings (docs/operator-0.5.md §9.4). A Secret named by
 * several selectors is reported once, at the first of them. Recorded selectors (a Backup's status)
 * are reported at the field that names the Backup, `at`.
 */
export function checkSecretKeys(
  selectors: readonly { path: FieldPath; selector: SecretKeySelector }[],
  secrets: GatheredSecrets,
  { namespace, disclosure }: Pick<RuleContext<unknown>, "namespace" | "disclosure">,
  { recordedIn = "", at }: { recordedIn?: string; at?: FieldPath } = {},
): Finding[] {
  const findings: Finding[] = [];
  const reported = new Set<string>();
  for (const { path, selector } of selectors) {
    const found = secrets.get(selector.name) ?? unknown("not looked up");
    const what = `Secret ${JSON.stringify(selector.name)}${recordedIn}`;
    const [nameField, keyField] = at ? [at, at] : [path.child("name"), path.child("key")];
    const fallback = "; optional, so the S3 client falls back to its other credentials";
    if (found.state !== "present") {
      if (reported.has(selector.name)) continue;
      reported.add(selector.name);
      if (found.state === "absent" && selector.optional) {
        findings.push(warn(nameField, `${what} not found in namespace ${JSON.stringify(namespace)}${fallback}`));
        continue;
      }
      const missing = missingReference(found, { path: nameField, value: selector.name, what, namespace });
      if (missing) findings.push(missing);
    } else if (selector.key !== undefined && !found.object.keys.includes(selector.key)) {
      // Name the missing key and at most the one close to it, and that only to a caller who may hear it:
      // the Secret's keys would make the webhook an oracle for Secrets its callers cannot read (README "Who may ask").
      const near = disclosure === "full" ? didYouMean(selector.key, found.object.keys) : undefined;
      const message = `${what} has no key ${JSON.stringify(selector.key)}${near ? `; did you mean ${JSON.stringify(near)}?` : ""}`;
      findings.push(selector.optional ? warn(keyField, `${message}${fallback}`) : deny(notFound(keyField, selector.key, message)));
    }
  }
  return findings;
}

const storeChanged = ({ operation, object, oldObject }: RuleContext<Cluster>): boolean =>
  operation === "CREATE" || (oldObject !== undefined && !sameJSON(storeOf(object), storeOf(oldObject)));

const clusterSelectors = (ctx: RuleContext<Cluster>) => credentialSelectors(storeOf(ctx.object)?.s3Credentials, CREDENTIALS, credentialsRead(ctx));

const credentialSecretsRule = clusterRule({
  id: "objectstore/credential-secrets",
  severity: "deny or warn",
  summary: "the credential Secrets hold the selected keys (absent: warn; with optional: true, warnings only)",
  protects: "instance Pods stuck in CreateContainerConfigError: a secretKeyRef names a missing key",
  source: "cnp v0.5.0 pkg/specs/pods.go:393-394, 471-503 (env from secretKeyRef in every instance Pod)",
  gather: async (ctx, lookups) => {
    // Looked up on CREATE, and on UPDATE only when the object store changed: an unrelated update must not fail on them.
    if (!storeChanged(ctx)) return undefined;
    const selectors = clusterSelectors(ctx);
    return { selectors, secrets: await gatherSecrets(lookups, selectors) };
  },
  check: (ctx, gathered) => (gathered ? checkSecretKeys(gathered.selectors, gathered.secrets, ctx) : []),
});

const credentialsUpdateRule = clusterRule({
  id: "objectstore/credentials-update",
  severity: "warn",
  summary: "UPDATE: changed s3Credentials reach running instances only when their Pods are re-created, which release 0.5 does on an image change",
  protects: "WAL archiving that switches to the new settings at once (it reads the Cluster live) while running Pods keep the old or empty credentials",
  source: "cnp v0.5.0 controllers/cluster_upgrade.go:52 upgradeCluster; cmd/manager/app/wal_archive_main.go:50-58",
  check: ({ operation, object, oldObject }) => {
    if (operation !== "UPDATE" || !oldObject) return [];
    const now = storeOf(object)?.s3Credentials;
    if (!now || sameJSON(now, storeOf(oldObject)?.s3Credentials) || object.spec?.imageName !== oldObject.spec?.imageName) return [];
    return [warn(CREDENTIALS, "running instances keep their old credentials until their Pods are re-created (release 0.5: on an image change)")];
  },
});

const dataOptionsRule = clusterRule({
  id: "objectstore/data-options",
  severity: "warn",
  summary: "data.jobs and data.immediateCheckpoint are not passed to barman-cloud-backup by release 0.5",
  protects: "backups that run with barman's defaults (2 jobs, a spread checkpoint) whatever is set",
  source: factOf("data-options-ignored").source,
  check: withStore(({ data }, { settings }) => {
    const fact = factOf("data-options-ignored");
    if (!data || !settings.release.facts.has(fact.id)) return [];
    const ignored = `release ${settings.release.version} does not pass it to barman-cloud-backup (first in ${fact.changedIn})`;
    const findings: Finding[] = [];
    if (data.jobs !== undefined && data.jobs !== 2) findings.push(warn(STORE.child("data", "jobs"), `${ignored}: backups run with 2 jobs`));
    if (data.immediateCheckpoint === true) findings.push(warn(STORE.child("data", "immediateCheckpoint"), `${ignored}: backups wait for a checkpoint`));
    return findings;
  }),
});

export const OBJECT_STORE_RULES: readonly Rule<Cluster>[] = [
  destinationPathRule,
  bucketNameRule,
  shellUnsafeRule,
  endpointRule,
  plaintextRule,
  credentialsRule,
  credentialSecretsRule,
  sessionTokenRule,
  credentialsUpdateRule,
  dataOptionsRule,
];
