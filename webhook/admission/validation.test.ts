import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { admissionOptions, check, stateResolver, validBackup, validCluster } from "../../tools/testkit/admission.js";
import { backupRule } from "../rules/builders.js";
import { RULES } from "../rules/registry.js";
import { judge } from "./judge.js";
import type { Registry, Rule } from "./rule.js";
import type { Backup } from "../../generated/types/index.js";

const context = { registry: RULES, options: admissionOptions({ lookupTimeoutMs: 200 }) };

/** The registry with one more Backup rule: a faulty rule goes in through the same seam as the real ones. */
const withBackupRule = (rule: Rule<Backup>): Registry => ({ ...RULES, Backup: { ...RULES.Backup, rules: [...RULES.Backup.rules, rule] } });

describe("defaulting and validation", () => {
  test("the mutating webhook answers the patch only; validation starts from the same defaults", async () => {
    const cluster = validCluster();
    delete cluster.spec.imageName;
    const input = { kind: "Cluster", operation: "CREATE", object: cluster, namespace: "default" } as const;
    const mutated = await judge(input, context, "mutate");
    assert.equal(mutated.verdict.type, "allowed");
    assert.deepEqual(mutated.verdict.warnings, [], "warnings come from the validating webhook only");
    assert.ok(mutated.verdict.type === "allowed" && mutated.verdict.patch.some((op) => op.path === "/spec/imageName"));
    assert.deepEqual(mutated.patch, mutated.verdict.type === "allowed" && mutated.verdict.patch);
    const validated = await judge(input, context, "validate");
    assert.equal(validated.verdict.type, "allowed");
    assert.deepEqual(validated.verdict.type === "allowed" && validated.verdict.patch, [], "the validating webhook never answers with a patch");
    const both = await judge(input, context);
    assert.deepEqual([both.verdict, both.patch], [validated.verdict, mutated.patch], "the offline faces get both answers from one judgement");
  });

  test("the input object is never modified", async () => {
    const cluster = validCluster();
    const before = JSON.stringify(cluster);
    await check("Cluster", cluster);
    assert.equal(JSON.stringify(cluster), before);
  });

  test("DELETE and CONNECT pass untouched", async () => {
    for (const operation of ["DELETE", "CONNECT"] as const) {
      const input = { kind: "Cluster", operation, object: null, namespace: "default" } as const;
      for (const steps of ["mutate", "validate", "both"] as const) {
        assert.deepEqual((await judge(input, context, steps)).verdict, { type: "allowed", warnings: [], patch: [] });
      }
    }
  });

  test("a rule that throws makes the verdict 'failed', naming the rule", async () => {
    const registry = withBackupRule(
      backupRule({
        id: "backup/exploding",
        severity: "deny",
        summary: "a test rule",
        protects: "nothing",
        source: "a test",
        check: () => {
          throw new Error("boom");
        },
      }),
    );
    const v = await check("Backup", validBackup(), { registry });
    assert.equal(v.verdict.type, "failed");
    assert.deepEqual(v.verdict.type === "failed" && v.verdict.failures.map((f) => f.rule), ["backup/exploding"]);
  });

  test("a gather that throws fails its own rule only, once", async () => {
    const registry = withBackupRule(
      backupRule({
        id: "backup/bad-gather",
        severity: "deny",
        summary: "a test rule",
        protects: "nothing",
        source: "a test",
        gather: async (): Promise<never> => {
          throw new Error("boom");
        },
        check: () => [],
      }),
    );
    const v = await check("Backup", validBackup(), { registry });
    assert.deepEqual(v.verdict.type === "failed" && v.verdict.failures.map((f) => f.rule), ["backup/bad-gather"]);
  });

  test("a check receives what its own gather returned, typed", async () => {
    const gathered: unknown[] = [];
    const registry = withBackupRule(
      backupRule({
        id: "backup/typed",
        severity: "warn",
        summary: "a test rule",
        protects: "nothing",
        source: "a test",
        gather: async (ctx, lookups) => ({ cluster: ctx.object.spec?.cluster?.name ?? "", secret: await lookups.lookup("Secret", "aws-creds") }),
        check: (_ctx, { cluster, secret }) => {
          gathered.push(cluster, secret.state);
          return [];
        },
      }),
    );
    await check("Backup", validBackup(), { registry, state: { secrets: { "aws-creds": ["ACCESS_KEY_ID"] } } });
    assert.deepEqual(gathered, ["pg", "present"]);
  });

  test("a check that reads what its gather never returned does not compile (make test builds with tsc first)", () => {
    const forgetful = {
      id: "backup/forgetful",
      severity: "deny",
      summary: "a test rule",
      protects: "nothing",
      source: "a test",
      gather: async () => ({ cluster: "pg" }),
      check: (_ctx: unknown, { secret }: { secret: string }) => (secret ? [] : []),
    } as const;
    // @ts-expect-error: the gather returned no `secret`, so no overload of the builder takes this check.
    assert.equal(typeof backupRule(forgetful).prepare, "function");
  });

  test("malformed objects get schema errors, and rules never see the refused values", async () => {
    for (const spec of ["text", 42, [], null, { instances: "3", storage: "big", backup: [], bootstrap: { initdb: "yes" }, postgresql: { parameters: "x" } }]) {
      const v = await check("Cluster", { apiVersion: "postgresql.k8s.enterprisedb.io/v1alpha1", kind: "Cluster", metadata: { name: "x" }, spec });
      // Denied, not failed: no rule throws on values the schema refused.
      assert.equal(v.verdict.type, "denied", JSON.stringify(spec));
      assert.ok(
        v.violations.some((f) => f.rule === "cluster/schema"),
        JSON.stringify(v.violations),
      );
    }
    const notAnObject = await check("Cluster", "nope");
    assert.deepEqual(notAnObject.violations, [
      { rule: "cluster/schema", type: "Invalid", field: "<object>", message: 'Invalid value: "string": must be a JSON object' },
    ]);
  });

  test("objects nested beyond any real manifest are denied, not a stack overflow", async () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 5000; i++) deep = { a: deep };
    const cluster = validCluster();
    const v = await check("Cluster", { ...cluster, spec: { ...cluster.spec, storage: { pvcTemplate: deep as Record<string, unknown> } } });
    assert.deepEqual(
      v.violations.map((f) => [f.type, f.field]),
      [["Forbidden", "<object>"]],
    );
  });

  test("lookups never outlive the lookup timeout", async () => {
    const hanging = { ...stateResolver({}), lookup: () => new Promise<never>(() => {}) };
    const started = performance.now();
    const v = await check("Cluster", validCluster(), { resolver: hanging, lookupTimeoutMs: 150 });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
    assert.ok(
      v.warningFindings.some((w) => w.rule === "objectstore/credential-secrets" && w.message.includes("timed out")),
      JSON.stringify(v.warnings),
    );
  });

  test("each object is looked up once per admission", async () => {
    const resolver = stateResolver({ secrets: { "aws-creds": ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"] } });
    await check("Cluster", validCluster(), { resolver });
    assert.deepEqual(
      resolver.calls,
      [
        { kind: "Secret", name: "aws-creds" },
        { kind: "index", name: 'walArchive/["aws","backups","pg/pg/"]' },
      ],
      "accessKeyId and secretAccessKey name the same Secret; the WAL archive is asked once",
    );
  });

  test("--strict-references turns 'absent' and 'could not verify' into denials", async () => {
    const lenient = await check("Cluster", validCluster(), { state: { unreachable: true } });
    assert.equal(lenient.verdict.type, "allowed");
    assert.equal(lenient.warningFindings.length, 2);
    const strict = await check("Cluster", validCluster(), { state: { unreachable: true }, strict: true });
    assert.deepEqual(
      strict.violations.map((f) => [f.rule, f.type, f.field]),
      [
        ["objectstore/credential-secrets", "Invalid", "spec.backup.barmanObjectStore.s3Credentials.accessKeyId.name"],
        ["objectstore/wal-archive-shared", "Invalid", "spec.backup.barmanObjectStore.destinationPath"],
      ],
    );
  });
});
