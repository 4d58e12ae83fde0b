// The real HTTPS server, spoken to as the kube-apiserver speaks to it.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jsonpatch from "fast-json-patch";
import type { KindName } from "../schemas/kinds.js";
import { completedBackup, CREDS_KEYS, stateResolver, validBackup, validCluster, validScheduledBackup, withField } from "../tools/testkit/admission.js";
import { admissionReview } from "../tools/testkit/review.js";
import { startWebhook, type TestWebhook } from "../tools/testkit/webhook.js";
import { DEFAULT_POSTGRES_IMAGE } from "../webhook/deployment.js";
import { route, type Role } from "../webhook/routes.js";

const path = (role: Role, kind: KindName) => route(role, kind).path;

let webhook: TestWebhook;
before(async () => {
  webhook = await startWebhook({
    resolver: stateResolver({
      secrets: { "aws-creds": CREDS_KEYS, minio: CREDS_KEYS },
      clusters: [validCluster("pg"), validCluster("pg-old")],
      backups: [completedBackup()],
    }),
  });
});
after(() => webhook.close());

/** The apiserver's chain: mutating webhook, patch applied, validating webhook on the result. */
async function apply(kind: "Cluster" | "Backup" | "ScheduledBackup", object: any, operation: "CREATE" | "UPDATE" = "CREATE", oldObject?: any, dryRun = false) {
  const mutateReview = admissionReview(kind, object, { operation: operation, oldObject, dryRun });
  const mutated = await webhook.post(path("mutate", kind), mutateReview);
  assert.equal(mutated.status, 200);
  assert.equal(mutated.json.response.uid, mutateReview.request.uid);
  assert.equal(mutated.json.response.allowed, true);
  let patched = object;
  if (mutated.json.response.patch) {
    assert.equal(mutated.json.response.patchType, "JSONPatch");
    const ops = JSON.parse(Buffer.from(mutated.json.response.patch, "base64").toString("utf8"));
    patched = jsonpatch.applyPatch(structuredClone(object), ops, true).newDocument;
  } else {
    assert.equal(mutated.json.response.patchType, undefined);
  }
  const validateReview = admissionReview(kind, patched, { operation: operation, oldObject, dryRun });
  const validated = await webhook.post(path("validate", kind), validateReview);
  assert.equal(validated.status, 200);
  assert.equal(validated.json.apiVersion, "admission.k8s.io/v1");
  assert.equal(validated.json.kind, "AdmissionReview");
  assert.equal(validated.json.response.uid, validateReview.request.uid);
  return { mutated: mutated.json.response, validated: validated.json.response, patched };
}

describe("AdmissionReview over HTTPS", () => {
  test("CREATE Cluster: defaults patched in, then admitted by the validating webhook", async () => {
    const cluster = validCluster();
    delete (cluster.spec as { imageName?: string }).imageName;
    const { mutated, validated, patched } = await apply("Cluster", cluster);
    assert.ok(mutated.patch, "a patch is sent when defaults apply");
    assert.equal(patched.spec.imageName, DEFAULT_POSTGRES_IMAGE);
    assert.deepEqual(patched.spec.bootstrap, { initdb: { database: "app", owner: "app" } });
    assert.deepEqual(validated, { uid: validated.uid, allowed: true }, "the patched object needs no patch and draws no warning");
  });

  test("the validating webhook never answers with a patch (the apiserver would refuse it)", async () => {
    const cluster = validCluster();
    delete (cluster.spec as { imageName?: string }).imageName;
    const res = await webhook.post(path("validate", "Cluster"), admissionReview("Cluster", cluster, { operation: "CREATE" }));
    assert.equal(res.json.response.allowed, true);
    assert.equal(res.json.response.patch, undefined);
    assert.equal(res.json.response.patchType, undefined);
  });

  test("the patched object needs no further patch: mutation is idempotent", async () => {
    const { patched } = await apply("Cluster", validCluster());
    const again = await webhook.post(path("mutate", "Cluster"), admissionReview("Cluster", patched, { operation: "CREATE" }));
    assert.equal(again.json.response.patch, undefined);
    assert.equal(again.json.response.patchType, undefined);
  });

  test("a denial is a 422 Invalid Status with every cause", async () => {
    let cluster = withField(validCluster(), "spec.instances", 0);
    cluster = withField(cluster, "spec.backup.barmanObjectStore.wal.encryption", "SHA256");
    const { validated } = await apply("Cluster", cluster);
    assert.equal(validated.allowed, false);
    assert.equal(validated.patch, undefined, "no patch on a denial");
    assert.deepEqual(validated.status, {
      metadata: {},
      status: "Failure",
      message:
        'Cluster.postgresql.k8s.enterprisedb.io "pg" is invalid: [spec.instances: Invalid value: 0: must be greater than or equal to 1, spec.backup.barmanObjectStore.wal.encryption: Unsupported value: "SHA256": supported values: "", "AES256", "aws:kms"; SHA256 is a hash, not an encryption; did you mean AES256?]',
      reason: "Invalid",
      details: {
        name: "pg",
        group: "postgresql.k8s.enterprisedb.io",
        kind: "Cluster",
        causes: [
          { reason: "FieldValueInvalid", message: "Invalid value: 0: must be greater than or equal to 1", field: "spec.instances" },
          {
            reason: "FieldValueNotSupported",
            message: 'Unsupported value: "SHA256": supported values: "", "AES256", "aws:kms"; SHA256 is a hash, not an encryption; did you mean AES256?',
            field: "spec.backup.barmanObjectStore.wal.encryption",
          },
        ],
      },
      code: 422,
    });
  });

  test("warnings travel in response.warnings, each starting with the field path, at most 120 characters", async () => {
    const cluster = withField(validCluster(), "spec.backup.barmanObjectStore.endpointURL", "http://minio.example.com:9000");
    const { validated } = await apply("Cluster", cluster);
    assert.equal(validated.allowed, true);
    assert.deepEqual(validated.warnings, ["spec.backup.barmanObjectStore.endpointURL: credentials travel unencrypted over http:// to minio.example.com"]);
    for (const w of validated.warnings) assert.ok(w.length <= 120);
  });

  test("UPDATE gets the old object: shrinking storage is denied, growing admitted", async () => {
    const { patched: stored } = await apply("Cluster", withField(validCluster(), "spec.storage.size", "10Gi"));
    const shrink = await apply("Cluster", withField(stored, "spec.storage.size", "1Gi"), "UPDATE", stored);
    assert.equal(shrink.validated.allowed, false);
    assert.equal(shrink.validated.status.details.causes[0].field, "spec.storage.size");
    const grow = await apply("Cluster", withField(stored, "spec.storage.size", "20Gi"), "UPDATE", stored);
    assert.equal(grow.validated.allowed, true);
  });

  test("the instance Pod and claim release 0.5 would build: what the apiserver and the kubelet refuse is denied on the Cluster", async () => {
    let cluster = withField(validCluster(), "spec.resources", { requests: { cpu: "2" }, limits: { cpu: "1" } });
    cluster = withField(cluster, "spec.storage.pvcTemplate", { volumeMode: "Block" });
    const { validated } = await apply("Cluster", cluster);
    assert.equal(validated.allowed, false);
    assert.deepEqual(
      validated.status.details.causes.map((c: { field: string; message: string }) => [c.field, c.message.split(":")[0]]),
      [
        ["spec.storage.pvcTemplate.volumeMode", "Unsupported value"],
        ["spec.resources.requests[cpu]", "Invalid value"],
      ],
    );
    assert.match(validated.status.message, /must be less than or equal to cpu limit of 1/);
  });

  test("dryRun changes nothing: same answer, no side effects", async () => {
    const wet = await apply("Backup", validBackup());
    const dry = await apply("Backup", validBackup(), "CREATE", undefined, true);
    assert.equal(dry.mutated.patch, wet.mutated.patch);
    assert.equal(dry.validated.allowed, wet.validated.allowed);
    assert.ok(webhook.logs().some((l) => l.dryRun === true));
  });

  test("Backup and ScheduledBackup are labelled and checked against their Cluster", async () => {
    const backup = await apply("Backup", validBackup("b1", "pg"));
    assert.equal(backup.patched.metadata.labels["postgresql.k8s.enterprisedb.io/cluster"], "pg");
    assert.equal(backup.validated.allowed, true);
    const orphan = await apply("Backup", validBackup("b2", "ghost"));
    assert.equal(orphan.validated.allowed, false);
    assert.equal(orphan.validated.status.details.causes[0].field, "spec.cluster.name");
    const schedule = await apply("ScheduledBackup", validScheduledBackup("s", "pg", "0 0 * * *"));
    assert.equal(schedule.validated.allowed, false);
    assert.match(schedule.validated.status.message, /has 5 fields, which the operator reads as second minute hour day-of-month month/);
  });

  test("recovery from a completed Backup passes through both webhooks", async () => {
    const restore = withField(withField(validCluster("cluster-restore"), "spec.backup", undefined), "spec.bootstrap", {
      fullRecovery: { backup: { name: "backup-example" } },
    });
    const { validated } = await apply("Cluster", restore);
    assert.equal(validated.allowed, true);
    assert.equal(validated.warnings, undefined);
  });

  test("the apiserver's ?timeout=10s query is accepted; other methods get 405", async () => {
    const review = admissionReview("Backup", validBackup("q", "pg"));
    const res = await webhook.post(`${path("validate", "Backup")}?timeout=10s`, review);
    assert.equal(res.status, 200);
    assert.equal(res.json.response.uid, review.request.uid);
    assert.equal((await webhook.request({ path: path("validate", "Backup") })).status, 405);
  });

  test("DELETE is allowed untouched", async () => {
    for (const role of ["mutate", "validate"] as const) {
      const review = admissionReview("Cluster", validCluster(), { operation: "DELETE" });
      const res = await webhook.post(path(role, "Cluster"), review);
      assert.deepEqual(res.json, { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: review.request.uid, allowed: true } });
    }
  });

  test("a request for another kind than the path's is refused in-band", async () => {
    const review = admissionReview("Backup", validBackup(), { operation: "CREATE" });
    const res = await webhook.post(path("validate", "Cluster"), review);
    assert.equal(res.status, 200);
    assert.equal(res.json.response.allowed, false);
    assert.equal(res.json.response.status.code, 400);
  });

  test("one JSON log line per admission", async () => {
    const review = admissionReview("Backup", validBackup("logged", "pg"));
    await webhook.post(path("validate", "Backup"), review);
    const lines = webhook.logs().filter((l) => l.uid === review.request.uid);
    assert.equal(lines.length, 1);
    const [line] = lines;
    for (const key of ["uid", "kind", "namespace", "name", "operation", "allowed", "durationMs"]) assert.ok(key in line!, key);
  });
});

describe("bodies that are not AdmissionReviews", () => {
  const p = path("validate", "Cluster");
  const cases: [string, () => Promise<{ status: number; text: string }>, number][] = [
    ["empty", () => webhook.post(p, undefined, { raw: "" }), 400],
    ["not JSON", () => webhook.post(p, undefined, { raw: "{not json" }), 400],
    ["a JSON array", () => webhook.post(p, [1, 2]), 400],
    ["wrong kind", () => webhook.post(p, { apiVersion: "admission.k8s.io/v1", kind: "Pod", request: { uid: "x", operation: "CREATE" } }), 400],
    ["v1beta1", () => webhook.post(p, { apiVersion: "admission.k8s.io/v1beta1", kind: "AdmissionReview", request: { uid: "x", operation: "CREATE" } }), 400],
    ["no request.uid", () => webhook.post(p, { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { operation: "CREATE" } }), 400],
    ["text/plain", () => webhook.post(p, admissionReview("Cluster", validCluster(), { operation: "CREATE" }), { contentType: "text/plain" }), 400],
    ["8 MiB", () => webhook.post(p, undefined, { raw: Buffer.alloc(8 * 1024 * 1024, 0x20) }), 413],
  ];
  for (const [name, send, status] of cases) {
    test(`${name} → ${status}, short plain message, and the server still answers`, async () => {
      const res = await send();
      assert.equal(res.status, status);
      assert.ok(res.text.length < 200 && !res.text.includes("    at "), res.text);
      const ok = await webhook.post(p, admissionReview("Cluster", validCluster(), { operation: "CREATE" }));
      assert.equal(ok.status, 200);
    });
  }
  test("health and readiness", async () => {
    for (const p of ["/healthz", "/readyz"]) assert.equal((await webhook.request({ path: p })).status, 200, p);
  });
});
