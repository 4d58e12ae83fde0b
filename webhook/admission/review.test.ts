// The AdmissionReview codec: what the kube-apiserver sends, what it accepts back.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FieldPath, invalid } from "./field.js";
import { BadReview, decodeReview, encodeVerdict, toAdmissionInput } from "./review.js";

const subject = { kind: "Cluster", name: "pg" } as const;

describe("decoding", () => {
  test("anything but an admission.k8s.io/v1 AdmissionReview with request.uid is a BadReview", () => {
    for (const body of [
      null,
      [],
      "x",
      { apiVersion: "admission.k8s.io/v1beta1", kind: "AdmissionReview", request: { uid: "u", operation: "CREATE" } },
      { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" },
      { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { operation: "CREATE" } },
      { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "u" } },
    ]) {
      assert.throws(() => decodeReview(body), BadReview, JSON.stringify(body));
    }
  });

  test("the input takes the namespace and name from the request, else from the object", () => {
    const request = decodeReview({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: { uid: "u", operation: "CREATE", object: { metadata: { name: "pg", namespace: "app" } } },
    });
    assert.deepEqual(toAdmissionInput(request, "Cluster"), {
      kind: "Cluster",
      operation: "CREATE",
      object: { metadata: { name: "pg", namespace: "app" } },
      oldObject: undefined,
      namespace: "app",
      name: "pg",
    });
  });

  test("a request for another kind or group, or an unknown operation, cannot be judged here", () => {
    const base = { uid: "u", operation: "CREATE" };
    assert.match(
      String(toAdmissionInput({ ...base, kind: { group: "postgresql.k8s.enterprisedb.io", kind: "Backup" } }, "Cluster")),
      /admits Cluster, not "Backup"/,
    );
    assert.match(String(toAdmissionInput({ ...base, kind: { group: "apps", kind: "Cluster" } }, "Cluster")), /not "apps"/);
    assert.match(String(toAdmissionInput({ ...base, operation: "PATCH" }, "Cluster")), /unknown operation "PATCH"/);
  });
});

describe("encoding, one total function over the verdict", () => {
  test("allowed: uid echoed, the patch base64 JSONPatch only when there is one", () => {
    const bare = encodeVerdict("u1", subject, { type: "allowed", warnings: [], patch: [] });
    assert.deepEqual(bare, { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: "u1", allowed: true } });
    const patched = encodeVerdict("u2", subject, { type: "allowed", warnings: [], patch: [{ op: "add", path: "/spec/imageName", value: "x" }] });
    assert.equal(patched.response.patchType, "JSONPatch");
    assert.deepEqual(JSON.parse(Buffer.from(patched.response.patch ?? "", "base64").toString()), [{ op: "add", path: "/spec/imageName", value: "x" }]);
  });

  test("denied: 422 Invalid, every cause, NewInvalid's message", () => {
    const error = invalid(FieldPath.root("spec", "instances"), 0, "must be greater than or equal to 1");
    const review = encodeVerdict("u", subject, { type: "denied", violations: [{ rule: "cluster/schema", error }], warnings: [] });
    assert.equal(review.response.allowed, false);
    assert.deepEqual(review.response.status, {
      metadata: {},
      status: "Failure",
      message: 'Cluster.postgresql.k8s.enterprisedb.io "pg" is invalid: spec.instances: Invalid value: 0: must be greater than or equal to 1',
      reason: "Invalid",
      details: {
        name: "pg",
        group: "postgresql.k8s.enterprisedb.io",
        kind: "Cluster",
        causes: [{ reason: "FieldValueInvalid", message: "Invalid value: 0: must be greater than or equal to 1", field: "spec.instances" }],
      },
      code: 422,
    });
  });

  test("failed: 500 InternalError naming the rules, no verdict", () => {
    const review = encodeVerdict("u", subject, { type: "failed", failures: [{ rule: "cluster/x", error: new Error("boom") }], warnings: [] });
    assert.equal(review.response.allowed, false);
    assert.equal(review.response.status?.["code"], 500);
    assert.equal(review.response.status?.["reason"], "InternalError");
    assert.match(String(review.response.status?.["message"]), /internal error in rule cluster\/x/);
  });

  test("warnings start with the field, fit in 120 characters and are not repeated", () => {
    const w = { rule: "r", field: "spec.backup.barmanObjectStore.destinationPath", message: "y".repeat(200) };
    const review = encodeVerdict("u", subject, { type: "allowed", warnings: [w, w], patch: [] });
    assert.equal(review.response.warnings?.length, 1);
    assert.equal(review.response.warnings?.[0]?.length, 120);
  });
});
