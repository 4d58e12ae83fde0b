// Enforcement modes (README "Rolling out"), in memory: the pure step and the handler that applies it.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { admissionOptions, validCluster } from "../../tools/testkit/admission.js";
import { admissionReview } from "../../tools/testkit/review.js";
import { route } from "../routes.js";
import { RULES } from "../rules/registry.js";
import { ENFORCE_ALL, enforce, type Enforcement } from "./enforcement.js";
import { handle } from "./handler.js";
import type { Verdict } from "./verdict.js";

const error = (field: string) => ({ type: "Invalid" as const, field, value: 0, detail: "must be greater than or equal to 1" });
const denied: Verdict = {
  type: "denied",
  violations: [
    { rule: "a/one", error: error("spec.a") },
    { rule: "b/two", error: error("spec.b") },
  ],
  warnings: [{ rule: "c/three", field: "spec.c", message: "could not verify" }],
};
const warn: Enforcement = { mode: "warn", warnOnly: new Set() };
const warnOnly = (...rules: string[]): Enforcement => ({ mode: "deny", warnOnly: new Set(rules) });

describe("enforce", () => {
  test("deny mode changes nothing", () => {
    assert.deepEqual(enforce(denied, ENFORCE_ALL), { verdict: denied, wouldDeny: [] });
  });

  test("warn mode admits a denial: every violation becomes a would-deny warning, before the other warnings", () => {
    const { verdict, wouldDeny } = enforce(denied, warn);
    assert.equal(verdict.type, "allowed");
    assert.deepEqual(verdict.type === "allowed" && verdict.patch, []);
    assert.deepEqual(
      verdict.warnings.map((w) => [w.rule, w.field, w.wouldDeny === true]),
      [
        ["a/one", "spec.a", true],
        ["b/two", "spec.b", true],
        ["c/three", "spec.c", false],
      ],
    );
    assert.equal(verdict.warnings[0]?.message, "Invalid value: 0: must be greater than or equal to 1");
    assert.deepEqual(
      wouldDeny.map((v) => v.rule),
      ["a/one", "b/two"],
    );
  });

  test("--warn-only: the listed rules warn, the others still deny", () => {
    const { verdict, wouldDeny } = enforce(denied, warnOnly("b/two"));
    assert.equal(verdict.type, "denied");
    assert.deepEqual(verdict.type === "denied" && verdict.violations.map((v) => v.rule), ["a/one"]);
    assert.deepEqual(
      verdict.warnings.map((w) => [w.rule, w.wouldDeny === true]),
      [
        ["b/two", true],
        ["c/three", false],
      ],
    );
    assert.deepEqual(
      wouldDeny.map((v) => v.rule),
      ["b/two"],
    );
    // Every violation of the request warn-only: admitted.
    assert.equal(enforce(denied, warnOnly("a/one", "b/two")).verdict.type, "allowed");
    // A rule not involved changes nothing.
    assert.deepEqual(enforce(denied, warnOnly("z/other")), { verdict: denied, wouldDeny: [] });
  });

  test("allowed verdicts and rule failures pass unchanged in warn mode (a failure is a bug, not a denial)", () => {
    const allowed: Verdict = { type: "allowed", warnings: [], patch: [{ op: "add", path: "/x", value: 1 }] };
    const failed: Verdict = { type: "failed", failures: [{ rule: "a/one", error: new Error("boom") }], warnings: [] };
    assert.deepEqual(enforce(allowed, warn), { verdict: allowed, wouldDeny: [] });
    assert.deepEqual(enforce(failed, warn), { verdict: failed, wouldDeny: [] });
  });
});

describe("handle with an enforcement mode", () => {
  const validateCluster = route("validate", "Cluster");
  const body = (): Buffer => {
    const cluster = validCluster();
    cluster.spec.instances = 0; // the schema denies
    cluster.spec.imageName = "quay.io/enterprisedb/postgresql:latest"; // a rule denies
    return Buffer.from(JSON.stringify(admissionReview("Cluster", cluster, { uid: "u-warn" })));
  };
  const run = async (enforcement?: Enforcement) => {
    const handled = await handle(validateCluster, body(), "application/json", {
      registry: RULES,
      options: admissionOptions(),
      ...(enforcement ? { enforcement } : {}),
    });
    assert.ok(handled.status === 200);
    return { handled, response: JSON.parse(handled.body).response };
  };

  test("warn: allowed, each error a warning prefixed 'would deny:', and the log names the rules", async () => {
    const deny = await run();
    assert.equal(deny.response.allowed, false);
    const causes: { field: string; message: string }[] = deny.response.status.details.causes;

    const { handled, response } = await run(warn);
    assert.equal(handled.allowed, true);
    assert.deepEqual([response.allowed, response.status, response.patch], [true, undefined, undefined]);
    const wouldDeny = (response.warnings as string[]).filter((w) => w.startsWith("would deny: "));
    assert.deepEqual(
      wouldDeny,
      causes.map((c) => `would deny: ${c.field}: ${c.message}`).map((w) => (w.length <= 120 ? w : `${w.slice(0, 117)}...`)),
    );
    assert.ok(wouldDeny.includes("would deny: spec.instances: Invalid value: 0: must be greater than or equal to 1"));
    // The log line: every would-be denial with its rule and the full error (not cut at 120 characters).
    assert.deepEqual(
      handled.log?.wouldDeny?.map((w) => w.error.split(": ")[0]),
      causes.map((c) => c.field),
    );
    for (const rule of handled.log?.wouldDeny?.map((w) => w.rule) ?? []) assert.ok(deny.handled.log?.rules.includes(rule), rule);
    assert.deepEqual(
      handled.wouldDeny.map((v) => v.rule),
      handled.log?.wouldDeny?.map((w) => w.rule),
    );
    assert.equal(deny.handled.log?.wouldDeny, undefined);
  });

  test("--warn-only with the schema rule: the other rules' errors still deny", async () => {
    const deny = await run();
    const schemaFields = new Set<string>(["spec.instances"]);
    const { handled, response } = await run(warnOnly("cluster/schema"));
    assert.deepEqual(
      handled.wouldDeny.map((v) => [v.rule, v.error.field]),
      [["cluster/schema", "spec.instances"]],
    );
    const remaining = (deny.response.status.details.causes as { field: string }[]).filter((c) => !schemaFields.has(c.field));
    assert.ok(remaining.some((c) => c.field === "spec.imageName"));
    assert.equal(response.allowed, false);
    assert.deepEqual(
      response.status.details.causes.map((c: { field: string }) => c.field),
      remaining.map((c) => c.field),
    );
    assert.ok((response.warnings as string[]).includes("would deny: spec.instances: Invalid value: 0: must be greater than or equal to 1"));
  });
});
