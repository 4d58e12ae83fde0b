import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { check, stateResolver, validBackup, validCluster } from "../../test/support/admission.js";
import { ADMISSIONS, admit, type AdmissionOptions } from "./pipeline.js";

const options: AdmissionOptions = { defaultImage: "quay.io/enterprisedb/postgresql:13", resolver: stateResolver({}), strictReferences: false, lookupTimeoutMs: 200 };

describe("admission pipeline", () => {
  test("the mutating pass returns the patch only; the validating pass re-applies the same defaults", async () => {
    const cluster = validCluster();
    delete (cluster.spec as { imageName?: string }).imageName;
    const mutate = await admit({ kind: "Cluster", operation: "CREATE", object: cluster, namespace: "default" }, options, { validate: false });
    const validate = await admit({ kind: "Cluster", operation: "CREATE", object: cluster, namespace: "default" }, options);
    assert.deepEqual(mutate.patch, validate.patch);
    assert.deepEqual(mutate.warnings, [], "warnings come from the validating webhook only");
    assert.ok(mutate.patch.some((op) => op.path === "/spec/imageName"));
  });

  test("the input object is never modified", async () => {
    const cluster = validCluster();
    const before = JSON.stringify(cluster);
    await admit({ kind: "Cluster", operation: "CREATE", object: cluster, namespace: "default" }, options);
    assert.equal(JSON.stringify(cluster), before);
  });

  test("a rule that throws is reported as a failure naming the rule, not as a verdict", async () => {
    const faulty = { ...ADMISSIONS.Backup, rules: [...ADMISSIONS.Backup.rules, { name: "backup/exploding", check: () => { throw new Error("boom"); } }] };
    const out = await admit({ kind: "Backup", operation: "CREATE", object: validBackup(), namespace: "default" }, { ...options, admissions: { ...ADMISSIONS, Backup: faulty } });
    assert.equal(out.allowed, false);
    assert.deepEqual(out.ruleFailures.map((f) => f.rule), ["backup/exploding"]);
  });

  test("malformed objects get schema errors, and rules never see the refused values", async () => {
    for (const spec of ["text", 42, [], null, { instances: "3", storage: "big", backup: [], bootstrap: { initdb: "yes" }, postgresql: { parameters: "x" } }]) {
      const v = await check("Cluster", { apiVersion: "postgresql.k8s.enterprisedb.io/v1alpha1", kind: "Cluster", metadata: { name: "x" }, spec });
      assert.equal(v.allowed, false, JSON.stringify(spec));
      assert.deepEqual(v.outcome.ruleFailures, [], JSON.stringify(spec));
    }
    const notAnObject = await admit({ kind: "Cluster", operation: "CREATE", object: "nope", namespace: "default" }, options);
    assert.equal(notAnObject.allowed, false);
  });

  test("objects nested beyond any real manifest are denied, not a stack overflow", async () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    const cluster = { ...validCluster(), spec: { ...validCluster().spec, storage: { pvcTemplate: deep as Record<string, unknown> } } };
    const out = await admit({ kind: "Cluster", operation: "CREATE", object: cluster, namespace: "default" }, options);
    assert.equal(out.allowed, false);
    assert.deepEqual(out.errors, [{ type: "Forbidden", field: "<object>", detail: "nests deeper than 512 levels" }]);
    const shallow = await admit({ kind: "Cluster", operation: "CREATE", object: validCluster(), namespace: "default" }, options);
    assert.deepEqual(shallow.errors, []);
  });

  test("lookups never outlive the lookup timeout", async () => {
    const hanging = { ...stateResolver({}), secret: () => new Promise<never>(() => {}) };
    const started = performance.now();
    const out = await admit({ kind: "Cluster", operation: "CREATE", object: validCluster(), namespace: "default" }, { ...options, resolver: hanging, lookupTimeoutMs: 150 });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 400, `took ${elapsed} ms`);
    assert.ok(out.warnings.some((w) => w.includes("could not verify") && w.includes("timed out")), JSON.stringify(out.warnings));
  });

  test("each object is looked up once per admission", async () => {
    let calls = 0;
    const counting = { ...stateResolver({ secrets: { "aws-creds": ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"] } }) };
    const inner = counting.secret;
    counting.secret = (ns, name, signal) => (calls++, inner(ns, name, signal));
    await admit({ kind: "Cluster", operation: "CREATE", object: validCluster(), namespace: "default" }, { ...options, resolver: counting });
    assert.equal(calls, 1, "accessKeyId and secretAccessKey name the same Secret");
  });
});
