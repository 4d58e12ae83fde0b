import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_OPERATOR_VERSION, isBefore, isKnownOperatorVersion, KNOWN_OPERATOR_VERSIONS, RELEASE_FACTS, release } from "./releases.js";

test("every fact holds for 0.5 and names the release that changed it and the code that shows it", () => {
  assert.deepEqual([...release("0.5").facts].sort(), RELEASE_FACTS.map((f) => f.id).sort());
  for (const f of RELEASE_FACTS) {
    assert.match(f.changedIn, /^\d+\.\d+\.\d+$/, f.id);
    assert.match(f.source, /^cnp v0\.5\.0 /, f.id);
  }
  assert.equal(DEFAULT_OPERATOR_VERSION, "0.5");
  assert.deepEqual(KNOWN_OPERATOR_VERSIONS, ["0.5"]);
  assert.ok(!isKnownOperatorVersion("1.15"));
});

test("versions compare component by component", () => {
  assert.ok(isBefore("0.5", "1.5.0"));
  assert.ok(isBefore("1.15.1", "1.15.2"));
  assert.ok(!isBefore("1.15.2", "1.15.2"));
  assert.ok(!isBefore("1.16", "1.15.2"));
  assert.ok(isBefore("1.9", "1.15.0"));
});
