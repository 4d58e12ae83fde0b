import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { admissionReview } from "../../tools/testkit/review.js";
import { OBJECT_LIMITS, objectTooLarge } from "./bounds.js";
import { REVIEW_LIMITS, requestHead, tooBigToParse } from "./prescan.js";

const body = (review: unknown): Buffer => Buffer.from(JSON.stringify(review));

test("the head of a review is read without parsing the rest, whatever comes first", () => {
  const review = admissionReview("Cluster", { metadata: { name: "pg", namespace: "app" }, spec: { x: "y".repeat(10_000) } }, { uid: "u-1" });
  assert.deepEqual(requestHead(body(review)), { uid: "u-1", name: "pg", namespace: "app", operation: "CREATE" });
  // Keys in any order, a padding field before request, escapes in strings, whitespace.
  const text = ` { "pad" : [ {"a":"}\\"]"} , 1, true, null ] , "request" : { "object" : {"k": "v"}, "operation" : "UPDATE", "uid" : "u\\u002d2" } } `;
  assert.deepEqual(requestHead(Buffer.from(text)), { operation: "UPDATE", uid: "u-2" });
  for (const garbage of ["", "[]", "{", '{"request": 5}', '{"request": {"uid": ', "not json"]) assert.deepEqual(requestHead(Buffer.from(garbage)), {}, garbage);
});

test("a body too big for storable objects is told by size or by separators", () => {
  assert.equal(tooBigToParse(Buffer.alloc(REVIEW_LIMITS.maxBytes + 1, 0x20)), "bytes");
  assert.equal(tooBigToParse(Buffer.from(`[${"1,".repeat(REVIEW_LIMITS.maxSeparators + 1)}1]`)), "separators");
  assert.equal(tooBigToParse(body(admissionReview("Cluster", { spec: { s: ",:".repeat(1_000_000) } }))), undefined, "separators inside strings do not count");
});

test("no object the webhook would judge is refused by the prescan (UPDATE: object and oldObject at their limits)", () => {
  const atLimit = { spec: { postgresql: { parameters: Object.fromEntries(Array.from({ length: OBJECT_LIMITS.maxNodes - 5 }, (_, i) => [`p${i}`, "v"])) } } };
  assert.equal(objectTooLarge(atLimit), undefined);
  assert.equal(tooBigToParse(body(admissionReview("Cluster", atLimit, { operation: "UPDATE", oldObject: atLimit }))), undefined);
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 6 }), fc.jsonValue({ maxDepth: 6 }), (object, oldObject) => {
      const reviewed = body(admissionReview("Cluster", object, { operation: "UPDATE", oldObject }));
      return objectTooLarge(object) !== undefined || objectTooLarge(oldObject) !== undefined || tooBigToParse(reviewed) === undefined;
    }),
    { numRuns: 300 },
  );
});
