// Schema package: the generator is deterministic (same input, same bytes as committed) and
// refuses, naming the node, every schema the apiserver would refuse (README "The CRDs and the types").
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createAjv, KUBERNETES_FORMATS } from "../schemas/ajv.js";
import { NonStructuralSchemaError, toStructural } from "../schemas/crd.js";
import { generate } from "../schemas/generate.js";
import type { JSONSchema } from "../schemas/resolve.js";
import { REPO_ROOT } from "../tools/testkit/paths.js";
import { parse } from "yaml";

const ROOT = REPO_ROOT;
const SCHEMAS = join(ROOT, "schemas");
const GENERATED = join(ROOT, "generated");
const NONSTRUCTURAL = join(ROOT, "test", "fixtures", "nonstructural");

type Obj = Record<string, any>;

/** Every file below `dir`, as paths relative to it, sorted. */
function filesBelow(dir: string, rel = ""): string[] {
  return readdirSync(join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesBelow(dir, join(rel, e.name)) : [join(rel, e.name)]))
    .sort();
}

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `cnp-${prefix}-`));
  temps.push(dir);
  return dir;
}
after(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

/** The problems toStructural() reports, or [] when it accepts the schema. */
function problemsOf(schema: JSONSchema): string[] {
  try {
    toStructural(schema);
    return [];
  } catch (err) {
    assert.ok(err instanceof NonStructuralSchemaError, `expected NonStructuralSchemaError, got ${String(err)}`);
    // The message lists every problem, so that the CLI output names the node too.
    for (const p of err.problems) assert.ok(err.message.includes(p));
    return err.problems;
  }
}

/** A copy of schemas/ (its JSON Schemas) to break. */
function schemasCopy(): string {
  const dir = tempDir("schemas");
  for (const f of readdirSync(SCHEMAS).filter((f) => f.endsWith(".schema.json"))) cpSync(join(SCHEMAS, f), join(dir, f));
  return dir;
}
const readJson = (path: string): Obj => JSON.parse(readFileSync(path, "utf8")) as Obj;
const writeJson = (path: string, value: unknown): void => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

describe("regenerating gives the committed bytes", () => {
  let out = "";
  let written: string[] = [];
  let timing = 0;

  before(async () => {
    out = tempDir("generated");
    const started = performance.now();
    written = await generate(SCHEMAS, out);
    timing = performance.now() - started;
  });

  test("generate() time", (t) => {
    t.diagnostic(`generate(schemas/, tmp) took ${timing.toFixed(0)} ms for ${written.length} files`);
    assert.ok(timing > 0);
  });

  test("the same folders as generated/ (crds, types, validators, and whatever else generate() writes)", () => {
    const folders = readdirSync(out).sort();
    for (const f of ["crds", "types", "validators"]) assert.ok(folders.includes(f), `generate() wrote no ${f}/`);
    // manifests/ is the second step of `make generate` (webhook/install/generate.ts; checked in test/manifests.test.ts).
    const committed = readdirSync(GENERATED, { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== "manifests")
      .map((e) => e.name)
      .sort();
    assert.deepEqual(folders, committed, "folders written by generate() vs folders in generated/");
  });

  test("the returned list is exactly the files written", () => {
    assert.deepEqual(written.map((f) => f.slice(out.length + 1)).sort(), filesBelow(out));
  });

  test("every file byte-identical, none extra, none missing", () => {
    for (const folder of readdirSync(out).sort()) {
      const fresh = filesBelow(join(out, folder));
      const committed = filesBelow(join(GENERATED, folder));
      assert.deepEqual(fresh, committed, `generated/${folder}: files differ (run 'make generate')`);
      for (const file of fresh) {
        const a = readFileSync(join(out, folder, file));
        const b = readFileSync(join(GENERATED, folder, file));
        assert.ok(a.equals(b), `generated/${folder}/${file} differs from a fresh generate() (run 'make generate')`);
      }
    }
  });

  test("a second run over the same output changes nothing and removes stale files", async (t) => {
    const before = new Map(filesBelow(out).map((f) => [f, readFileSync(join(out, f))]));
    writeFileSync(join(out, "crds", "stale.yaml"), "stale\n");
    const started = performance.now();
    await generate(SCHEMAS, out);
    t.diagnostic(`generate() again (warm) took ${(performance.now() - started).toFixed(0)} ms`);
    assert.deepEqual(filesBelow(out), [...before.keys()]);
    for (const [f, bytes] of before) assert.ok(readFileSync(join(out, f)).equals(bytes), f);
  });
});

interface Refusal {
  /** The node the problem is reported at. */
  node: string;
  /** What the message says about it. */
  reason: RegExp;
}

const SPEC_PROPERTIES = "openAPIV3Schema.properties.spec.properties";

/** One fixture per refusal reason of README "The CRDs and the types", with the problems toStructural() must report. */
const REFUSALS: Record<string, Refusal[]> = {
  "no-type.json": [{ node: `${SPEC_PROPERTIES}.storage.properties.size`, reason: /type is required/ }],
  "ref.json": [{ node: `${SPEC_PROPERTIES}.superuserSecret`, reason: /\$ref is not allowed/ }],
  "definitions.json": [{ node: "openAPIV3Schema", reason: /definitions are not allowed/ }],
  "pattern-properties.json": [{ node: `${SPEC_PROPERTIES}.postgresql.properties.parameters`, reason: /patternProperties/ }],
  "dependencies.json": [{ node: `${SPEC_PROPERTIES}.bootstrap.properties.initdb`, reason: /dependencies/ }],
  "additional-items.json": [{ node: `${SPEC_PROPERTIES}.postgresql.properties.pg_hba`, reason: /additionalItems/ }],
  "unique-items.json": [{ node: `${SPEC_PROPERTIES}.postgresql.properties.pg_hba`, reason: /uniqueItems: true/ }],
  "array-form-items.json": [{ node: `${SPEC_PROPERTIES}.imagePullSecrets.items`, reason: /single schema, not an array/ }],
  "array-without-items.json": [{ node: `${SPEC_PROPERTIES}.imagePullSecrets.items`, reason: /must be specified/ }],
  "properties-and-additional-properties.json": [{ node: `${SPEC_PROPERTIES}.postgresql`, reason: /properties and additionalProperties/ }],
  "description-in-anyof.json": [{ node: `${SPEC_PROPERTIES}.storage.properties.size.anyOf[0]`, reason: /description must not be set inside/ }],
  "type-default-in-junctors.json": [
    { node: `${SPEC_PROPERTIES}.startDelay.allOf[0]`, reason: /type must not be set inside/ },
    { node: `${SPEC_PROPERTIES}.startDelay.oneOf[0]`, reason: /default must not be set inside/ },
    { node: `${SPEC_PROPERTIES}.startDelay.not`, reason: /nullable must not be set inside/ },
  ],
  "unknown-format.json": [
    { node: `${SPEC_PROPERTIES}.backup.properties.barmanObjectStore.properties.endpointURL`, reason: /format "ipv4-or-cidr" is not known/ },
  ],
  "invalid-default.json": [
    { node: `${SPEC_PROPERTIES}.backup.properties.barmanObjectStore.properties.data.properties.jobs`, reason: /default 0 does not validate: .*>= 1/ },
  ],
};

describe("non-structural schemas are refused, naming the node", () => {
  test("one fixture per refusal reason, no fixture without expectations", () => {
    assert.deepEqual(
      readdirSync(NONSTRUCTURAL)
        .filter((f) => f.endsWith(".json"))
        .sort(),
      Object.keys(REFUSALS).sort(),
    );
  });

  for (const [file, expected] of Object.entries(REFUSALS)) {
    test(file, () => {
      const problems = problemsOf(readJson(join(NONSTRUCTURAL, file)));
      assert.equal(problems.length, expected.length, problems.join("\n"));
      expected.forEach(({ node, reason }, i) => {
        const p = problems[i]!;
        assert.ok(p.startsWith(`${node}: `), `expected the node ${node} in: ${p}`);
        assert.match(p.slice(node.length + 2), reason);
      });
    });
  }

  test("every problem of a schema is reported at once", () => {
    const merged = readJson(join(NONSTRUCTURAL, "no-type.json"));
    merged.properties.spec.properties.postgresql = readJson(join(NONSTRUCTURAL, "unique-items.json")).properties.spec.properties.postgresql;
    merged.definitions = {};
    assert.deepEqual(
      problemsOf(merged).map((p) => p.slice(0, p.indexOf(": "))),
      ["openAPIV3Schema", `${SPEC_PROPERTIES}.storage.properties.size`, `${SPEC_PROPERTIES}.postgresql.properties.pg_hba`],
    );
  });

  test("the generator refuses a broken cluster.schema.json, naming the node, and writes nothing", async () => {
    const schemas = schemasCopy();
    const cluster = readJson(join(schemas, "cluster.schema.json"));
    delete cluster.properties.spec.properties.storage.properties.size.type;
    writeJson(join(schemas, "cluster.schema.json"), cluster);
    const out = join(tempDir("out"), "generated");
    await assert.rejects(generate(schemas, out), (err: unknown) => {
      assert.ok(err instanceof NonStructuralSchemaError, String(err));
      assert.match(err.message, /openAPIV3Schema\.properties\.spec\.properties\.storage\.properties\.size: type is required/);
      return true;
    });
    assert.ok(!existsSync(out), "a refused schema must leave the output alone");
  });

  test("a problem in a shared definition is reported where the Cluster uses it", async () => {
    const schemas = schemasCopy();
    const defs = readJson(join(schemas, "definitions.schema.json"));
    defs.definitions.BarmanObjectStoreConfiguration.properties.endpointURL.format = "ipv4-or-cidr";
    writeJson(join(schemas, "definitions.schema.json"), defs);
    await assert.rejects(
      generate(schemas, join(tempDir("out"), "generated")),
      (err: unknown) =>
        err instanceof NonStructuralSchemaError &&
        err.problems.some((p) => p.startsWith(`${SPEC_PROPERTIES}.backup.properties.barmanObjectStore.properties.endpointURL: format "ipv4-or-cidr"`)),
    );
  });
});

describe("what the apiserver accepts is accepted", () => {
  const spec = (props: JSONSchema): JSONSchema => ({ type: "object", properties: { spec: { type: "object", properties: props } } });

  test("x-kubernetes-preserve-unknown-fields: true without type", () => {
    const schema = spec({ pvcTemplate: { description: "A PersistentVolumeClaimSpec.", "x-kubernetes-preserve-unknown-fields": true } });
    assert.deepEqual(problemsOf(schema), []);
    assert.deepEqual(toStructural(schema), schema);
  });

  test("x-kubernetes-int-or-string: true with its anyOf of integer and string, and a default", () => {
    const schema = spec({
      port: { description: "A port.", "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }], default: 5432 },
      target: {
        description: "A target.",
        "x-kubernetes-int-or-string": true,
        allOf: [{ anyOf: [{ type: "integer" }, { type: "string" }] }, { pattern: "^[a-z0-9]+$" }],
      },
    });
    assert.deepEqual(problemsOf(schema), []);
  });

  test("JSON-Schema-only keywords are dropped, not passed through", () => {
    const schema = {
      $schema: "http://json-schema.org/draft-07/schema#",
      $id: "x.schema.json",
      title: "X",
      type: "object",
      additionalProperties: false,
      properties: { spec: { title: "XSpec", type: "object", additionalProperties: false, properties: { a: { type: "string" } } } },
    };
    assert.deepEqual(toStructural(schema), { type: "object", properties: { spec: { type: "object", properties: { a: { type: "string" } } } } });
  });

  test("uniqueItems: false, nullable defaults, and annotations below a defaulted object", () => {
    const schema = spec({
      list: { type: "array", items: { type: "string" }, uniqueItems: false, "x-kubernetes-list-type": "set" },
      maybe: { type: "string", nullable: true, default: null },
      data: {
        type: "object",
        default: {},
        properties: {
          jobs: { type: "integer", default: 2, example: 4 },
          tags: { type: "array", items: { type: "string" }, "x-kubernetes-list-type": "set" },
          mac: { type: "string", format: "mac" },
        },
      },
    });
    assert.deepEqual(problemsOf(schema), []);
  });

  test("properties with additionalProperties: true", () => {
    assert.deepEqual(problemsOf(spec({ m: { type: "object", properties: { a: { type: "string" } }, additionalProperties: true } })), []);
  });

  test("the generator accepts preserve-unknown-fields without type in a real schema", async () => {
    const schemas = schemasCopy();
    const cluster = readJson(join(schemas, "cluster.schema.json"));
    delete cluster.properties.status.type;
    writeJson(join(schemas, "cluster.schema.json"), cluster);
    const out = tempDir("out");
    await generate(schemas, out);
    const crd = parse(readFileSync(join(out, "crds", "postgresql.k8s.enterprisedb.io_clusters.yaml"), "utf8"));
    const status = crd.spec.versions[0].schema.openAPIV3Schema.properties.status;
    assert.deepEqual([status.type, status["x-kubernetes-preserve-unknown-fields"]], [undefined, true]);
  });

  test("every format the generator lets through is one ajv (validators, default checks) knows", () => {
    const ajv = createAjv();
    const unknown = [...KUBERNETES_FORMATS].filter((f) => !(f in ajv.formats));
    assert.deepEqual(unknown, []);
  });
});
