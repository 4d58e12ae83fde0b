// Schema package: the generated CustomResourceDefinitions are what the apiserver accepts
// (README "The CRDs and the types"): valid apiextensions.k8s.io/v1 objects with structural, fully described schemas.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { CustomResourceDefinition } from "kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition";
import { parseAllDocuments } from "yaml";
import { createAjv } from "../schemas/ajv.js";
import { JSON_SCHEMA_PROPS, toStructural } from "../schemas/crd.js";
import { GROUP, VERSION } from "../schemas/kinds.js";
import type { JSONSchema } from "../schemas/resolve.js";
import { REPO_ROOT } from "../tools/testkit/paths.js";

const ROOT = REPO_ROOT;
const CRDS = join(ROOT, "generated", "crds");
const SEEDS = join(ROOT, "test", "fixtures", "seeds");

type Obj = Record<string, any>;

function readYaml(path: string): Obj {
  const docs = parseAllDocuments(readFileSync(path, "utf8"));
  assert.ok(Array.isArray(docs) && docs.length === 1, `${path}: expected exactly one YAML document`);
  assert.deepEqual(docs[0]!.errors, [], `${path}: YAML errors`);
  assert.deepEqual(docs[0]!.warnings, [], `${path}: YAML warnings`);
  return docs[0]!.toJS() as Obj;
}

interface Expected {
  kind: "Cluster" | "Backup" | "ScheduledBackup";
  plural: string;
  singular: string;
  columns: { name: string; type: string; jsonPath: string }[];
}

const age = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };
const EXPECTED: Expected[] = [
  {
    kind: "Cluster",
    plural: "clusters",
    singular: "cluster",
    columns: [
      age,
      { name: "Instances", type: "integer", jsonPath: ".status.instances" },
      { name: "Ready", type: "integer", jsonPath: ".status.readyInstances" },
      { name: "Status", type: "string", jsonPath: ".status.phase" },
    ],
  },
  {
    kind: "Backup",
    plural: "backups",
    singular: "backup",
    columns: [
      age,
      { name: "Cluster", type: "string", jsonPath: ".spec.cluster.name" },
      { name: "Phase", type: "string", jsonPath: ".status.phase" },
      { name: "Error", type: "string", jsonPath: ".status.error" },
    ],
  },
  {
    kind: "ScheduledBackup",
    plural: "scheduledbackups",
    singular: "scheduledbackup",
    columns: [
      age,
      { name: "Cluster", type: "string", jsonPath: ".spec.cluster.name" },
      { name: "Last Backup", type: "date", jsonPath: ".status.lastScheduleTime" },
    ],
  },
];

const fileOf = (e: Expected): string => `${GROUP}_${e.plural}.yaml`;
const crdOf = (e: Expected): Obj => readYaml(join(CRDS, fileOf(e)));
const schemaOf = (crd: Obj): JSONSchema => crd.spec.versions[0].schema.openAPIV3Schema as JSONSchema;
const isObject = (v: unknown): v is JSONSchema => typeof v === "object" && v !== null && !Array.isArray(v);

const FORBIDDEN_ANYWHERE = ["$ref", "$schema", "$id", "id", "definitions", "$defs", "title", "patternProperties", "dependencies", "additionalItems"];

/** Visits every schema node below `node` with its path, as toStructural names them. */
function walk(node: JSONSchema, path: string, visit: (node: JSONSchema, path: string, inJunctor: boolean) => void, inJunctor = false): void {
  visit(node, path, inJunctor);
  if (isObject(node.properties)) for (const [k, v] of Object.entries(node.properties)) if (isObject(v)) walk(v, `${path}.properties.${k}`, visit, inJunctor);
  if (isObject(node.items)) walk(node.items, `${path}.items`, visit, inJunctor);
  if (isObject(node.additionalProperties)) walk(node.additionalProperties, `${path}.additionalProperties`, visit, inJunctor);
  for (const j of ["allOf", "anyOf", "oneOf"]) {
    const list = node[j];
    // The one junctor with types the apiserver takes: an int-or-string node's anyOf [{type: integer}, {type: string}].
    const intOrString = j === "anyOf" && node["x-kubernetes-int-or-string"] === true && JSON.stringify(list) === '[{"type":"integer"},{"type":"string"}]';
    if (Array.isArray(list) && !intOrString) list.forEach((s, i) => isObject(s) && walk(s, `${path}.${j}[${i}]`, visit, true));
  }
  if (isObject(node.not)) walk(node.not, `${path}.not`, visit, true);
}

/** The problems the apiserver would have with a schema, found independently of schemas/crd.ts. */
function structuralProblems(schema: JSONSchema): string[] {
  const problems: string[] = [];
  walk(schema, "openAPIV3Schema", (node, path, inJunctor) => {
    for (const k of Object.keys(node)) if (!JSON_SCHEMA_PROPS.has(k)) problems.push(`${path}: keyword ${k}`);
    for (const k of FORBIDDEN_ANYWHERE) if (k in node) problems.push(`${path}: ${k}`);
    const open = node["x-kubernetes-preserve-unknown-fields"] === true || node["x-kubernetes-int-or-string"] === true;
    if (!inJunctor && typeof node.type !== "string" && !open) problems.push(`${path}: no type`);
    if (inJunctor) for (const k of ["type", "default", "description", "nullable"]) if (k in node) problems.push(`${path}: ${k} inside a junctor`);
    if (node.additionalProperties === false) problems.push(`${path}: additionalProperties: false`);
    if (node.properties !== undefined && node.additionalProperties !== undefined && node.additionalProperties !== true) {
      problems.push(`${path}: properties and additionalProperties`);
    }
    if (Array.isArray(node.items)) problems.push(`${path}: array-form items`);
    if (node.uniqueItems === true) problems.push(`${path}: uniqueItems: true`);
    if (node.type === "array" && !isObject(node.items)) problems.push(`${path}: array without items`);
    if (isObject(node.properties) && typeof node.type === "string" && node.type !== "object") problems.push(`${path}: properties on a ${String(node.type)}`);
  });
  return problems;
}

/**
 * Every property below `node`, through items and additionalProperties, with its path
 * (`spec.backup.barmanObjectStore.data.jobs`, `spec.imagePullSecrets[].name`).
 */
function propertiesBelow(node: JSONSchema, path: string): { path: string; schema: JSONSchema }[] {
  const out: { path: string; schema: JSONSchema }[] = [];
  if (isObject(node.properties)) {
    for (const [name, sub] of Object.entries(node.properties)) {
      if (!isObject(sub)) continue;
      out.push({ path: `${path}.${name}`, schema: sub }, ...propertiesBelow(sub, `${path}.${name}`));
    }
  }
  if (isObject(node.items)) out.push(...propertiesBelow(node.items, `${path}[]`));
  if (isObject(node.additionalProperties)) out.push(...propertiesBelow(node.additionalProperties, `${path}[*]`));
  return out;
}

/** The schema node at a dotted property path (`spec.backup.barmanObjectStore`). */
function nodeAt(schema: JSONSchema, dotted: string): JSONSchema {
  let node: unknown = schema;
  for (const name of dotted.split(".")) {
    node = isObject(node) && isObject(node.properties) ? node.properties[name] : undefined;
    assert.ok(isObject(node), `no property ${dotted} (at ${name})`);
  }
  return node as JSONSchema;
}

test("generated/crds holds exactly the three CRDs, named group_plural.yaml", () => {
  assert.deepEqual(readdirSync(CRDS).sort(), EXPECTED.map(fileOf).sort());
});

for (const e of EXPECTED) {
  describe(`${e.kind} CRD (${fileOf(e)})`, () => {
    const crd = crdOf(e);

    test("is a valid apiextensions.k8s.io/v1 CustomResourceDefinition (kubernetes-models OpenAPI definitions)", () => {
      assert.equal(crd.apiVersion, "apiextensions.k8s.io/v1");
      assert.equal(crd.kind, "CustomResourceDefinition");
      assert.ok(CustomResourceDefinition.is(crd));
      assert.doesNotThrow(() => new CustomResourceDefinition(crd as never).validate());
    });

    test("the kubernetes-models validation does catch a broken CRD", () => {
      const broken = structuredClone(crd);
      broken.spec.versions[0].served = "yes";
      delete broken.spec.names.plural;
      assert.throws(() => new CustomResourceDefinition(broken as never).validate(), /served|plural/);
    });

    test("names, group, scope and the one version", () => {
      assert.equal(crd.metadata.name, `${e.plural}.${GROUP}`);
      assert.equal(crd.spec.group, "postgresql.k8s.enterprisedb.io");
      assert.deepEqual(crd.spec.names, {
        kind: e.kind,
        listKind: `${e.kind}List`,
        plural: e.plural,
        singular: e.singular,
        categories: ["cnp"],
      });
      assert.equal(crd.spec.scope, "Namespaced");
      assert.equal(crd.spec.versions.length, 1);
      const [v] = crd.spec.versions;
      assert.equal(v.name, "v1alpha1");
      assert.equal(v.name, VERSION);
      assert.equal(v.served, true);
      assert.equal(v.storage, true);
      assert.equal(crd.status, undefined);
    });

    test("subresources: status on all kinds, scale on Cluster only", () => {
      const expected: Obj = { status: {} };
      if (e.kind === "Cluster") expected.scale = { specReplicasPath: ".spec.instances", statusReplicasPath: ".status.instances" };
      assert.deepEqual(crd.spec.versions[0].subresources, expected);
      if (e.kind === "Cluster") {
        // The scale paths point at integer fields of the schema.
        assert.equal(nodeAt(schemaOf(crd), "spec.instances").type, "integer");
        assert.equal(nodeAt(schemaOf(crd), "status.instances").type, "integer");
      }
    });

    test("printer columns exactly as the README (CRDs), each pointing at a typed field", () => {
      const columns = crd.spec.versions[0].additionalPrinterColumns as Obj[];
      assert.deepEqual(
        columns.map(({ name, type, jsonPath }) => ({ name, type, jsonPath })),
        e.columns,
      );
      for (const c of columns) {
        assert.ok(typeof c.description === "string" && c.description.length > 0, `column ${c.name}: description`);
        if (c.jsonPath.startsWith(".metadata.")) continue;
        const field = nodeAt(schemaOf(crd), c.jsonPath.slice(1));
        const expectedType = c.type === "date" ? "string" : c.type;
        assert.equal(field.type, expectedType, `column ${c.name}: ${c.jsonPath} is ${String(field.type)}`);
        if (c.type === "date") assert.equal(field.format, "date-time", `column ${c.name}`);
      }
    });

    test("the schema is structural (own walk) and toStructural() leaves it as it is", () => {
      const schema = schemaOf(crd);
      assert.deepEqual(structuralProblems(schema), []);
      assert.deepEqual(toStructural(structuredClone(schema)), schema);
      // metadata belongs to the apiserver: nothing but its type.
      assert.deepEqual(nodeAt(schema, "metadata"), { type: "object" });
      assert.deepEqual(schema.required, ["spec"]);
      // No JSON-Schema-only keyword survives anywhere, not even as a property value's key.
      const text = JSON.stringify(schema);
      for (const k of ["$ref", "$schema", "$id", "definitions", "title"]) assert.ok(!text.includes(`"${k}":`), `${k} in the schema`);
      assert.ok(!text.includes('"additionalProperties":false'));
    });

    test("the own structural walk does find problems", () => {
      const broken = structuredClone(schemaOf(crd));
      delete nodeAt(broken, "metadata").type;
      nodeAt(broken, "status").title = "Status";
      nodeAt(broken, "status").additionalProperties = false;
      assert.deepEqual(structuralProblems(broken), [
        "openAPIV3Schema.properties.metadata: no type",
        "openAPIV3Schema.properties.status: keyword title",
        "openAPIV3Schema.properties.status: title",
        "openAPIV3Schema.properties.status: additionalProperties: false",
        "openAPIV3Schema.properties.status: properties and additionalProperties",
      ]);
    });

    test("every property below spec and status has a description", (t) => {
      const schema = schemaOf(crd);
      const counts: string[] = [];
      let total = 0;
      for (const top of ["spec", "status"]) {
        const node = nodeAt(schema, top);
        assert.ok(typeof node.description === "string" && node.description.trim() !== "", `${top}: description`);
        const props = propertiesBelow(node, top);
        const missing = props.filter((p) => typeof p.schema.description !== "string" || p.schema.description.trim() === "").map((p) => p.path);
        assert.deepEqual(missing, [], `properties without a description in ${e.kind}`);
        assert.ok(props.length > 0, `${top} has properties`);
        counts.push(`${top} ${props.length}`);
        total += props.length;
      }
      t.diagnostic(`${e.kind}: ${total} properties below spec and status (${counts.join(", ")})`);
    });
  });
}

describe("defaults in the CRDs", () => {
  const cluster = schemaOf(crdOf(EXPECTED[0]!));
  const store = "spec.backup.barmanObjectStore";

  test("data: {} and its jobs: 2, immediateCheckpoint: false", () => {
    assert.deepEqual(nodeAt(cluster, `${store}.data`).default, {});
    assert.equal(nodeAt(cluster, `${store}.data.jobs`).default, 2);
    assert.equal(nodeAt(cluster, `${store}.data.immediateCheckpoint`).default, false);
    // Release 0.5 never passes jobs to barman-cloud-backup and its CRD has no minimum (docs/operator-0.5.md):
    // a minimum here would deny what the operator runs.
    assert.equal(nodeAt(cluster, `${store}.data.jobs`).minimum, undefined);
  });

  test("credential key defaults, in the Cluster and in Backup.status", () => {
    const backup = schemaOf(crdOf(EXPECTED[1]!));
    for (const [schema, creds] of [
      [cluster, `${store}.s3Credentials`],
      [backup, "status.s3Credentials"],
    ] as const) {
      assert.equal(nodeAt(schema, `${creds}.accessKeyId.key`).default, "ACCESS_KEY_ID");
      assert.equal(nodeAt(schema, `${creds}.secretAccessKey.key`).default, "ACCESS_SECRET_KEY");
      assert.equal(nodeAt(schema, `${creds}.sessionToken.key`).default, "ACCESS_SESSION_TOKEN");
    }
    // In the spec name stays required: a default key never makes a selector valid on its own. A status is
    // never stricter than what the operator writes (a failed Backup records empty selectors).
    assert.deepEqual(nodeAt(cluster, `${store}.s3Credentials.accessKeyId`).required, ["name"]);
    assert.equal(nodeAt(backup, "status.s3Credentials.accessKeyId").required, undefined);
  });

  test("required fields and enums as the README (Schemas)", () => {
    assert.deepEqual(nodeAt(cluster, "spec").required, ["instances"]);
    assert.deepEqual(nodeAt(cluster, store).required, ["destinationPath", "s3Credentials"]);
    assert.deepEqual(nodeAt(cluster, `${store}.wal.compression`).enum, ["", "gzip", "bzip2"]);
    assert.deepEqual(nodeAt(cluster, `${store}.wal.encryption`).enum, ["", "AES256", "aws:kms"]);
    // Typed as release 0.5.0's CRD types them (test/crd-parity.test.ts): unknown fields pruned.
    assert.equal(nodeAt(cluster, "spec.storage.pvcTemplate")["x-kubernetes-preserve-unknown-fields"], undefined);
    assert.deepEqual(nodeAt(cluster, "spec.storage").required, ["size"]);
    assert.deepEqual(nodeAt(cluster, "spec.resources.requests").additionalProperties, nodeAt(cluster, "spec.resources.limits").additionalProperties);
    // Backup and ScheduledBackup keep unknown fields, as 0.5.0's v1beta1 CRDs do.
    for (const i of [1, 2]) assert.equal(nodeAt(schemaOf(crdOf(EXPECTED[i]!)), "spec")["x-kubernetes-preserve-unknown-fields"], true);
    assert.deepEqual(nodeAt(schemaOf(crdOf(EXPECTED[1]!)), "spec").required, ["cluster"]);
    assert.deepEqual(nodeAt(schemaOf(crdOf(EXPECTED[2]!)), "spec").required, ["schedule", "cluster"]);
  });
});

test("the CRD schemas accept every seed example, as the compiled validators do", () => {
  const ajv = createAjv({ useDefaults: false });
  const byKind = new Map(EXPECTED.map((e) => [e.kind as string, ajv.compile(schemaOf(crdOf(e)))]));
  const files = readdirSync(SEEDS).filter((f) => f.endsWith(".yaml"));
  assert.ok(files.length > 0);
  for (const file of files) {
    const obj = readYaml(join(SEEDS, file));
    const validate = byKind.get(obj.kind as string);
    assert.ok(validate, `${file}: kind ${String(obj.kind)}`);
    assert.ok(validate(obj), `${file}: ${JSON.stringify(validate.errors)}`);
  }
});
