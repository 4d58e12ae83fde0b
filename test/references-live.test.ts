// end to end: the real HTTPS webhook (startServer) with what `serve --kubeconfig` builds (watch caches
// for Clusters and Backups, GETs for Secrets and for names the caches do not know) reaching a local
// fake kube-apiserver through a kubeconfig, fed AdmissionReviews shaped like the kube-apiserver's.
// Every reference rule of README "Rules" is exercised against live objects, and the guarantees of
// README "References" (namespace, deadline, strict mode, secrecy, metrics, logs, request count) are
// checked from the outside.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../schemas/kinds.js";
import { sharedCerts, type CertFiles } from "../tools/testkit/certs.js";
import { connectionRefusedKubeconfig, startKubeApiServer, type Fault, type KubeApiServer, type KubeObject } from "../tools/testkit/kube-api-server.js";
import { cached, startWebhook, type AdmissionResponse, type ReviewAnswer, type TestWebhook } from "../tools/testkit/webhook.js";

const NS = "app";
const LOOKUP_TIMEOUT_MS = 1000;
const STORE = "spec.backup.barmanObjectStore";
const CREDS = `${STORE}.s3Credentials`;
const RECOVERY = "spec.bootstrap.fullRecovery.backup.name";
const CLUSTER_REF = "spec.cluster.name";

// A value that must never leave the API server: not in a response, a log line or a metric.
const PLANTED = `planted-${randomUUID()}`;
const PLANTED_B64 = Buffer.from(PLANTED).toString("base64");

let api: KubeApiServer;
let tmp: string;
let certs: CertFiles;
let hook: TestWebhook; // lenient: absent and unverifiable references warn
let strict: TestWebhook; // --strict-references
let refused: TestWebhook; // kubeconfig pointing at a port where nothing listens
let refusedStrict: TestWebhook;
/** Every admission response body of this file, for the secrecy check at the end. */
const bodies: string[] = [];

// ---- objects ----------------------------------------------------------------------------------

const secret = (name: string, keys: Record<string, string>, namespace = NS): KubeObject => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace },
  type: "Opaque",
  data: Object.fromEntries(Object.entries(keys).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
});

const BOTH_KEYS = { ACCESS_KEY_ID: PLANTED, ACCESS_SECRET_KEY: PLANTED };

interface StoreOptions {
  secret?: string;
  /** A different Secret for secretAccessKey. */
  secretFor2?: string;
  keys?: [string, string];
  destinationPath?: string;
  serverName?: string;
}

function store(o: StoreOptions = {}): Record<string, unknown> {
  const [k1, k2] = o.keys ?? ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"];
  return {
    destinationPath: o.destinationPath ?? "s3://backups/pg",
    ...(o.serverName ? { serverName: o.serverName } : {}),
    s3Credentials: { accessKeyId: { name: o.secret ?? "s3-creds", key: k1 }, secretAccessKey: { name: o.secretFor2 ?? o.secret ?? "s3-creds", key: k2 } },
    wal: { compression: "gzip", encryption: "AES256" },
  };
}

function cluster(name: string, o: { store?: StoreOptions | false; recoverFrom?: string; namespace?: string } = {}): KubeObject {
  const spec: Record<string, unknown> = { instances: 3, imageName: "quay.io/enterprisedb/postgresql:13.2", storage: { size: "1Gi" } };
  if (o.store !== false && o.store !== undefined) spec["backup"] = { barmanObjectStore: store(o.store) };
  if (o.recoverFrom) spec["bootstrap"] = { fullRecovery: { backup: { name: o.recoverFrom } } };
  return { apiVersion: API_VERSION, kind: "Cluster", metadata: { name, namespace: o.namespace ?? NS }, spec };
}

/** The object as the API holds it once the operator has chosen the first primary. */
const bootstrapped = (o: KubeObject): KubeObject => ({ ...o, status: { targetPrimary: `${o.metadata.name}-1` } });

const backupObject = (name: string, clusterName: string, namespace = NS): KubeObject => ({
  apiVersion: API_VERSION,
  kind: "Backup",
  metadata: { name, namespace },
  spec: { cluster: { name: clusterName } },
});

const scheduledBackup = (name: string, clusterName: string, namespace = NS): KubeObject => ({
  apiVersion: API_VERSION,
  kind: "ScheduledBackup",
  metadata: { name, namespace },
  spec: { schedule: "0 0 0 * * *", cluster: { name: clusterName } },
});

/** A Backup as the operator leaves it, with `status` overrides (undefined deletes a field). */
function backupWithStatus(name: string, status: Record<string, unknown>): KubeObject {
  const full: Record<string, unknown> = {
    phase: "completed",
    backupId: "20201026T135740",
    destinationPath: "s3://backups/",
    serverName: "pg-old",
    s3Credentials: { accessKeyId: { name: "minio", key: "ACCESS_KEY_ID" }, secretAccessKey: { name: "minio", key: "ACCESS_SECRET_KEY" } },
    startedAt: "2020-10-26T13:57:40Z",
    stoppedAt: "2020-10-26T13:57:44Z",
  };
  for (const [k, v] of Object.entries(status)) {
    if (v === undefined) delete full[k];
    else full[k] = v;
  }
  return { ...backupObject(name, "pg-old"), status: full };
}

// ---- helpers ----------------------------------------------------------------------------------

type Answered = ReviewAnswer & { response: AdmissionResponse };

async function admit(webhook: TestWebhook, object: KubeObject, opts: Parameters<TestWebhook["review"]>[2] = {}): Promise<Answered> {
  const answer = await webhook.review(object.kind as "Cluster" | "Backup" | "ScheduledBackup", object, opts);
  bodies.push(answer.text);
  assert.equal(answer.status, 200, answer.text);
  const { response } = answer;
  assert.ok(response, `not an AdmissionReview: ${answer.text}`);
  return { ...answer, response };
}

const warnings = (a: Answered): string[] => a.response.warnings ?? [];
const causes = (a: Answered) => a.response.status?.details?.causes ?? [];

function assertAllowedClean(a: Answered): void {
  assert.equal(a.response.allowed, true, a.text);
  assert.deepEqual(warnings(a), []);
}

/** Allowed with exactly these warnings (each a regexp matched against the whole warning line). */
function assertWarned(a: Answered, expected: RegExp[]): void {
  assert.equal(a.response.allowed, true, a.text);
  const got = warnings(a);
  assert.equal(got.length, expected.length, `warnings: ${JSON.stringify(got)}`);
  expected.forEach((re, i) => assert.match(got[i]!, re));
  for (const w of got) assert.ok(w.length <= 120, `warning over 120 characters: ${w}`);
}

/** Denied (422 Invalid) with exactly these causes: [field, reason, message regexp]. */
function assertDenied(a: Answered, expected: [string, string, RegExp][]): void {
  assert.equal(a.response.allowed, false, a.text);
  assert.equal(a.response.status?.code, 422);
  assert.equal(a.response.status?.reason, "Invalid");
  const got = causes(a);
  assert.deepEqual(
    got.map((c) => [c.field, c.reason]),
    expected.map(([f, r]) => [f, r]),
    JSON.stringify(got),
  );
  expected.forEach(([, , re], i) => assert.match(got[i]!.message, re));
  assert.match(a.response.status?.message ?? "", /^[A-Za-z]+\.postgresql\.k8s\.enterprisedb\.io "[^"]*" is invalid: /);
}

/** The API requests made while `run` runs. */
async function apiRequests<T>(run: () => Promise<T>): Promise<{ result: T; paths: string[] }> {
  const mark = api.requests.length;
  const result = await run();
  return { result, paths: api.requests.slice(mark).map((r) => `${r.method} ${r.path}`) };
}

const secretPath = (name: string, namespace = NS) => `GET /api/v1/namespaces/${namespace}/secrets/${name}`;
const cnpPath = (plural: string, name: string, namespace = NS) => `GET /apis/${API_VERSION}/namespaces/${namespace}/${plural}/${name}`;

async function lookupCount(webhook: TestWebhook, kind: string, outcome: string): Promise<number> {
  const metric = webhook.running.metrics.registry.getSingleMetric("cnp_webhook_reference_lookups_total");
  assert.ok(metric, "cnp_webhook_reference_lookups_total is registered");
  const { values } = await metric.get();
  return values.find((v) => v.labels["kind"] === kind && v.labels["outcome"] === outcome)?.value ?? 0;
}

/** The log of webhooks a test started and closed, for the secrecy check at the end. */
const retiredLogs: string[] = [];

const failedLookupLines = (webhook: TestWebhook) => webhook.logs().filter((l) => l.msg === "reference lookup failed");

async function withFault<T>(fault: Fault, run: () => Promise<T>): Promise<T> {
  api.fault = fault;
  try {
    return await run();
  } finally {
    api.fault = "none";
  }
}

// ---- set-up -----------------------------------------------------------------------------------

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-refs-live-"));
  [api, certs] = await Promise.all([startKubeApiServer(), sharedCerts()]);
  const kubeconfig = api.writeKubeconfig(tmp);
  const refusedConfig = await connectionRefusedKubeconfig(tmp);
  // Each admission reads its Secrets itself here (--secret-reuse 0): what one admission asks, and how
  // a fault shows in its answer. The reuse across admissions has its own test (one Secret read per burst).
  const fresh = { certs, lookupTimeoutMs: LOOKUP_TIMEOUT_MS, secretReuseMs: 0 };
  [hook, strict, refused, refusedStrict] = await Promise.all([
    // trace: the secrecy check at the end covers every log line the server can write.
    startWebhook({ ...fresh, kubeconfig, logLevel: "trace" }),
    startWebhook({ ...fresh, kubeconfig, strictReferences: true }),
    startWebhook({ ...fresh, kubeconfig: refusedConfig }),
    startWebhook({ ...fresh, kubeconfig: refusedConfig, strictReferences: true }),
  ]);

  api.put(secret("s3-creds", BOTH_KEYS));
  api.put(secret("half-creds", { ACCESS_KEY_ID: PLANTED }));
  api.put(secret("key-only", { ACCESS_SECRET_KEY: PLANTED }));
  api.put(secret("other-ns-creds", BOTH_KEYS, "other"));
  api.put(secret("minio", BOTH_KEYS));

  // Bootstrapped, as the operator's status says: Backups of them run (a Cluster without a primary is below).
  api.put(bootstrapped(cluster("pg-backed", { store: {} })));
  api.put(bootstrapped(cluster("pg-plain")));
  api.put(cluster("pg-unborn", { store: {} }));
  // The source Cluster of every Backup below (recovery/source-compatibility compares with it): the same
  // major and settings as the Clusters these tests recover, its own backup configuration since removed.
  api.put(cluster("pg-old"));

  api.put(backupWithStatus("bk-good", {}));
  api.put(backupWithStatus("bk-failed", { phase: "failed", error: "can't upload: access denied", destinationPath: undefined, s3Credentials: undefined }));
  api.put(backupWithStatus("bk-running", { phase: "running" }));
  api.put({ ...backupObject("bk-new", "pg-old") }); // no status yet
  api.put(backupWithStatus("bk-no-path", { destinationPath: undefined }));
  api.put(backupWithStatus("bk-no-creds", { s3Credentials: undefined }));
  api.put(
    backupWithStatus("bk-lost-secret", {
      s3Credentials: { accessKeyId: { name: "gone", key: "ACCESS_KEY_ID" }, secretAccessKey: { name: "gone", key: "ACCESS_SECRET_KEY" } },
    }),
  );
  api.put(backupWithStatus("bk-no-server", { serverName: undefined })); // release 0.5 archives under spec.cluster.name (pg-old)
  api.put(
    backupWithStatus("bk-same-secret", {
      s3Credentials: { accessKeyId: { name: "s3-creds", key: "ACCESS_KEY_ID" }, secretAccessKey: { name: "s3-creds", key: "ACCESS_SECRET_KEY" } },
    }),
  );
  // The watches deliver in order: once the last of each kind is cached, all are.
  for (const w of [hook, strict]) await Promise.all([cached(w, "Cluster", NS, "pg-plain"), cached(w, "Backup", NS, "bk-same-secret")]);
});

after(async () => {
  await Promise.all([hook, strict, refused, refusedStrict].filter(Boolean).map((w) => w.close()));
  await api?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// ---- §6.2 barmanObjectStore Secrets ----------------------------------------------------------

describe("Cluster barmanObjectStore credentials against the live API", () => {
  it("Secret absent → allowed, one warning on accessKeyId.name", async () => {
    const a = await admit(hook, cluster("pg", { store: { secret: "no-such-secret" } }));
    assertWarned(a, [/^spec\.backup\.barmanObjectStore\.s3Credentials\.accessKeyId\.name: Secret "no-such-secret" not found in namespace "app"$/]);
  });

  it("Secret present with both keys → allowed, no warning", async () => {
    assertAllowedClean(await admit(hook, cluster("pg", { store: {} })));
  });

  it("Secret present without the secretAccessKey key → denied on secretAccessKey.key", async () => {
    const a = await admit(hook, cluster("pg", { store: { secret: "half-creds" } }));
    assertDenied(a, [
      [`${CREDS}.secretAccessKey.key`, "FieldValueNotFound", /^Not found: "ACCESS_SECRET_KEY": Secret "half-creds" has no key "ACCESS_SECRET_KEY"$/],
    ]);
    assert.deepEqual(warnings(a), []);
  });

  it("Secret present without the accessKeyId key → denied on accessKeyId.key", async () => {
    const a = await admit(hook, cluster("pg", { store: { secret: "key-only" } }));
    assertDenied(a, [[`${CREDS}.accessKeyId.key`, "FieldValueNotFound", /^Not found: "ACCESS_KEY_ID": Secret "key-only" has no key "ACCESS_KEY_ID"$/]]);
  });

  it("a key name the Secret lacks, even though the Secret has other keys → denied naming the field", async () => {
    const a = await admit(hook, cluster("pg", { store: { keys: ["ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] } }));
    assertDenied(a, [[`${CREDS}.secretAccessKey.key`, "FieldValueNotFound", /"AWS_SECRET_ACCESS_KEY": Secret "s3-creds" has no key "AWS_SECRET_ACCESS_KEY"$/]]);
  });

  it("Secret only in another namespace → treated as absent (warning)", async () => {
    const { result: a, paths } = await apiRequests(() => admit(hook, cluster("pg", { store: { secret: "other-ns-creds" } })));
    assertWarned(a, [/^spec\.backup\.barmanObjectStore\.s3Credentials\.accessKeyId\.name: Secret "other-ns-creds" not found in namespace "app"$/]);
    assert.deepEqual(paths, [secretPath("other-ns-creds")]);
  });

  it("two different Secrets, one absent → one warning on the selector naming the absent one", async () => {
    const a = await admit(hook, cluster("pg", { store: { secret: "s3-creds", secretFor2: "nope-2" } }));
    assertWarned(a, [/^spec\.backup\.barmanObjectStore\.s3Credentials\.secretAccessKey\.name: Secret "nope-2" not found/]);
  });
});

// ---- §6.2 fullRecovery ----------------------------------------------------------------------

describe("Cluster bootstrap.fullRecovery against the live API", () => {
  // cnp v0.5.0 controllers/cluster_create.go:379-422: the serial is persisted before the Backup is read, so
  // an absent Backup leaves the Cluster stuck for ever (docs/operator-0.5.md, "Backup absent").
  it("Backup absent → deny: the Cluster would never start", async () => {
    const a = await admit(hook, cluster("pg", { recoverFrom: "no-such-backup" }));
    assertDenied(a, [[RECOVERY, "FieldValueNotFound", /Backup "no-such-backup" not found in namespace "app": .*would never start/]]);
  });

  // Without --client-ca the caller may be anyone: the stored error is for `kubectl describe` (README "Who may ask").
  it("Backup phase failed → deny, pointing to its error", async () => {
    const a = await admit(hook, cluster("pg", { recoverFrom: "bk-failed" }));
    assertDenied(a, [[RECOVERY, "FieldValueInvalid", /Backup "bk-failed" failed; see `kubectl describe backup bk-failed`; recover from a completed backup/]]);
  });

  // Release 0.5 starts the restore at once and does not wait (cluster_create.go:373-487).
  it("Backup phase running → deny: release 0.5 does not wait", async () => {
    const a = await admit(hook, cluster("pg", { recoverFrom: "bk-running" }));
    assertDenied(a, [[RECOVERY, "FieldValueInvalid", /Backup "bk-running" is running: release 0.5 starts the restore at once and does not wait/]]);
  });

  it("Backup without status yet → deny", async () => {
    const a = await admit(hook, cluster("pg", { recoverFrom: "bk-new" }));
    assertDenied(a, [[RECOVERY, "FieldValueInvalid", /Backup "bk-new" has not started yet/]]);
  });

  it("completed without status.destinationPath → deny", async () => {
    const a = await admit(hook, cluster("pg", { recoverFrom: "bk-no-path" }));
    assertDenied(a, [
      [RECOVERY, "FieldValueInvalid", /Backup "bk-no-path" is completed but its status has no destinationPath: barman-cloud-restore cannot read it back/],
    ]);
  });

  it("completed without status.s3Credentials → deny", async () => {
    const a = await admit(hook, cluster("pg", { recoverFrom: "bk-no-creds" }));
    assertDenied(a, [
      [RECOVERY, "FieldValueInvalid", /Backup "bk-no-creds" is completed but its status has no s3Credentials: barman-cloud-restore cannot read it back/],
    ]);
  });

  it("completed, but the Secret recorded in its status is absent → warn", async () => {
    const { result: a, paths } = await apiRequests(() => admit(hook, cluster("pg", { recoverFrom: "bk-lost-secret" })));
    assertWarned(a, [/^spec\.bootstrap\.fullRecovery\.backup\.name: Secret "gone" recorded in Backup "bk-lost-secret" not found in namesp/]);
    // The Backup comes from the cache; only the Secret is read from the API.
    assert.deepEqual(paths, [secretPath("gone")]);
  });

  it("completed with everything present → allowed, no warning", async () => {
    assertAllowedClean(await admit(hook, cluster("pg", { recoverFrom: "bk-good" })));
  });

  // Recovering into the archive one restores from is the disaster-recovery flow: PostgreSQL continues on a
  // new timeline there (xlog.c StartupXLOG), so it is warned, not denied, unless a live Cluster writes there.
  it("recovering into the Backup's own archive under its cluster's name (the disaster-recovery flow) → admitted, warned", async () => {
    // In the cache "pg-old" is the live source; a CREATE of the same name stands for the one recreated after its loss.
    const a = await admit(hook, cluster("pg-old", { recoverFrom: "bk-good", store: { destinationPath: "s3://backups" } }));
    assertWarned(a, [
      /^spec\.backup\.barmanObjectStore\.serverName: continues on a new timeline in the folder of Backup "bk-good"/,
      /^spec\.bootstrap\.fullRecovery\.backup\.name: major and hot-standby settings not compared with Backup "bk-good"/,
    ]);
  });

  it("the same archive through an explicit serverName → admitted, warned", async () => {
    const a = await admit(hook, cluster("pg-new", { recoverFrom: "bk-good", store: { destinationPath: "s3://backups/", serverName: "pg-old" } }));
    assertWarned(a, [/^spec\.backup\.barmanObjectStore\.serverName: continues on a new timeline in the folder of Backup "bk-good"/]);
  });

  it("a Backup whose status has no serverName → deny: release 0.5 passes status.serverName to barman-cloud-restore", async () => {
    const a = await admit(hook, cluster("pg-new", { recoverFrom: "bk-no-server", store: { destinationPath: "s3://backups", serverName: "pg-new" } }));
    assertDenied(a, [[RECOVERY, "FieldValueInvalid", /Backup "bk-no-server" is completed but its status has no serverName/]]);
  });

  it("same destinationPath, different serverName → allowed, no warning", async () => {
    assertAllowedClean(await admit(hook, cluster("pg-new", { recoverFrom: "bk-good", store: { destinationPath: "s3://backups", serverName: "pg-new" } })));
  });

  it("UPDATE of an existing recovery cluster looks nothing up", async () => {
    const object = cluster("pg", { recoverFrom: "no-such-backup", store: { secret: "no-such-secret" } });
    const { result: a, paths } = await apiRequests(() => admit(hook, object, { operation: "UPDATE", oldObject: object as never }));
    assertAllowedClean(a);
    assert.deepEqual(paths, []);
  });
});

// ---- §6.3 / §6.4 the Cluster behind a Backup or ScheduledBackup ------------------------------

// postgresql/secrets: release 0.5 mounts these Secrets and its init container reads their password key
// (pkg/specs/pods.go, pkg/management/postgres/initdb.go VerifyConfiguration).
describe("superuser and application Secrets against the live API", () => {
  const named = (superuser: string, app: string): KubeObject => {
    const c = cluster("pg-secrets", { store: {} });
    return { ...c, spec: { ...(c.spec as object), superuserSecret: { name: superuser }, bootstrap: { initdb: { database: "app", secret: { name: app } } } } };
  };

  it("present without a password key → denied; absent → warned; present with it → allowed", async () => {
    api.put(secret("su-nopass", { username: PLANTED }));
    api.put(secret("su-ok", { username: "postgres", password: PLANTED }));
    api.put(secret("app-ok", { username: "app", password: PLANTED }));
    assertDenied(await admit(hook, named("su-nopass", "app-ok")), [
      ["spec.superuserSecret.name", "FieldValueNotFound", /^Not found: "password": Secret "su-nopass" has no key "password"$/],
    ]);
    assertWarned(await admit(hook, named("su-ok", "app-gone")), [/^spec\.bootstrap\.initdb\.secret\.name: Secret "app-gone" not found in namespace "app"$/]);
    assertAllowedClean(await admit(hook, named("su-ok", "app-ok")));
    // --strict-references: what is absent is denied.
    assertDenied(await admit(strict, named("su-ok", "app-gone")), [["spec.bootstrap.initdb.secret.name", "FieldValueNotFound", /Secret "app-gone" not found/]]);
  });
});

// recovery/source-compatibility: the Backup's source Cluster, from the watch cache.
describe("a recovery against its Backup's source Cluster in the live API", () => {
  it("another major, or hot-standby settings below the source's → denied naming both; the same → allowed", async () => {
    const source = bootstrapped(cluster("pg-src12"));
    (source.spec as Record<string, unknown>).imageName = "quay.io/enterprisedb/postgresql:12.5";
    (source.spec as Record<string, unknown>).postgresql = { parameters: { max_connections: "300" } };
    api.put(source);
    api.put({ ...backupWithStatus("bk-src12", { serverName: "pg-src12" }), spec: { cluster: { name: "pg-src12" } } });
    await Promise.all([hook, strict].map((w) => cached(w, "Backup", NS, "bk-src12")));
    const on = (image: string, parameters?: Record<string, string>): KubeObject => {
      const c = cluster("pg-restored", { recoverFrom: "bk-src12" });
      return {
        ...c,
        spec: { ...(c.spec as object), imageName: `quay.io/enterprisedb/postgresql:${image}`, ...(parameters ? { postgresql: { parameters } } : {}) },
      };
    };
    assertDenied(await admit(hook, on("13.1", { max_connections: "300" })), [
      ["spec.imageName", "FieldValueInvalid", /runs PostgreSQL 13, but Cluster "pg-src12", the source of Backup "bk-src12" ran PostgreSQL 12/],
    ]);
    assertDenied(await admit(hook, on("12.6")), [
      ["spec.postgresql.parameters[max_connections]", "FieldValueInvalid", /max_connections is 100 here but 300 in Cluster "pg-src12"/],
    ]);
    assertAllowedClean(await admit(hook, on("12.6", { max_connections: "300" })));
  });
});

describe("Backup and ScheduledBackup → Cluster against the live API", () => {
  it("Backup → Cluster absent → deny", async () => {
    const a = await admit(hook, backupObject("b1", "no-such-cluster"));
    assertDenied(a, [[CLUSTER_REF, "FieldValueNotFound", /^Not found: "no-such-cluster": Cluster "no-such-cluster" not found in namespace "app"$/]]);
  });

  it("Backup → Cluster without backup configuration → deny, saying how to fix it", async () => {
    const a = await admit(hook, backupObject("b1", "pg-plain"));
    assertDenied(a, [
      [
        CLUSTER_REF,
        "FieldValueInvalid",
        /Cluster "pg-plain" has no backup configuration: add spec\.backup\.barmanObjectStore \(destinationPath and s3Credentials\) to it first/,
      ],
    ]);
  });

  it("Backup → Cluster with barmanObjectStore → allowed, without any API call (the Cluster is cached)", async () => {
    const { result: a, paths } = await apiRequests(() => admit(hook, backupObject("b1", "pg-backed")));
    assertAllowedClean(a);
    assert.deepEqual(paths, []);
  });

  // controllers/backup_controller.go:73-81: no Pod named status.targetPrimary → "Unknown pod", failed for good.
  it("Backup → Cluster that has no primary yet (GitOps applying both at once) → deny; a ScheduledBackup of it → allowed", async () => {
    await Promise.all([hook, strict].map((w) => cached(w, "Cluster", NS, "pg-unborn")));
    assertDenied(await admit(hook, backupObject("b1", "pg-unborn")), [
      [CLUSTER_REF, "FieldValueInvalid", /Cluster "pg-unborn" has no primary yet: release 0\.5 would fail this Backup with "Unknown pod" and never retry it/],
    ]);
    // A schedule's first Backup comes at its first firing, not at once (scheduledbackup_controller.go:98-117).
    assertAllowedClean(await admit(hook, scheduledBackup("nightly", "pg-unborn")));
  });

  it("ScheduledBackup → Cluster absent → warn (it may come in the same batch)", async () => {
    assertWarned(await admit(hook, scheduledBackup("nightly", "no-such-cluster")), [
      /^spec\.cluster\.name: Cluster "no-such-cluster" not found in namespace "app"$/,
    ]);
  });

  it("ScheduledBackup → Cluster without backup configuration → deny", async () => {
    const a = await admit(hook, scheduledBackup("nightly", "pg-plain"));
    assertDenied(a, [[CLUSTER_REF, "FieldValueInvalid", /Cluster "pg-plain" has no backup configuration: add spec\.backup\.barmanObjectStore/]]);
  });

  it("ScheduledBackup → Cluster with barmanObjectStore → allowed", async () => {
    assertAllowedClean(await admit(hook, scheduledBackup("nightly", "pg-backed")));
  });
});

// ---- §7: namespace, request count, mutate path -------------------------------------------------

describe("what the webhook asks the API server", () => {
  it("lookups stay in the object's namespace (objects of the same name elsewhere do not count); what the caches do not know is read through", async () => {
    const ns = "team-a";
    const { result, paths } = await apiRequests(async () => [
      await admit(hook, cluster("pg", { namespace: ns, store: {}, recoverFrom: "bk-good" })),
      await admit(hook, backupObject("b1", "pg-backed", ns)),
      await admit(hook, scheduledBackup("nightly", "pg-backed", ns)),
    ]);
    const [c, b, s] = result;
    assertDenied(c!, [[RECOVERY, "FieldValueNotFound", /^Not found: "bk-good": Backup "bk-good" not found in namespace "team-a": /]]);
    assert.deepEqual(warnings(c!), ['spec.backup.barmanObjectStore.s3Credentials.accessKeyId.name: Secret "s3-creds" not found in namespace "team-a"']);
    assertDenied(b!, [[CLUSTER_REF, "FieldValueNotFound", /not found in namespace "team-a"/]]);
    assertWarned(s!, [/not found in namespace "team-a"/]);
    assert.deepEqual(
      [...paths].sort(),
      [cnpPath("backups", "bk-good", ns), cnpPath("clusters", "pg-backed", ns), cnpPath("clusters", "pg-backed", ns), secretPath("s3-creds", ns)].sort(),
    );
    assert.ok(
      paths.every((p) => p.includes(`/namespaces/${ns}/`)),
      paths.join("\n"),
    );
  });

  it("one Cluster admission with warm caches: one GET per Secret, nothing fetched twice, no API call for the cached Backup", async (t) => {
    // accessKeyId and secretAccessKey name the same Secret; the Backup records another one.
    const object = cluster("pg-new", { store: {}, recoverFrom: "bk-good" });
    const { result: a, paths } = await apiRequests(() => admit(hook, object));
    assertAllowedClean(a);
    assert.deepEqual([...paths].sort(), [secretPath("minio"), secretPath("s3-creds")].sort());
    t.diagnostic(
      `one Cluster admission (barmanObjectStore with one Secret for both keys + fullRecovery), warm caches: ${paths.length} API requests: ${paths.join(", ")}`,
    );

    // The Backup recording the very Secret the store names: that Secret is still fetched once.
    const same = await apiRequests(() => admit(hook, cluster("pg-new", { store: {}, recoverFrom: "bk-same-secret" })));
    assertAllowedClean(same.result);
    assert.deepEqual(same.paths, [secretPath("s3-creds")]);
    t.diagnostic(`same, with the Backup recording the store's Secret: ${same.paths.length} API request`);
    assert.ok(api.requests.every((r) => r.method === "GET"));
  });

  it("Secrets are only ever read by name: never listed, never watched", () => {
    const secretRequests = api.requests.filter((r) => r.path.includes("/secrets"));
    assert.ok(secretRequests.length > 0);
    for (const r of secretRequests) {
      assert.match(r.path, /^\/api\/v1\/namespaces\/[^/]+\/secrets\/[^/]+$/);
      assert.equal(r.query, undefined);
    }
  });

  it("the mutating webhook and DELETE make no lookups", async () => {
    const object = cluster("pg", { store: { secret: "no-such-secret" }, recoverFrom: "no-such-backup" });
    const { result, paths } = await apiRequests(async () => [
      await admit(hook, object, { role: "mutate" }),
      await admit(hook, object, { operation: "DELETE", oldObject: object as never }),
    ]);
    for (const a of result) {
      assert.equal(a.response.allowed, true);
      assert.deepEqual(warnings(a), []);
    }
    assert.deepEqual(paths, []);
  });
});

describe("one Secret read per burst (serve --secret-reuse)", () => {
  it("Clusters naming one credentials Secret share its GET; a key it did not have is asked for, never denied from memory", async () => {
    const reuse = await startWebhook({ certs, kubeconfig: api.writeKubeconfig(tmp), lookupTimeoutMs: LOOKUP_TIMEOUT_MS, secretReuseMs: 500 });
    try {
      api.put(secret("burst-creds", BOTH_KEYS));
      const named = (name: string, keys?: [string, string]) =>
        cluster(name, { store: { secret: "burst-creds", destinationPath: `s3://backups/${name}`, ...(keys ? { keys } : {}) } });
      const burst = await apiRequests(async () => {
        const together = await Promise.all(Array.from({ length: 30 }, (_, i) => admit(reuse, named(`burst-${i}`))));
        const after: Answered[] = [];
        for (let i = 30; i < 50; i++) after.push(await admit(reuse, named(`burst-${i}`)));
        return [...together, ...after];
      });
      for (const a of burst.result) assertAllowedClean(a);
      const secretsOnly = (paths: string[]) => paths.filter((p) => p.includes("/secrets/"));
      assert.deepEqual(secretsOnly(burst.paths), [secretPath("burst-creds")], "50 admissions, one GET");

      // A key added a moment ago: the Secret remembered does not have it, so it is read again.
      api.put(secret("burst-creds", { ...BOTH_KEYS, SESSION_TOKEN: PLANTED }));
      const added = await apiRequests(() => admit(reuse, named("burst-new-key", ["ACCESS_KEY_ID", "SESSION_TOKEN"])));
      assertAllowedClean(added.result);
      assert.deepEqual(secretsOnly(added.paths), [secretPath("burst-creds")]);

      // Past the reuse time, the next admission reads it again.
      await new Promise((resolve) => setTimeout(resolve, 600));
      const later = await apiRequests(() => admit(reuse, named("burst-later")));
      assertAllowedClean(later.result);
      assert.deepEqual(secretsOnly(later.paths), [secretPath("burst-creds")]);
    } finally {
      retiredLogs.push(...reuse.logText);
      await reuse.close();
    }
  });
});

// ---- §7 --strict-references -------------------------------------------------------------------

describe("--strict-references against the live API", () => {
  it("absent Secret → denied (NotFound on accessKeyId.name)", async () => {
    const a = await admit(strict, cluster("pg", { store: { secret: "no-such-secret" } }));
    assertDenied(a, [
      [`${CREDS}.accessKeyId.name`, "FieldValueNotFound", /^Not found: "no-such-secret": Secret "no-such-secret" not found in namespace "app"$/],
    ]);
  });

  it("absent Backup to recover from → denied; absent Cluster of a ScheduledBackup → denied", async () => {
    assertDenied(await admit(strict, cluster("pg", { recoverFrom: "no-such-backup" })), [
      [RECOVERY, "FieldValueNotFound", /Backup "no-such-backup" not found/],
    ]);
    assertDenied(await admit(strict, scheduledBackup("nightly", "no-such-cluster")), [
      [CLUSTER_REF, "FieldValueNotFound", /Cluster "no-such-cluster" not found/],
    ]);
  });

  it("present references are still admitted without warnings", async () => {
    assertAllowedClean(await admit(strict, cluster("pg-new", { store: {}, recoverFrom: "bk-good" })));
    assertAllowedClean(await admit(strict, backupObject("b1", "pg-backed")));
  });

  it("a Backup that is not completed is denied the same way with or without --strict-references", async () => {
    for (const webhook of [hook, strict]) {
      assertDenied(await admit(webhook, cluster("pg", { recoverFrom: "bk-running" })), [[RECOVERY, "FieldValueInvalid", /Backup "bk-running" is running/]]);
    }
  });
});

// ---- §7 faults through the HTTPS server --------------------------------------------------------

describe("API faults: answered within the lookup deadline, 'could not verify'", () => {
  /**
   * A Cluster with two references the webhook must ask the API for (the store's Secret, and a Backup
   * the caches do not know, read through): both fail, both are reported, one deadline.
   */
  const twoRefs = () => cluster("pg", { store: {}, recoverFrom: "bk-unknown" });
  const cases: { name: string; fault: Fault | "refused"; why: RegExp }[] = [
    { name: "API hangs", fault: "hang", why: /timed out/ },
    { name: "403 Forbidden", fault: "forbidden", why: /forbidden/ },
    { name: "500 InternalError", fault: "error", why: /500 InternalError/ },
    { name: "connection refused", fault: "refused", why: /connection refused/ },
  ];

  for (const c of cases) {
    it(`${c.name} → allowed with 'could not verify' warnings, one log line and one metric per failed lookup`, async (t) => {
      const webhook = c.fault === "refused" ? refused : hook;
      const logsBefore = failedLookupLines(webhook).length;
      const [secretsBefore, backupsBefore] = [await lookupCount(webhook, "Secret", "unknown"), await lookupCount(webhook, "Backup", "unknown")];
      const a = await withFault(c.fault === "refused" ? "none" : c.fault, () => admit(webhook, twoRefs()));
      t.diagnostic(`${c.name}: answered after ${a.ms.toFixed(0)} ms (lookup timeout ${LOOKUP_TIMEOUT_MS} ms): ${JSON.stringify(warnings(a))}`);
      assert.ok(a.ms < LOOKUP_TIMEOUT_MS + 500, `answered after ${a.ms.toFixed(0)} ms`);
      if (c.fault === "hang") assert.ok(a.ms >= LOOKUP_TIMEOUT_MS - 50, `a hang is only given up at the deadline (${a.ms.toFixed(0)} ms)`);
      // With the API unreachable from the start the caches never synced: the WAL-archive index is not known either.
      const neverSynced =
        c.fault === "refused" ? [/^spec\.backup\.barmanObjectStore\.destinationPath: could not verify that this WAL archive is unused: /] : [];
      assertWarned(a, [
        /^spec\.backup\.barmanObjectStore\.s3Credentials\.accessKeyId\.name: could not verify Secret "s3-creds": /,
        ...neverSynced,
        /^spec\.bootstrap\.fullRecovery\.backup\.name: could not verify Backup "bk-unknown": /,
      ]);
      // The reason survives in full in the log line (warnings are cut at 120 characters).
      const lines = failedLookupLines(webhook).slice(logsBefore);
      assert.deepEqual(lines.map((l) => [l.level, l["kind"], l["namespace"], l["name"]]).sort(), [
        ["warn", "Backup", NS, "bk-unknown"],
        ["warn", "Secret", NS, "s3-creds"],
        ...(c.fault === "refused" ? [["warn", "index/walArchive", "*", '["aws","backups","pg/pg/"]']] : []),
      ]);
      for (const l of lines) assert.match(String(l["why"]), String(l["kind"]).startsWith("index/") ? /cache not synced: connect ECONNREFUSED/ : c.why);
      assert.equal((await lookupCount(webhook, "Secret", "unknown")) - secretsBefore, 1);
      assert.equal((await lookupCount(webhook, "Backup", "unknown")) - backupsBefore, 1);
    });

    it(`${c.name} + --strict-references → denied within the deadline`, async (t) => {
      const webhook = c.fault === "refused" ? refusedStrict : strict;
      const a = await withFault(c.fault === "refused" ? "none" : c.fault, () => admit(webhook, twoRefs()));
      t.diagnostic(`${c.name}, strict: denied after ${a.ms.toFixed(0)} ms`);
      assert.ok(a.ms < LOOKUP_TIMEOUT_MS + 500, `answered after ${a.ms.toFixed(0)} ms`);
      assertDenied(a, [
        [`${CREDS}.accessKeyId.name`, "FieldValueInvalid", new RegExp(`^Invalid value: "s3-creds": could not verify Secret "s3-creds": ${c.why.source}`)],
        ...(c.fault === "refused"
          ? ([[`${STORE}.destinationPath`, "FieldValueInvalid", /could not verify that this WAL archive is unused/]] as [string, string, RegExp][])
          : []),
        [RECOVERY, "FieldValueInvalid", new RegExp(`^Invalid value: "bk-unknown": could not verify Backup "bk-unknown": ${c.why.source}`)],
      ]);
    });
  }

  it("a Backup the cache knows is verified while the API fails: only the Secrets (read by GET) are not", async () => {
    const a = await withFault("error", () => admit(hook, cluster("pg", { store: {}, recoverFrom: "bk-good" })));
    assertWarned(a, [
      /^spec\.backup\.barmanObjectStore\.s3Credentials\.accessKeyId\.name: could not verify Secret "s3-creds": 500 InternalError$/,
      /^spec\.bootstrap\.fullRecovery\.backup\.name: could not verify Secret "minio" recorded in Backup "bk-good": 500 InternalError$/,
    ]);
  });

  it("a 200 HTML page where the Secret should be (a proxy in the way) → 'could not verify', not denied for missing keys", async () => {
    api.faultFor("/api/v1/", "html");
    try {
      const a = await admit(hook, cluster("pg", { store: {} }));
      assertWarned(a, [/^spec\.backup\.barmanObjectStore\.s3Credentials\.accessKeyId\.name: could not verify Secret "s3-creds": /]);
    } finally {
      api.faultFor("/api/v1/", undefined);
    }
  });

  it("a fault on one kind only: the Secret is verified, the Backup read through is not", async () => {
    api.faultFor(`/apis/${API_VERSION}/`, "error");
    try {
      const a = await admit(hook, cluster("pg", { store: { secret: "half-creds" }, recoverFrom: "bk-unknown" }));
      // The Secret lookup succeeded, so its missing key is still a denial; the Backup is unverified.
      assert.equal(a.response.allowed, false);
      assert.deepEqual(
        causes(a).map((x) => x.field),
        [`${CREDS}.secretAccessKey.key`],
      );
      assert.deepEqual(
        warnings(a).map((w) => w.split(":")[0]),
        [RECOVERY],
      );
    } finally {
      api.faultFor(`/apis/${API_VERSION}/`, undefined);
    }
  });

  it("a slow API inside the deadline is an answer, not a fault", async () => {
    api.slowMs = 200;
    const a = await withFault("slow", () => admit(hook, cluster("pg-new", { store: {}, recoverFrom: "bk-good" })));
    assertAllowedClean(a);
    // The store's Secret and, once the Backup is read from the cache, the Secret it records: in parallel.
    assert.ok(a.ms >= 200 && a.ms < LOOKUP_TIMEOUT_MS, `answered after ${a.ms.toFixed(0)} ms`);
  });

  it("after the faults, the webhook answers from the API normally again", async () => {
    assertAllowedClean(await admit(hook, cluster("pg-new", { store: {}, recoverFrom: "bk-good" })));
    assert.equal(api.hanging, 0, "no request to the API server is left hanging");
  });
});

// ---- metrics and logs of successful lookups ----------------------------------------------------

describe("lookup metrics", () => {
  it("cnp_webhook_reference_lookups_total{kind,outcome} counts present and absent lookups", async () => {
    const before = {
      secretPresent: await lookupCount(hook, "Secret", "present"),
      secretAbsent: await lookupCount(hook, "Secret", "absent"),
      backupPresent: await lookupCount(hook, "Backup", "present"),
      clusterAbsent: await lookupCount(hook, "Cluster", "absent"),
    };
    const logsBefore = failedLookupLines(hook).length;
    await admit(hook, cluster("pg-new", { store: {}, recoverFrom: "bk-good" })); // 2 Secrets present, 1 Backup present
    await admit(hook, cluster("pg", { store: { secret: "no-such-secret" } })); // 1 Secret absent
    await admit(hook, backupObject("b1", "no-such-cluster")); // 1 Cluster absent
    assert.equal((await lookupCount(hook, "Secret", "present")) - before.secretPresent, 2);
    assert.equal((await lookupCount(hook, "Secret", "absent")) - before.secretAbsent, 1);
    assert.equal((await lookupCount(hook, "Backup", "present")) - before.backupPresent, 1);
    assert.equal((await lookupCount(hook, "Cluster", "absent")) - before.clusterAbsent, 1);
    // Present and absent are answers, not failures: no "reference lookup failed" line.
    assert.equal(failedLookupLines(hook).length, logsBefore);
    const text = await hook.running.metrics.registry.metrics();
    assert.match(text, /^cnp_webhook_reference_lookups_total\{kind="Secret",outcome="present"\} \d+$/m);
  });
});

// ---- §7 secrecy: runs last, over everything this file produced ---------------------------------

describe("Secret values never leave the API server", () => {
  it("the planted value (and its base64) is in no response body, log line or metric", async () => {
    // A few more admissions that read the planted Secrets in every way: present, key missing, strict.
    for (const w of [hook, strict]) {
      await admit(w, cluster("pg", { store: {} }));
      await admit(w, cluster("pg", { store: { secret: "half-creds" } }));
      await admit(w, cluster("pg", { store: { secret: "key-only" }, recoverFrom: "bk-good" }));
      await admit(w, cluster("pg", { store: {} }), { role: "mutate" });
    }
    assert.ok(bodies.length > 40, `checked ${bodies.length} responses`);
    const logs = [...retiredLogs, ...[hook, strict, refused, refusedStrict].flatMap((w) => w.logText)];
    assert.ok(logs.length > bodies.length, "there are log lines (one per admission at least)");
    const metrics = await Promise.all([hook, strict, refused, refusedStrict].map((w) => w.running.metrics.registry.metrics()));
    for (const [what, texts] of [
      ["response", bodies],
      ["log line", logs],
      ["metrics", metrics],
    ] as const) {
      for (const text of texts) {
        assert.ok(!text.includes(PLANTED), `planted value in a ${what}: ${text.slice(0, 200)}`);
        assert.ok(!text.includes(PLANTED_B64), `planted base64 in a ${what}: ${text.slice(0, 200)}`);
      }
    }
    // Sanity: the value really is on the API server, so its absence above means something.
    assert.ok(api.requests.some((r) => r.path === `/api/v1/namespaces/${NS}/secrets/s3-creds`));
  });
});
