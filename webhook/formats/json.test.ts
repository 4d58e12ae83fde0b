import assert from "node:assert/strict";
import { test } from "node:test";
import { cloneJson } from "./json.js";

test("cloneJson: an equal tree sharing no object or array with its source", () => {
  const source = JSON.parse('{"a":[1,{"b":null}],"c":{"d":"e","f":true,"g":1.5}}') as { a: [number, { b: null }]; c: Record<string, unknown> };
  const copy = cloneJson(source);
  assert.deepEqual(copy, source);
  assert.notEqual(copy.a, source.a);
  assert.notEqual(copy.a[1], source.a[1]);
  assert.notEqual(copy.c, source.c);
  copy.c["d"] = "changed";
  assert.equal(source.c["d"], "e");
});

test('cloneJson: a "__proto__" key stays an own, enumerable property and never becomes the prototype', () => {
  const source = JSON.parse('{"__proto__":{"polluted":true},"x":1}') as Record<string, unknown>;
  const copy = cloneJson(source);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.equal((copy as { polluted?: boolean }).polluted, undefined);
  assert.deepEqual(Object.keys(copy), ["__proto__", "x"]);
  assert.deepEqual(Object.getOwnPropertyDescriptor(copy, "__proto__")?.value, { polluted: true });
  assert.equal(JSON.stringify(copy), JSON.stringify(source));
});

test("cloneJson: values that are not plain JSON containers (a YAML timestamp) are shared, not torn apart", () => {
  const when = new Date("2021-03-01T00:00:00Z");
  const copy = cloneJson({ when, list: [when] });
  assert.equal(copy.when, when);
  assert.equal(copy.list[0], when);
});
