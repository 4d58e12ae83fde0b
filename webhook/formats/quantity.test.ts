// Kubernetes quantities, read as apimachinery's resource.ParseQuantity reads them. Every expectation
// below is what ParseQuantity, Value and MilliValue of apimachinery v0.17.3 (release 0.5's) and of
// v0.37 answer for the same text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { compareQuantities, milliUnits, parseQuantity, quantity, wholeUnits } from "./quantity.js";

const nanos = (text: string | number): bigint => {
  const q = quantity(text);
  assert.ok(q.ok === true, `${text}: ${q.ok === false ? q.error : String(q.ok)}`);
  return q.quantity.nanos;
};
const error = (text: string): string => {
  const q = quantity(text);
  assert.ok(q.ok === false, `${text} is refused`);
  return q.error;
};

test("one value, however it is spelled: compared exactly (1Gi = 1024Mi = 1073741824; 1100m = 1.1)", () => {
  for (const same of ["1Gi", "1024Mi", "1073741824", "1.073741824G", "1048576Ki", 1073741824])
    assert.equal(nanos(same), 1_073_741_824_000_000_000n, String(same));
  assert.equal(nanos("1100m"), nanos("1.1"));
  assert.equal(nanos("1e3"), nanos("1k"));
  assert.equal(nanos("1E3"), nanos("1e+3"));
  assert.equal(nanos("1.5Ki"), 1_536_000_000_000n);
  assert.equal(nanos("+.5"), 500_000_000n);
  assert.equal(nanos("1."), 1_000_000_000n);
  const [small, big] = [quantity("999m"), quantity("1")];
  assert.ok(small.ok === true && big.ok === true);
  assert.equal(compareQuantities(small.quantity, big.quantity), -1);
  assert.equal(compareQuantities(big.quantity, small.quantity), 1);
});

test("rounded up to 1n, binary values capped at 2^63-1, the e exponent kept as an int32", () => {
  assert.equal(nanos("0.1n"), 1n);
  assert.equal(nanos("0.0000000001"), 1n);
  assert.equal(nanos("-0.1n"), -1n);
  assert.equal(nanos("1.0000000001"), 1_000_000_001n);
  assert.equal(nanos("8Ei"), (2n ** 63n - 1n) * 1_000_000_000n);
  assert.equal(nanos("7Ei"), 7n * 2n ** 60n * 1_000_000_000n);
  assert.equal(nanos("1e4294967296"), 1_000_000_000n, "2^32 is 0 as an int32");
  assert.equal(nanos("1e9223372036854775807"), 100_000_000n, "2^63-1 is -1 as an int32");
});

test("what ParseQuantity reads as zero, and what it refuses, with its own errors", () => {
  for (const zero of ["0", "-0", "000", "+", ".", "Gi", "Ti", "0e-10"]) assert.equal(nanos(zero), 0n, zero);
  const format = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  // 1e1.5 and 1e.5 match the CRD's pattern for quantities: only Go refuses them.
  for (const bad of ["", "1 Gi", "1GB", "1gi", "0x10", "1.2.3", "1e1.5", "1e.5"]) assert.equal(error(bad), format, bad);
  for (const bad of ["1K", "1e", "1Ki5", "1e99999999999999999999"]) assert.equal(error(bad), "unable to parse quantity's suffix", bad);
  for (const bad of [".e-10", "Ei", "-Pi"]) assert.equal(error(bad), "unable to parse numeric part of quantity", bad);
});

test("Value and MilliValue round up, as the integer and hugepage checks read them", () => {
  const q = quantity("1500001n");
  assert.ok(q.ok === true);
  assert.equal(milliUnits(q.quantity), 2n);
  assert.equal(wholeUnits(q.quantity), 1n);
  const r = quantity("2.5");
  assert.ok(r.ok === true);
  assert.deepEqual([wholeUnits(r.quantity), milliUnits(r.quantity)], [3n, 2500n]);
});

test("too large to be worth exact arithmetic: told apart, and still ordered as numbers", () => {
  assert.equal(quantity("1e2000").ok, "beyond");
  assert.equal(quantity(`1${"0".repeat(1000)}`).ok, "beyond");
  assert.equal(parseQuantity("1e2000"), Number.POSITIVE_INFINITY);
  assert.equal(parseQuantity("1Gi"), 2 ** 30);
  assert.equal(parseQuantity("100m"), 0.1);
  assert.equal(parseQuantity("1100m"), parseQuantity("1.1"), "a float product would make these differ");
  assert.equal(parseQuantity("1e1.5"), undefined);
});
