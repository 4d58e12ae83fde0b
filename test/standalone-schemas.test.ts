// The JSON Schemas under generated/jsonschema/, read as tools other than the apiserver read them
// (README "kubeconform and editors"): they load under ajv's strict mode (what ajv-cli does by default),
// and an independent validator (@cfworker/json-schema) refuses exactly what `validate` refuses with a
// schema finding. Expectations come from running both, never from facts about the schemas, so the
// agreement keeps holding when schemas/ changes. The dispatching schema for editors agrees with the
// per-kind ones on this API's kinds and leaves every other document alone.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Validator } from "@cfworker/json-schema";
import { Ajv } from "ajv";
import fc from "fast-check";
import { parseAllDocuments } from "yaml";
import { API_VERSION, KINDS } from "../schemas/kinds.js";
import { validCluster, validBackup, validScheduledBackup, completedBackup, type Json, type JsonObject } from "../tools/fuzz/objects.js";
import { budget } from "../tools/testkit/budget.js";
import { runMain } from "../tools/testkit/cli.js";
import { FIXTURES, REPO_ROOT } from "../tools/testkit/paths.js";
import type { JsonResult } from "../webhook/checker/output/json.js";

const SCHEMAS = join(REPO_ROOT, "generated", "jsonschema");
const read = (file: string) => JSON.parse(readFileSync(join(SCHEMAS, file), "utf8")) as Record<string, unknown>;
const kindFile = (kind: string) => `postgresql.k8s.enterprisedb.io/${kind.toLowerCase()}_v1alpha1.json`;
const schemas = new Map(KINDS.map((k) => [k.kind as string, read(kindFile(k.kind))]));
const validators = new Map([...schemas].map(([kind, schema]) => [kind, new Validator(schema as never, "7", false)]));
const dispatching = new Validator(read("cnp-webhook.json") as never, "7", false);
/** How many mutated objects the property test compares: 100 in `make test`, 1,500 in `make soak`. */
const RUNS = budget("SCHEMA_AGREEMENT_RUNS", 100, 1500);

const results = (stdout: string) => (JSON.parse(stdout) as { results: JsonResult[] }).results;
/** `validate`'s verdict on the schema: any finding of a kind's schema rule (`cluster/schema`, ...). */
const schemaRefuses = (r: JsonResult) => [...r.errors, ...r.warnings].some((f) => f.rule.endsWith("/schema"));

describe("loading: ajv in strict mode (ajv-cli's default) compiles every schema without a warning", () => {
  for (const file of [...KINDS.map((k) => kindFile(k.kind)), "cnp-webhook.json"]) {
    test(file, () => {
      const logged: string[] = [];
      const log = (...args: unknown[]) => logged.push(args.join(" "));
      const ajv = new Ajv({ strict: true, allErrors: true, logger: { log, warn: log, error: log } });
      assert.doesNotThrow(() => ajv.compile(read(file)));
      assert.deepEqual(logged, []);
      assert.doesNotMatch(JSON.stringify(read(file)), /"x-kubernetes-|"nullable"|"\$ref"/, "Kubernetes extensions stay in the CRDs; every $ref is inlined");
    });
  }
});

describe("verdicts: the same objects refused as by validate's schema rules", () => {
  test("the seed examples and the bad fixtures", async () => {
    const paths = [join(FIXTURES, "seeds"), join(FIXTURES, "manifests", "good"), join(FIXTURES, "manifests", "bad", "cluster.yaml")];
    const extra = [
      `apiVersion: ${API_VERSION}\nkind: Cluster\nmetadata: {name: top}\nspec: {instances: 1, storage: {size: 1Gi}}\nbackup: {}\n`,
      `apiVersion: ${API_VERSION}\nkind: Backup\nmetadata: {name: b}\nspec: {cluster: {name: ""}, extra: 1}\n`,
      `apiVersion: ${API_VERSION}\nkind: ScheduledBackup\nmetadata: {name: s}\nspec: {schedule: "0 0 0 * * *", suspend: "no", cluster: {name: pg}}\n`,
      // A null quantity in a map is pruned by the apiserver (its null prune looks map keys up in
      // additionalProperties), so both accept it: the property test below once found them disagreeing.
      `apiVersion: ${API_VERSION}\nkind: Cluster\nmetadata: {name: q}\nspec: {instances: 1, storage: {size: 1Gi, pvcTemplate: {resources: {limits: {some-key: null}}}}, resources: {requests: {cpu: null}}}\n`,
    ];
    const dir = mkdtempSync(join(tmpdir(), "cnp-jsonschema-"));
    extra.forEach((text, i) => writeFileSync(join(dir, `extra-${i}.yaml`), text));
    const r = await runMain(["validate", "-o", "json", ...paths, dir]);
    const judged = results(r.stdout).filter((x) => validators.has(x.kind) && x.status !== "skipped");
    assert.ok(judged.length >= 12, `${judged.length} objects compared`);
    const verdicts = { accepted: 0, refused: 0 };
    for (const result of judged) {
      const docs = parseAllDocuments(readFileSync(result.file, "utf8"), { version: "1.1" });
      const object = docs[result.index]?.toJS() as Record<string, unknown>;
      const verdict = validators.get(result.kind)?.validate(object);
      assert.equal(!verdict?.valid, schemaRefuses(result), `${result.file}#${result.index}: ${JSON.stringify(verdict?.errors.slice(0, 2))}`);
      assert.equal(dispatching.validate(object).valid, verdict?.valid, `${result.file}#${result.index}: the dispatching schema`);
      verdicts[schemaRefuses(result) ? "refused" : "accepted"]++;
    }
    assert.ok(verdicts.accepted > 0 && verdicts.refused >= 4, JSON.stringify(verdicts));
  });

  // Objects of every kind, with every field the schema declares reachable by a mutation.
  const bases: JsonObject[] = [
    validCluster("pg", "app"),
    { ...validBackup("b", "app", "pg") },
    { ...validScheduledBackup("s", "app", "pg") },
    { ...completedBackup("done", "app", "pg"), status: undefined as unknown as Json },
  ].map((o) => JSON.parse(JSON.stringify(o)) as JsonObject);

  /** Every path the schema declares under spec (list items as index 0), to depth 6. */
  function declaredPaths(schema: Record<string, unknown>, path: (string | number)[] = [], depth = 0): (string | number)[][] {
    if (depth > 6) return [];
    const out: (string | number)[][] = [];
    const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
    for (const [name, sub] of Object.entries(properties)) {
      out.push([...path, name], ...declaredPaths(sub, [...path, name], depth + 1));
    }
    if (schema.items && typeof schema.items === "object")
      out.push([...path, 0], ...declaredPaths(schema.items as Record<string, unknown>, [...path, 0], depth + 1));
    if (schema.additionalProperties && typeof schema.additionalProperties === "object") out.push([...path, "some-key"]);
    return out;
  }
  const pathsOf = new Map([...schemas].map(([kind, schema]) => [kind, declaredPaths(schema).filter((p) => p[0] === "spec" || p[0] === "status")]));

  const value = fc.constantFrom<Json>(
    null,
    0,
    -1,
    1,
    2,
    99999999999,
    2147483648,
    1.5,
    "",
    "x",
    "yes",
    "1Gi",
    "AES256",
    "SHA256",
    "s3://bucket/prefix",
    true,
    false,
    [],
    {},
    [null],
    ["x"],
    [{ name: "a" }],
    { name: "a" },
    { x: 1 },
  );

  type Mutation =
    | { op: "set"; path: (string | number)[]; value: Json }
    | { op: "delete"; path: (string | number)[] }
    | { op: "unknown"; at: (string | number)[] };
  const mutation = (kind: string): fc.Arbitrary<Mutation> => {
    const paths = pathsOf.get(kind) ?? [];
    const path = fc.constantFrom(...paths);
    return fc.oneof(
      fc.record({ op: fc.constant("set" as const), path, value }),
      fc.record({ op: fc.constant("delete" as const), path }),
      fc.record({ op: fc.constant("unknown" as const), at: fc.constantFrom<(string | number)[]>([], ["spec"], ...paths) }),
    );
  };

  function apply(object: JsonObject, m: Mutation): void {
    const path = m.op === "unknown" ? [...m.at, "unknownField"] : m.path;
    let node: Json = object;
    for (const key of path.slice(0, -1)) {
      if (typeof node !== "object" || node === null) return;
      const holder = node as Record<string | number, Json>;
      if (typeof holder[key] !== "object" || holder[key] === null) holder[key] = typeof path[path.indexOf(key) + 1] === "number" ? [] : {};
      node = holder[key] as Json;
    }
    if (typeof node !== "object" || node === null) return;
    const last = path[path.length - 1] as string | number;
    const holder = node as Record<string | number, Json>;
    if (m.op === "delete" && Array.isArray(node)) node.splice(Number(last), 1);
    else if (m.op === "delete") delete holder[last];
    else holder[last] = m.op === "set" ? m.value : 1;
  }

  const doc = fc
    .nat({ max: bases.length - 1 })
    .chain((i) => {
      const base = bases[i] as JsonObject;
      return fc.tuple(fc.constant(base), fc.array(mutation(String(base.kind)), { minLength: 1, maxLength: 2 }));
    })
    .map(([base, mutations]) => {
      const object = JSON.parse(JSON.stringify(base)) as JsonObject;
      for (const m of mutations) apply(object, m);
      return { object, mutations };
    });

  test(`${RUNS} mutated objects (nulls, huge and wrong-typed values, unknown and missing fields): validate and the JSON Schemas agree`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "cnp-agreement-"));
    const file = join(dir, "object.json");
    const compared = { refused: 0, accepted: 0 };
    await fc.assert(
      fc.asyncProperty(doc, async ({ object }) => {
        writeFileSync(file, JSON.stringify(object));
        const r = await runMain(["validate", "-o", "json", file]);
        const [result] = results(r.stdout);
        assert.ok(result && result.status !== "skipped" && result.status !== "error", r.stdout);
        const verdict = validators.get(String(object.kind))?.validate(object);
        const refused = schemaRefuses(result);
        const schemaFindings = [...result.errors, ...result.warnings].filter((f) => f.rule.endsWith("/schema"));
        assert.equal(
          !verdict?.valid,
          refused,
          `validate: ${JSON.stringify(schemaFindings.map((f) => `${f.field}: ${f.message}`))}; JSON Schema: ${JSON.stringify(verdict?.errors.slice(0, 3))}`,
        );
        assert.equal(dispatching.validate(object).valid, verdict?.valid, "the dispatching schema agrees with the kind's");
        compared[refused ? "refused" : "accepted"]++;
      }),
      { numRuns: RUNS },
    );
    assert.ok(compared.refused > RUNS / 20 && compared.accepted > RUNS / 20, JSON.stringify(compared));
  });

  test("the dispatching schema leaves every other document alone: other kinds, other APIs, anything at all", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.record({
            apiVersion: fc.constantFrom("v1", "postgresql.cnpg.io/v1", API_VERSION),
            kind: fc.constantFrom("Secret", "Cluster", "Pooler"),
            spec: fc.jsonValue(),
          }),
          fc.jsonValue(),
        ),
        (other) => {
          const ours =
            typeof other === "object" && other !== null && "apiVersion" in other && other.apiVersion === API_VERSION && validators.has(String(other.kind));
          fc.pre(!ours);
          assert.equal(dispatching.validate(other).valid, true, JSON.stringify(other));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
