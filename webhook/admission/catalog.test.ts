import assert from "node:assert/strict";
import { test } from "node:test";
import { KINDS } from "../../schemas/kinds.js";
import { RULES } from "../rules/registry.js";
import { catalog } from "./catalog.js";

test("the catalog lists every rule of the registry and each kind's schema, once, with its kind", () => {
  const entries = catalog(RULES);
  const ids = entries.map((e) => e.id);
  assert.equal(new Set(ids).size, ids.length, "rule IDs are unique");
  for (const { kind } of KINDS) {
    const own = entries.filter((e) => e.kind === kind).map((e) => e.id);
    assert.deepEqual(own, [`${kind.toLowerCase()}/schema`, ...RULES[kind].rules.map((r) => r.id)]);
  }
  for (const e of entries) {
    assert.match(e.id, /^[a-z]+\/[a-zA-Z-]+$/, e.id);
    assert.ok(e.summary.length > 0 && e.protects.length > 0, e.id);
  }
});
