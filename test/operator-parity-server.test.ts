// Issue "No stricter than the operator", through the real HTTPS server: what release 0.5 runs as meant
// is admitted, what it (or its CRD) refuses is denied, on CREATE and UPDATE. The offline twins are in
// test/crd-parity.test.ts and webhook/rules/{parameters,cluster}.test.ts; the sources are cited there
// and in docs/operator-0.5.md §10.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CREDS_KEYS, stateResolver, validBackup, validCluster, withField } from "../tools/testkit/admission.js";
import { startWebhook, type AdmissionResponse, type TestWebhook } from "../tools/testkit/webhook.js";

let webhook: TestWebhook;

before(async () => {
  webhook = await startWebhook({ resolver: stateResolver({ secrets: { "aws-creds": CREDS_KEYS }, clusters: [validCluster("pg")] }) });
});
after(async () => webhook?.close());

async function answer(kind: "Cluster" | "Backup", object: unknown, old?: unknown): Promise<AdmissionResponse> {
  const reply = await webhook.review(kind, object, old ? { operation: "UPDATE", oldObject: old } : {});
  assert.equal(reply.status, 200, reply.text);
  assert.ok(reply.response, reply.text);
  return reply.response;
}

const causes = (r: AdmissionResponse) => (r.status?.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);

describe("admitted: what release 0.5 runs as meant (false denials before)", () => {
  test('startDelay 0 and stopDelay -1 (<= 0 is 30 s); primaryUpdateStrategy "" (unsupervised); initdb.secret {} (generated)', async () => {
    let c = withField(withField(validCluster(), "spec.startDelay", 0), "spec.stopDelay", -1);
    c = withField(c, "spec.primaryUpdateStrategy", "");
    c = withField(c, "spec.bootstrap", { initdb: { database: "app", secret: {} } });
    const r = await answer("Cluster", c);
    assert.deepEqual([r.allowed, r.warnings], [true, undefined]);
  });

  test("a Backup with a field from a later release: admitted, warned that release 0.5 ignores it", async () => {
    const r = await answer("Backup", withField(validBackup("b", "pg"), "spec.method", "barmanObjectStore"));
    assert.equal(r.allowed, true);
    assert.deepEqual(r.warnings, ['spec.method: unknown field "method": first in release 1.21.0; release 0.5 keeps it and ignores it']);
  });

  test("a fixed parameter on CREATE: admitted, warned (mandatory ones are overwritten; others never change later)", async () => {
    const r = await answer("Cluster", withField(validCluster(), "spec.postgresql.parameters", { huge_pages: "off", port: "5433" }));
    assert.equal(r.allowed, true);
    assert.deepEqual(r.warnings, [
      "spec.postgresql.parameters[huge_pages]: huge_pages is fixed: release 0.5 writes it as given now, and refuses any chan...",
      "spec.postgresql.parameters[port]: ignored: the operator always writes port = '5432'",
    ]);
  });

  test('storageClass "": admitted, warned that dynamic provisioning is off', async () => {
    const r = await answer("Cluster", withField(validCluster(), "spec.storage.storageClass", ""));
    assert.equal(r.allowed, true);
    assert.match(r.warnings?.[0] ?? "", /^spec\.storage\.storageClass: an empty class turns dynamic provisioning off/);
  });
});

describe("denied: what release 0.5 or its CRD refuses", () => {
  test('superuserSecret.name "" (its webhook refuses it) and fullRecovery.backup.name "" (stuck for ever)', async () => {
    const empty = await answer("Cluster", withField(validCluster(), "spec.superuserSecret", { name: "" }));
    assert.deepEqual([empty.allowed, causes(empty)], [false, ["spec.superuserSecret.name: Required value: must not be empty"]]);
    const recovery = withField(withField(validCluster(), "spec.backup", undefined), "spec.bootstrap", { fullRecovery: { backup: { name: "" } } });
    const stuck = await answer("Cluster", recovery);
    assert.deepEqual([stuck.allowed, causes(stuck)], [false, ["spec.bootstrap.fullRecovery.backup.name: Required value: must not be empty"]]);
  });

  test("what 0.5.0's CRD refuses, with the apiserver's words", async () => {
    const r = await answer(
      "Cluster",
      withField(withField(validCluster(), "spec.affinity", { topologyKey: "zone" }), "spec.resources", { requests: { cpu: "two" } }),
    );
    assert.equal(r.allowed, false);
    assert.deepEqual(causes(r), [
      "spec.affinity.enablePodAntiAffinity: Required value",
      `spec.resources.requests.cpu: Invalid value: "two": spec.resources.requests.cpu in body should match '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$'`,
    ]);
  });

  test("UPDATE: a fixed parameter changed, and imageName changed with the parameters, as the operator's webhook refuses", async () => {
    const old = withField(validCluster(), "spec.postgresql.parameters", { huge_pages: "off" });
    const fixed = await answer("Cluster", withField(old, "spec.postgresql.parameters", { huge_pages: "on" }), old);
    assert.deepEqual(causes(fixed), [
      'spec.postgresql.parameters[huge_pages]: Invalid value: "on": Can\'t change fixed configuration parameter (release 0.5 fixes it at creation)',
    ]);
    const both = withField(withField(old, "spec.imageName", "quay.io/enterprisedb/postgresql:13.3"), "spec.postgresql.parameters", {
      huge_pages: "off",
      work_mem: "8MB",
    });
    const refused = await answer("Cluster", both, old);
    assert.deepEqual(causes(refused), [
      'spec.imageName: Invalid value: "quay.io/enterprisedb/postgresql:13.3": Can\'t change image name and configuration at the same time',
    ]);
    // Either alone passes.
    assert.equal((await answer("Cluster", withField(old, "spec.imageName", "quay.io/enterprisedb/postgresql:13.3"), old)).allowed, true);
    assert.equal((await answer("Cluster", withField(old, "spec.postgresql.parameters", { huge_pages: "off", work_mem: "8MB" }), old)).allowed, true);
  });
});
