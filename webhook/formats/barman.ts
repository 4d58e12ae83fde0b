// destinationPath and endpointURL as barman-cloud 2.12 reads them, and the archive they name.
// barman clients build every object key as os.path.join(<prefix>, <server name>, 'wals' | 'base', ...)
// (barman release/2.12 cloud.py:484-514 CloudInterface.__init__, clients/cloud_walarchive.py:198-204;
// docs/operator-0.5.md §3 and §7). Every comparison of archives in the rules goes through here.
import { hostAndPort, posixJoin, urlsplit } from "./urlsplit.js";

export type DestinationPath =
  | {
      readonly ok: true;
      /** urlparse's netloc, verbatim: case kept, and any `user@` or `:port` with it. */
      readonly bucket: string;
      /** The path with every leading `/` stripped (`lstrip('/')`); inner and trailing `/` kept. */
      readonly prefix: string;
      /** Ignored by barman (not part of the path); undefined when absent. */
      readonly query: string | undefined;
      readonly fragment: string | undefined;
    }
  | { readonly ok: false; readonly why: string };

/**
 * barman-cloud's reading: `urlparse(url)`, scheme compared after lower-casing (`S3://` is fine),
 * "Invalid s3 URL address" when the scheme is not s3 or there is no netloc.
 */
export function readDestinationPath(url: string): DestinationPath {
  const split = urlsplit(url);
  if (!split) return { ok: false, why: "has unbalanced [ ] in its bucket part" };
  if (split.scheme !== "s3") return { ok: false, why: "must be an S3 URL: s3://BUCKET[/PREFIX]" };
  if (split.netloc === "") return { ok: false, why: "must name a bucket: s3://BUCKET[/PREFIX]" };
  return {
    ok: true,
    bucket: split.netloc,
    prefix: split.path.replace(/^\/+/, ""),
    query: split.query,
    fragment: split.fragment,
  };
}

/** The identity of the store an endpoint reaches: "aws" for none, "" or any of AWS S3's own endpoints. */
export const AWS_S3 = "aws";

// s3.amazonaws.com, s3.<region>.amazonaws.com, s3-<region>.amazonaws.com, s3.dualstack.<region>...,
// s3-external-1...: one global bucket namespace, the one botocore uses without an endpoint.
// Access points, S3 Control, Outposts and the China partition are other stores.
const AWS_S3_HOST = /^s3(?!-accesspoint|-control|-outposts|-object-lambda)(?:[.-][a-z0-9-]+)*\.amazonaws\.com$/;

/**
 * The object store an endpointURL reaches, normalised: no endpoint (or "", which the operator treats
 * as unset) and AWS's own endpoints are all AWS_S3; otherwise scheme://host[:port][/path], lower-cased,
 * without a default port or trailing slashes. A scheme-less endpoint is read as https://, as the
 * mutating webhook writes it.
 */
export function endpointIdentity(endpointURL: string | undefined): string {
  if (endpointURL === undefined || endpointURL === "") return AWS_S3;
  const url = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(endpointURL) ? endpointURL : `https://${endpointURL}`;
  const split = urlsplit(url);
  const host = split ? hostAndPort(split) : undefined;
  if (!split || host?.hostname === undefined) return url.trim();
  if (AWS_S3_HOST.test(host.hostname)) return AWS_S3;
  const defaultPort = { http: "80", https: "443" }[split.scheme];
  const port = host.port === undefined || host.port === defaultPort ? "" : `:${host.port}`;
  const hostname = split.netloc.includes("[") ? `[${host.hostname}]` : host.hostname;
  return `${split.scheme}://${hostname}${port}${split.path.replace(/\/+$/, "")}`;
}

/** Where one server's WAL and base backups live: `<prefix>/<server>/wals/...` and `.../base/...` on one store. */
export interface Archive {
  /** endpointIdentity of the endpoint. */
  readonly endpoint: string;
  readonly bucket: string;
  /** os.path.join(prefix, server, ""): the key prefix of the server's folder, ending in "/". */
  readonly folder: string;
}

/**
 * The archive of a destinationPath and server name; undefined when barman cannot read the path. The
 * values may come from objects no schema has checked (the files given to `validate`, a Backup's
 * status): one that is not a string names no archive, and must not throw.
 */
export function archiveAt(destinationPath: unknown, endpointURL: unknown, serverName: unknown): Archive | undefined {
  if (typeof destinationPath !== "string" || typeof serverName !== "string" || !destinationPath || !serverName) return undefined;
  if (endpointURL !== undefined && typeof endpointURL !== "string") return undefined;
  const path = readDestinationPath(destinationPath);
  if (!path.ok) return undefined;
  return { endpoint: endpointIdentity(endpointURL), bucket: path.bucket, folder: posixJoin(path.prefix, serverName, "") };
}

/** What the rules read of a Cluster: its name and its object store. */
export interface ArchivingCluster {
  readonly metadata?: { readonly name?: string };
  readonly spec?: { readonly backup?: { readonly barmanObjectStore?: { destinationPath?: string; endpointURL?: string; serverName?: string } } };
}

/**
 * A Cluster's effective archive: its barmanObjectStore's endpoint, bucket and prefix, and serverName
 * or else the Cluster's name (an empty serverName is unset, cnp v0.5.0 wal_archive_main.go:100-103).
 * `name` stands in for metadata.name (an admission request names the object separately).
 */
export function clusterArchive(cluster: ArchivingCluster, name = cluster.metadata?.name ?? ""): Archive | undefined {
  const store = cluster.spec?.backup?.barmanObjectStore;
  return store ? archiveAt(store.destinationPath, store.endpointURL, store.serverName || name) : undefined;
}

/** What the rules read of a Backup: the Cluster it is of, and what the operator recorded. */
export interface RecordedBackup {
  readonly spec?: { readonly cluster?: { readonly name?: string } };
  readonly status?: { destinationPath?: string; endpointURL?: string; serverName?: string };
}

/**
 * The archive a Backup was written to, from its status: the operator records serverName defaulted to
 * the cluster's name (cnp v0.5.0 pkg/management/postgres/backup.go:102-118); spec.cluster.name stands
 * in when the status has none.
 */
export const backupArchive = (backup: RecordedBackup): Archive | undefined =>
  archiveAt(backup.status?.destinationPath, backup.status?.endpointURL, backup.status?.serverName || (backup.spec?.cluster?.name ?? ""));

/**
 * A stable key: two archives are the same folder of the same store exactly when their keys are equal.
 * For finding every Cluster and Backup that writes to one archive (a map from key to objects).
 */
export const archiveKey = (a: Archive): string => JSON.stringify([a.endpoint, a.bucket, a.folder]);

/** How messages name an archive: `s3://bucket/prefix/server/`, with its endpoint unless it is AWS. */
export const describeArchive = (a: Archive): string => `s3://${a.bucket}/${a.folder}${a.endpoint === AWS_S3 ? "" : ` at ${a.endpoint}`}`;
