// Valid objects of the three kinds and the AdmissionReview envelope around them: the seeds that the
// fuzzers mutate and the bodies that the benchmarks send.
import { API_VERSION as CNP_API_VERSION, GROUP as CNP_GROUP, isKindName } from "../../schemas/kinds.js";
import { REVIEW_API_VERSION } from "../../webhook/admission/review.js";
import { admissionReview as reviewOf } from "../testkit/review.js";

export { CNP_API_VERSION, CNP_GROUP, REVIEW_API_VERSION };

export type Kind = "Cluster" | "Backup" | "ScheduledBackup";
export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/**
 * A production-looking Cluster with a barmanObjectStore. Defaults the mutating webhook fills are
 * left out on purpose (selector keys, data.jobs, immediateCheckpoint), so mutation yields a patch.
 * With `lastApplied`, a kubectl last-applied annotation (as `kubectl apply` leaves) brings the AdmissionReview to about 3 KB.
 */
export function validCluster(name = "pg", namespace = "app", opts: { lastApplied?: boolean; secret?: string } = {}): JsonObject {
  const secret = opts.secret ?? "aws-creds";
  const spec: JsonObject = {
    description: "Orders database, production",
    imageName: "quay.io/enterprisedb/postgresql:13.2",
    instances: 3,
    postgresql: {
      parameters: { max_connections: "200", shared_buffers: "512MB", work_mem: "8MB", maintenance_work_mem: "128MB", effective_cache_size: "2GB" },
      pg_hba: ["host all all 10.0.0.0/8 md5", "hostssl app app 0.0.0.0/0 scram-sha-256"],
    },
    bootstrap: { initdb: { database: "orders", owner: "orders" } },
    superuserSecret: { name: `${name}-superuser` },
    imagePullSecrets: [{ name: "registry-credentials" }],
    storage: { storageClass: "gp3", size: "50Gi" },
    startDelay: 30,
    stopDelay: 30,
    affinity: { enablePodAntiAffinity: true, topologyKey: "topology.kubernetes.io/zone" },
    resources: { requests: { cpu: "2", memory: "4Gi" }, limits: { cpu: "4", memory: "4Gi" } },
    primaryUpdateStrategy: "unsupervised",
    backup: {
      barmanObjectStore: {
        destinationPath: "s3://acme-pg-backups/orders",
        endpointURL: "https://s3.eu-west-1.amazonaws.com",
        s3Credentials: { accessKeyId: { name: secret }, secretAccessKey: { name: secret } },
        wal: { compression: "gzip", encryption: "AES256" },
        data: { compression: "bzip2", encryption: "aws:kms" },
      },
    },
    nodeMaintenanceWindow: { inProgress: false, reusePVC: true },
  };
  const metadata: JsonObject = {
    name,
    namespace,
    labels: { "app.kubernetes.io/name": "orders-db", "app.kubernetes.io/part-of": "orders", team: "payments" },
    annotations: { "acme.io/owner": "payments-team@acme.io" },
  };
  // As exported from a running cluster: the operator has chosen its first primary (a Backup of it runs).
  const cluster: JsonObject = { apiVersion: CNP_API_VERSION, kind: "Cluster", metadata, spec, status: { targetPrimary: `${name}-1` } };
  if (opts.lastApplied) {
    (metadata.annotations as JsonObject)["kubectl.kubernetes.io/last-applied-configuration"] =
      `${JSON.stringify({ apiVersion: CNP_API_VERSION, kind: "Cluster", metadata: { name, namespace }, spec: { instances: spec.instances, imageName: spec.imageName, storage: spec.storage, backup: spec.backup } })}\n`;
  }
  return cluster;
}

/** A Cluster that the validating webhook denies (20 % of the benchmark's mix). */
export function deniedCluster(name = "pg-bad", namespace = "app"): JsonObject {
  const c = validCluster(name, namespace, { lastApplied: true });
  const spec = c.spec as JsonObject;
  spec.instances = 0;
  (((spec.backup as JsonObject).barmanObjectStore as JsonObject).wal as JsonObject).encryption = "SHA256";
  return c;
}

export function validBackup(name = "pg-backup-1", namespace = "app", cluster = "pg"): JsonObject {
  return {
    apiVersion: CNP_API_VERSION,
    kind: "Backup",
    metadata: { name, namespace, labels: { team: "payments" } },
    spec: { cluster: { name: cluster } },
  };
}

export function validScheduledBackup(name = "pg-nightly", namespace = "app", cluster = "pg"): JsonObject {
  return {
    apiVersion: CNP_API_VERSION,
    kind: "ScheduledBackup",
    metadata: { name, namespace },
    spec: { schedule: "0 0 2 * * *", cluster: { name: cluster }, suspend: false },
  };
}

/** A Backup as the operator leaves it when completed: what a recovering Cluster reads. */
export function completedBackup(name = "pg-backup-1", namespace = "app", cluster = "pg", secret = "aws-creds"): JsonObject {
  return {
    ...validBackup(name, namespace, cluster),
    status: {
      phase: "completed",
      destinationPath: "s3://acme-pg-backups/orders",
      serverName: cluster,
      endpointURL: "https://s3.eu-west-1.amazonaws.com",
      s3Credentials: { accessKeyId: { name: secret, key: "ACCESS_KEY_ID" }, secretAccessKey: { name: secret, key: "ACCESS_SECRET_KEY" } },
      backupId: "20210101T000000",
      startedAt: "2021-01-01T00:00:00Z",
      stoppedAt: "2021-01-01T00:10:00Z",
    },
  };
}

export function credentialsSecret(name = "aws-creds", namespace = "app"): JsonObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace },
    type: "Opaque",
    stringData: { ACCESS_KEY_ID: "AKIAEXAMPLE", ACCESS_SECRET_KEY: "not-a-real-secret" },
  };
}

/** The superuser Secret validCluster names (`<name>-superuser`): release 0.5 reads its password key. */
export function superuserSecret(cluster = "pg", namespace = "app"): JsonObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${cluster}-superuser`, namespace },
    type: "kubernetes.io/basic-auth",
    stringData: { username: "postgres", password: "not-a-real-password" },
  };
}

export const validObject = (kind: Kind, name?: string, namespace?: string): JsonObject =>
  kind === "Cluster" ? validCluster(name, namespace) : kind === "Backup" ? validBackup(name, namespace) : validScheduledBackup(name, namespace);

/** An AdmissionReview request as the kube-apiserver sends it, for any JSON as the object. */
export function admissionReview(
  object: Json,
  opts: { kind?: Kind; operation?: "CREATE" | "UPDATE"; uid?: string; oldObject?: Json; namespace?: string; name?: string } = {},
): JsonObject {
  const kind = opts.kind ?? ((object as JsonObject | null)?.kind as Kind | undefined) ?? "Cluster";
  const review = reviewOf(isKindName(kind) ? kind : "Cluster", object, {
    ...(opts.operation ? { operation: opts.operation } : {}),
    ...(opts.uid ? { uid: opts.uid } : {}),
    ...(opts.namespace ? { namespace: opts.namespace } : {}),
    oldObject: opts.oldObject ?? null,
  });
  if (opts.name !== undefined) review.request.name = opts.name;
  return review as unknown as JsonObject;
}
