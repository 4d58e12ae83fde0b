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

/** `target` behind a proxy that counts the reads of its members and items (`length` aside). */
function counted<T extends object>(target: T): { value: T; reads: () => number } {
  let reads = 0;
  const value = new Proxy(target, {
    get(t, key, receiver) {
      if (key !== "length") reads++;
      return Reflect.get(t, key, receiver);
    },
  });
  return { value, reads: () => reads };
}

test("the measure stops at the first bound passed: no member of a million-item list or a 100,000-member object is read", () => {
  // Counted reads, not time: what the measure does, however busy the machine. Object.keys of the
  // wide object (the list's length) is the only pass over it.
  const list = counted(new Array<number>(1_000_000).fill(0));
  const object = counted(wide(100_000));
  for (const { value, reads } of [list, object]) {
    const size = measureJson({ spec: { value } }, OBJECT_LIMITS);
    assert.ok(size.nodes > OBJECT_LIMITS.maxNodes);
    assert.deepEqual(size.widest.path, ["spec", "value"]);
    assert.equal(reads(), 0, "members read after the bound was passed");
  }
  // The count sees reads: below the bound every member is visited once.
  const small = counted(wide(100));
  measureJson({ small: small.value }, OBJECT_LIMITS);
  assert.equal(small.reads(), 100);
});
