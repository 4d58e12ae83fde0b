import assert from "node:assert/strict";
import { test } from "node:test";
import { measureJson } from "../formats/json.js";
import { OBJECT_LIMITS, objectTooLarge } from "./bounds.js";

const wide = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

test("measureJson counts bytes, members and items, and depth, and names the widest container", () => {
  const value = { a: [1, 2, 3], b: { c: "xyz" } };
  const size = measureJson(value, { maxBytes: 1e9, maxNodes: 1e9, maxDepth: 100 });
  assert.equal(size.nodes, 6); // a, b, three items, c
  assert.equal(size.depth, 2);
  assert.deepEqual(size.widest, { path: ["a"], count: 3 });
  assert.ok(Math.abs(size.bytes - JSON.stringify(value).length) <= 4, `${size.bytes} vs ${JSON.stringify(value).length}`);
});

test("a real-sized object passes", () => {
  assert.equal(objectTooLarge({ spec: { postgresql: { parameters: wide(400) }, resources: { limits: { cpu: "1" } } } }), undefined);
});

test("more than etcd's 1.5 MiB is TooLong on <object>, whatever the shape", () => {
  const big = { metadata: { annotations: { a: "x".repeat(OBJECT_LIMITS.maxBytes) } } };
  assert.deepEqual(objectTooLarge(big)?.type, "TooLong");
  assert.equal(objectTooLarge(big)?.field, "<object>");
  assert.equal(objectTooLarge(big, "oldObject")?.field, "<oldObject>");
  assert.equal(objectTooLarge({ s: "x".repeat(OBJECT_LIMITS.maxBytes - 100) }), undefined);
});

test("too many members and items is TooMany on the widest field", () => {
  const error = objectTooLarge({ spec: { storage: { size: "1Gi", pvcTemplate: wide(OBJECT_LIMITS.maxNodes + 1) } } });
  assert.equal(error?.type, "TooMany");
  assert.equal(error?.field, "spec.storage.pvcTemplate");
  assert.equal(error?.value, OBJECT_LIMITS.maxNodes + 1);
  const items = objectTooLarge({ spec: { postgresql: { pg_hba: Array.from({ length: OBJECT_LIMITS.maxNodes + 5 }, () => "host all all 0.0.0.0/0 md5") } } });
  assert.equal(items?.field, "spec.postgresql.pg_hba");
});

test("deeper than 512 levels is Forbidden on <object>, measured without recursion", () => {
  let deep: unknown = "leaf";
  for (let i = 0; i < 100_000; i++) deep = { a: deep };
  assert.deepEqual(objectTooLarge(deep), { type: "Forbidden", field: "<object>", detail: "nests deeper than 512 levels" });
});

test("the measure stops at the first bound passed: a million members cost no more than the limit", () => {
  const huge = wide(1_000_000);
  const started = performance.now();
  const size = measureJson({ huge }, OBJECT_LIMITS);
  assert.ok(size.nodes > OBJECT_LIMITS.maxNodes);
  // Object.keys of the one wide object is the only full pass.
  assert.ok(performance.now() - started < 2000);
});
