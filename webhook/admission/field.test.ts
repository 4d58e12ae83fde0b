import assert from "node:assert/strict";
import { test } from "node:test";
import { errorString, FieldPath, forbidden, invalid, notSupported, required, warningText } from "./field.js";
import { invalidMessage } from "./review.js";

test("field errors print like apimachinery's", () => {
  const spec = FieldPath.root("spec");
  assert.equal(
    errorString(invalid(spec.child("instances"), 0, "must be greater than or equal to 1")),
    "spec.instances: Invalid value: 0: must be greater than or equal to 1",
  );
  assert.equal(errorString(required(spec.child("cluster"))), "spec.cluster: Required value");
  assert.equal(
    errorString(notSupported(spec.child("wal", "encryption"), "SHA256", ["AES256", "aws:kms"])),
    'spec.wal.encryption: Unsupported value: "SHA256": supported values: "AES256", "aws:kms"',
  );
  assert.equal(errorString(forbidden(spec.child("postgresql", "parameters").key("port"), "managed")), "spec.postgresql.parameters[port]: Forbidden: managed");
  assert.equal(FieldPath.fromPointer("/spec/imagePullSecrets/0/name").toString(), "spec.imagePullSecrets[0].name");
  assert.equal(FieldPath.fromPointer("/metadata/labels/a~1b").toString(), "metadata.labels.a/b");
});

test("NewInvalid lists one error bare and several in brackets", () => {
  const e1 = invalid(FieldPath.root("spec", "instances"), 0, "must be greater than or equal to 1");
  const e2 = notSupported(FieldPath.root("spec", "backup", "barmanObjectStore", "wal", "encryption"), "SHA256", ["AES256", "aws:kms"]);
  assert.equal(
    invalidMessage("Cluster", "pg", [e1]),
    'Cluster.postgresql.k8s.enterprisedb.io "pg" is invalid: spec.instances: Invalid value: 0: must be greater than or equal to 1',
  );
  assert.equal(
    invalidMessage("Cluster", "pg", [e2, e1]),
    'Cluster.postgresql.k8s.enterprisedb.io "pg" is invalid: [spec.backup.barmanObjectStore.wal.encryption: Unsupported value: "SHA256": supported values: "AES256", "aws:kms", spec.instances: Invalid value: 0: must be greater than or equal to 1]',
  );
});

test("warnings start with the field path and never exceed 120 characters", () => {
  assert.equal(warningText("spec.x", "short"), "spec.x: short");
  const long = warningText("spec.backup.barmanObjectStore.destinationPath", "y".repeat(200));
  assert.equal(long.length, 120);
  assert.ok(long.startsWith("spec.backup.barmanObjectStore.destinationPath: ") && long.endsWith("..."));
});
