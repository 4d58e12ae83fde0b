// The handler in memory: bytes in, status and bytes out, no sockets.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { admissionOptions, validCluster } from "../../tools/testkit/admission.js";
import { admissionReview } from "../../tools/testkit/review.js";
import { route } from "../routes.js";
import { RULES } from "../rules/registry.js";
import { handle } from "./handler.js";

const deps = { registry: RULES, options: admissionOptions() };
const json = (body: unknown): Buffer => Buffer.from(JSON.stringify(body));

describe("handle", () => {
  test("what is not an AdmissionReview is a 400 with a short message", async () => {
    const r = route("validate", "Cluster");
    assert.deepEqual(await handle(r, json({}), "text/plain", deps), { status: 400, message: "content type must be application/json" });
    assert.deepEqual(await handle(r, Buffer.alloc(0), "application/json", deps), { status: 400, message: "body is empty" });
    assert.deepEqual(await handle(r, Buffer.from("{nope"), "application/json; charset=utf-8", deps), { status: 400, message: "body is not valid JSON" });
    assert.equal((await handle(r, json({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }), "application/json", deps)).status, 400);
  });

  test("a request for another kind is refused in-band (200, allowed false, code 400)", async () => {
    const handled = await handle(route("validate", "Backup"), json(admissionReview("Cluster", validCluster())), "application/json", deps);
    assert.equal(handled.status, 200);
    assert.ok(handled.status === 200 && !handled.allowed);
    const body = handled.status === 200 ? JSON.parse(handled.body) : undefined;
    assert.equal(body.response.status.code, 400);
  });

  test("validate: a verdict and a log line without a patch; mutate: the patch", async () => {
    const cluster = validCluster();
    delete cluster.spec.imageName;
    const review = admissionReview("Cluster", cluster, { uid: "u-1" });
    const validated = await handle(route("validate", "Cluster"), json(review), "application/json", deps);
    assert.ok(validated.status === 200);
    const v = JSON.parse(validated.body);
    assert.deepEqual([v.response.uid, v.response.allowed, v.response.patch], ["u-1", true, undefined]);
    assert.equal(validated.log?.webhook, "validate-cluster");
    assert.equal(validated.log?.patched, false);
    const mutated = await handle(route("mutate", "Cluster"), json(review), "application/json", deps);
    assert.ok(mutated.status === 200);
    assert.equal(JSON.parse(mutated.body).response.patchType, "JSONPatch");
    assert.equal(mutated.log?.patched, true);
  });

  test("a denial's log names the rules that denied", async () => {
    const cluster = validCluster();
    cluster.spec.instances = 0;
    const handled = await handle(route("validate", "Cluster"), json(admissionReview("Cluster", cluster)), "application/json", deps);
    assert.ok(handled.status === 200 && !handled.allowed);
    assert.deepEqual(handled.log?.rules, ["cluster/schema", "objectstore/credential-secrets"]);
  });

  test("a review too big for storable objects is denied in-band from its head, without parsing it", async () => {
    const cluster = validCluster();
    const huge = { ...cluster, metadata: { ...cluster.metadata, annotations: { junk: "x".repeat(4 * 2 ** 20) } } };
    const started = performance.now();
    const handled = await handle(route("validate", "Cluster"), json(admissionReview("Cluster", huge, { uid: "u-big" })), "application/json", deps);
    assert.ok(performance.now() - started < 1000);
    assert.ok(handled.status === 200);
    const { response } = JSON.parse(handled.body);
    assert.deepEqual([response.uid, response.allowed, response.status.code], ["u-big", false, 422]);
    assert.deepEqual(
      response.status.details.causes.map((c: { field: string; reason: string }) => [c.field, c.reason]),
      [["<object>", "FieldValueTooLong"]],
    );
    const deleted = await handle(route("validate", "Cluster"), json(admissionReview("Cluster", huge, { operation: "DELETE" })), "application/json", deps);
    assert.ok(deleted.status === 200 && deleted.allowed, "DELETE and CONNECT pass untouched, however big");
  });

  test("at most 100 errors are described; the message counts the rest", async () => {
    const cluster = validCluster();
    const bad = { ...cluster, spec: { ...cluster.spec, imagePullSecrets: Array.from({ length: 250 }, () => ({ name: 7 })) } };
    const handled = await handle(route("validate", "Cluster"), json(admissionReview("Cluster", bad)), "application/json", deps);
    assert.ok(handled.status === 200);
    const { response } = JSON.parse(handled.body);
    assert.equal(response.status.details.causes.length, 100);
    assert.match(response.status.message, /, and 150 more\]$/);
  });
});
