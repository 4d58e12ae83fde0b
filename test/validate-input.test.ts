// `cnp-webhook validate`'s input, run in-process on buffers (test/cli-validate.test.ts runs the real
// binary): stdin, YAML as kubectl reads it, broken files beside good ones, documents that are not
// objects of this API, directories, and what the apiserver does to a manifest before admission (status
// dropped, nulls pruned).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { runMain } from "../tools/testkit/cli.js";
import { FIXTURES } from "../tools/testkit/paths.js";
import type { JsonResult } from "../webhook/checker/output/json.js";

const API = "apiVersion: postgresql.k8s.enterprisedb.io/v1alpha1";
const SECRET = "apiVersion: v1\nkind: Secret\nmetadata: {name: aws-creds}\nstringData: {ACCESS_KEY_ID: a, ACCESS_SECRET_KEY: b}";
const CLUSTER = (name: string, extra = "") =>
  `${API}\nkind: Cluster\nmetadata:\n  name: ${name}\nspec:\n  instances: 3\n  imageName: quay.io/enterprisedb/postgresql:13.2\n  storage:\n    size: 1Gi\n${extra}`;

/** A fresh folder holding `files` (path → content). */
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "cnp-validate-input-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  results: JsonResult[];
}

async function validateJson(args: string[], stdin?: string): Promise<Run> {
  const r = await runMain(["validate", "-o", "json", ...args], stdin === undefined ? {} : { stdin });
  let results: JsonResult[] = [];
  try {
    results = (JSON.parse(r.stdout) as { results: JsonResult[] }).results;
  } catch {
    assert.fail(`no JSON on stdout (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, results };
}

const brief = (r: JsonResult) => ({ file: r.file, kind: r.kind, name: r.name, status: r.status });

describe("validate reads its input as kubectl does", () => {
  test("- reads stdin, mixed with paths; stdin is named STDIN, and its documents are cluster state for the files", async () => {
    const dir = folder({
      "cluster.yaml": CLUSTER(
        "pg",
        "  backup:\n    barmanObjectStore:\n      destinationPath: s3://backups/pg\n      s3Credentials:\n        accessKeyId: {name: aws-creds}\n",
      ),
    });
    const r = await validateJson([join(dir, "cluster.yaml"), "-"], SECRET);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.deepEqual(r.results.map(brief), [{ file: join(dir, "cluster.yaml"), kind: "Cluster", name: "pg", status: "admitted" }]);
    assert.deepEqual(r.results[0]?.warnings, [], "the Secret from stdin resolves the reference");

    const text = await runMain(["validate", "-"], { stdin: CLUSTER("from-stdin") });
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, /^cluster\.postgresql\.k8s\.enterprisedb\.io\/from-stdin admitted \(STDIN:1; /m);
    assert.equal((await runMain(["validate", "-", "-"])).code, 2, "stdin can be read once");
  });

  test("YAML 1.1 as kubectl reads it: merge keys and yes/no are what kubectl sends, not errors", async () => {
    const yaml = [
      `${API}\nkind: Cluster\nmetadata:\n  name: pg\nspec:\n  instances: 3\n  imageName: quay.io/enterprisedb/postgresql:13.2\n  storage:\n    size: 1Gi\n  backup:\n    barmanObjectStore:\n      <<: &store\n        destinationPath: s3://backups/pg\n        s3Credentials:\n          accessKeyId: {name: aws-creds}\n      wal: {compression: gzip}`,
      `${API}\nkind: ScheduledBackup\nmetadata:\n  name: nightly\nspec:\n  schedule: "0 0 0 * * *"\n  suspend: yes\n  cluster: {name: pg}`,
      SECRET,
    ].join("\n---\n");
    const r = await validateJson(["-"], yaml);
    const schema = r.results.flatMap((x) => x.errors).filter((e) => e.rule.endsWith("/schema"));
    assert.deepEqual(schema, [], "no '<<' unknown field, no destinationPath Required, no 'must be of type boolean'");
    assert.deepEqual(
      r.results.map((x) => x.name),
      ["pg", "nightly"],
    );
  });

  test("a key written twice: kubectl keeps the last; a warning with its line", async () => {
    const r = await validateJson(["-"], `${CLUSTER("pg")}  instances: 2\n`);
    assert.equal(r.results[0]?.status, "admitted");
    assert.deepEqual(
      r.results[0]?.warnings.filter((w) => w.rule === "input/duplicate-key").map((w) => [w.field, w.line, w.column]),
      [["spec.instances", 10, 3]],
    );
  });

  test("a file that cannot be parsed is reported with line and column; the others are still checked; exit 2", async () => {
    const dir = folder({
      "a-good.yaml": CLUSTER("good"),
      "b-broken.yaml": `${CLUSTER("fine-before")}\n---\n${API}\nkind: Backup\nmetadata: {name: b\nspec: {}\n`,
    });
    const r = await validateJson([dir]);
    assert.equal(r.code, 2);
    assert.deepEqual(
      r.results.map((x) => [x.name || x.file.split("/").pop(), x.status]),
      [
        ["good", "admitted"],
        ["fine-before", "admitted"],
        ["b-broken.yaml", "error"],
      ],
    );
    const [error] = r.results[2]?.errors ?? [];
    assert.equal(error?.rule, "input/syntax");
    assert.equal(error?.line, 15, "the parser finds the unclosed { of line 14 at line 15");
    assert.ok((error?.column ?? 0) > 0);
    const text = await runMain(["validate", dir]);
    assert.equal(text.code, 2);
    assert.match(text.stdout, /b-broken\.yaml:15:\d+: error: YAML syntax error: .* \[input\/syntax\]$/m);
  });

  test("a Helm template is reported as one, with what to pipe instead", async () => {
    const dir = folder({
      "templates/cluster.yaml": `${API}\nkind: Cluster\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  instances: {{ .Values.instances }}\n`,
    });
    const r = await validateJson([dir]);
    assert.equal(r.code, 2);
    const [result] = r.results;
    assert.deepEqual([result?.status, result?.errors[0]?.rule, result?.errors[0]?.line, result?.errors[0]?.column], ["error", "input/helm", 4, 9]);
    assert.match(result?.errors[0]?.message ?? "", /Helm template .* helm template RELEASE CHART \| cnp-webhook validate -/);
  });

  test("a PostgreSQL object of another API is skipped with a hint, never silently passed", async () => {
    const r = await validateJson(
      ["-"],
      `apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: cnpg}\nspec: {instances: 3}\n---\n${CLUSTER("ours")}`,
    );
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.results.map((x) => [x.name, x.status]),
      [
        ["cnpg", "skipped"],
        ["ours", "admitted"],
      ],
    );
    assert.match(r.results[0]?.hint ?? "", /postgresql\.cnpg\.io\/v1 is CloudNativePG's API; cnp-webhook checks postgresql\.k8s\.enterprisedb\.io\/v1alpha1/);
    const text = await runMain(["validate", "-"], {
      stdin: "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: cnpg}\nspec: {instances: 3}\n",
    });
    assert.equal(text.code, 0);
    assert.match(text.stdout, /^cluster\.postgresql\.cnpg\.io\/cnpg skipped \(STDIN:1\): /m);
    assert.match(text.stdout, /^no Cluster, Backup, ScheduledBackup of postgresql\.k8s\.enterprisedb\.io\/v1alpha1 found in 1 file$/m);
  });

  test("kustomize patches: a file a kustomization lists as a patch, and an object without a name, say what to pipe", async () => {
    const dir = folder({
      "kustomization.yaml": "resources: [cluster.yaml]\npatches:\n- path: more-instances.yaml\n",
      "cluster.yaml": CLUSTER("pg"),
      "more-instances.yaml": `${API}\nkind: Cluster\nmetadata:\n  name: pg\nspec:\n  instances: 5\n`,
    });
    const r = await validateJson([dir]);
    assert.equal(r.code, 2);
    const patch = r.results.find((x) => x.file.endsWith("more-instances.yaml"));
    assert.deepEqual([patch?.status, patch?.errors[0]?.rule], ["error", "input/patch"]);
    assert.match(patch?.errors[0]?.message ?? "", /listed as a patch in .*kustomization\.yaml.*kubectl kustomize DIR \| cnp-webhook validate -/);
    assert.equal(r.results.find((x) => x.name === "pg")?.status, "admitted");

    const nameless = await validateJson(["-"], `${API}\nkind: Cluster\nspec:\n  instances: 5\n`);
    assert.equal(nameless.code, 2);
    assert.deepEqual(
      nameless.results[0]?.errors.map((e) => [e.rule, e.field]),
      [["input/patch", "metadata.name"]],
    );
  });

  test("a document without apiVersion or kind is an error; a file found in a folder naming neither is skipped", async () => {
    const r = await validateJson(["-"], "metadata: {name: x}\nspec: {instances: 3}\n");
    assert.equal(r.code, 2);
    assert.deepEqual(
      r.results[0]?.errors.map((e) => [e.rule, e.field]),
      [["input/not-an-object", "apiVersion"]],
    );
    // A kind of this API without its apiVersion: the manifest's mistake, said as such, with the fix.
    const backup = await runMain(["validate", "-"], { stdin: "kind: Backup\nmetadata: {name: b}\nspec: {cluster: {name: pg}}\n" });
    assert.equal(backup.code, 2);
    const [finding, fate] = backup.stdout.split("\n");
    assert.match(
      finding ?? "",
      /^STDIN:1:1: error: Backup default\/b: apiVersion: Required value: .*; for a Backup of Cloud Native PostgreSQL 0\.5 add apiVersion: postgresql\.k8s\.enterprisedb\.io\/v1alpha1 \[input\/not-an-object\]$/,
    );
    assert.equal(fate, "backup/b not checked: the manifest is invalid (see above) (STDIN:1)");
    assert.doesNotMatch(backup.stdout, /internal error/);
    const dir = folder({
      "tsconfig.json": '{\n  // comments, not JSON\n  "compilerOptions": {}\n}\n',
      "values.yaml": "replicas: 3\n",
      "c.yaml": CLUSTER("pg"),
    });
    const walked = await validateJson([dir]);
    assert.equal(walked.code, 0, walked.stdout);
    assert.deepEqual(
      walked.results.map((x) => [x.file.split("/").pop(), x.status]),
      [
        ["c.yaml", "admitted"],
        ["tsconfig.json", "skipped"],
        ["values.yaml", "skipped"],
      ],
    );
  });

  test("directories: node_modules, .git and hidden folders are not walked; --ignore-path leaves paths out", async () => {
    const bad = `${API}\nkind: Cluster\nmetadata: {name: bad}\nspec: {instances: 0}\n`;
    const dir = folder({
      "ok.yaml": CLUSTER("ok"),
      "node_modules/pkg/bad.yaml": bad,
      ".git/bad.yaml": bad,
      ".github/workflows/bad.yaml": bad,
      "vendor/bad.yaml": bad,
      "nested/deeper/bad.yml": bad,
    });
    const r = await validateJson([dir]);
    assert.deepEqual(
      r.results.map((x) => x.file.slice(dir.length + 1)),
      ["nested/deeper/bad.yml", "ok.yaml", "vendor/bad.yaml"],
    );
    const ignored = await validateJson(["--ignore-path", "vendor/**", "--ignore-path", "bad.yml", dir]);
    assert.equal(ignored.code, 0, ignored.stdout);
    assert.deepEqual(
      ignored.results.map((x) => x.name),
      ["ok"],
    );
  });

  test("a run with no object of this API says so; an empty stdin is an error", async () => {
    const r = await runMain(["validate", "-o", "json", "-"], { stdin: SECRET });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "note: no Cluster, Backup, ScheduledBackup of postgresql.k8s.enterprisedb.io/v1alpha1 found\n");
    const empty = await runMain(["validate", "-"], { stdin: "" });
    assert.equal(empty.code, 2);
    assert.equal(empty.stderr, "error: no documents in STDIN\n");
  });

  test("a Secret present in the files but in another namespace is named as such", async () => {
    const r = await validateJson(
      ["-"],
      `apiVersion: v1\nkind: Secret\nmetadata: {name: aws-creds, namespace: prod}\n---\n${CLUSTER("pg", "  backup:\n    barmanObjectStore:\n      destinationPath: s3://backups/pg\n      s3Credentials:\n        accessKeyId: {name: aws-creds}\n")}`,
    );
    assert.deepEqual(
      r.results[0]?.warnings.map((w) => w.message),
      ['could not verify Secret "aws-creds": in the files only in another namespace ("prod")'],
    );
  });
});

describe("validate judges what the apiserver would hand the webhook", () => {
  test("null on optional fields is pruned as the apiserver prunes it: no denial the apiserver would not make", async () => {
    const r = await validateJson(
      ["-"],
      `${SECRET}\n---\n${API}\nkind: Cluster\nmetadata:\n  name: pg\nspec:\n  description: null\n  instances: 3\n  imageName: quay.io/enterprisedb/postgresql:13.2\n  startDelay: ~\n  storage:\n    size: 1Gi\n    storageClass: null\n  backup:\n    barmanObjectStore:\n      destinationPath: s3://backups/pg\n      endpointURL: null\n      serverName:\n      s3Credentials:\n        accessKeyId: {name: aws-creds, key: null}\n      data: {jobs: null}\n`,
    );
    assert.equal(r.code, 0, JSON.stringify(r.results, null, 1));
    assert.deepEqual(r.results[0]?.errors, []);
    // key: null is filled by the schema's default, as the apiserver's defaulting does.
    assert.ok(r.results[0]?.warnings.every((w) => !/ACCESS_KEY_ID/.test(w.message)));
  });

  test("a null where the schema requires a value is still refused, as the apiserver refuses it", async () => {
    const r = await validateJson(["-"], `${API}\nkind: Cluster\nmetadata: {name: pg}\nspec:\n  instances: null\n  storage: {size: 1Gi}\n`);
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.results[0]?.errors.map((e) => [e.rule, e.field, e.message]),
      [["cluster/schema", "spec.instances", "Required value"]],
    );
  });

  test("status is not judged (the apiserver drops it on create) but is the reference state of a recovery", async () => {
    const backup = `${API}\nkind: Backup\nmetadata: {name: nightly}\nspec:\n  cluster: {name: pg-old}\nstatus:\n  phase: completed\n  someLaterField: true\n  backupId: 20201026T135740\n  serverName: pg-old\n  destinationPath: s3://backups/\n  s3Credentials:\n    accessKeyId: {name: aws-creds, key: ACCESS_KEY_ID}\n    secretAccessKey: {name: aws-creds, key: ACCESS_SECRET_KEY}\n`;
    const restore = CLUSTER("restored", "  bootstrap:\n    fullRecovery:\n      backup: {name: nightly}\n");
    // The Backup's source Cluster in the same batch: the recovery's major and settings are compared with it.
    const source = CLUSTER(
      "pg-old",
      "  backup:\n    barmanObjectStore:\n      destinationPath: s3://backups/\n      s3Credentials:\n        accessKeyId: {name: aws-creds}\n",
    );
    const r = await validateJson(["-"], [SECRET, backup, restore, source].join("\n---\n"));
    const byName = new Map(r.results.map((x) => [x.name, x]));
    assert.deepEqual(byName.get("nightly")?.errors, [], "status.someLaterField is not an unknown-field error");
    const restored = byName.get("restored");
    assert.equal(restored?.status, "admitted", JSON.stringify(restored));
    assert.deepEqual(
      restored?.warnings.filter((w) => w.field.startsWith("spec.bootstrap")),
      [],
      "the completed status in the file is read",
    );

    const failed = backup.replace("phase: completed", "phase: failed");
    const denied = await validateJson(["-"], [SECRET, failed, restore, source].join("\n---\n"));
    assert.equal(denied.results.find((x) => x.name === "restored")?.status, "denied", "a failed status in the file is read too");
  });

  test("unknown fields at every level, the top included, with a did-you-mean one level down or up", async () => {
    const r = await validateJson(
      ["-"],
      `${CLUSTER("pg")}backup:\n  barmanObjectStore:\n    destinationPath: s3://backups/pg\n    s3Credentials:\n      accessKeyId: {name: aws-creds}\n`,
    );
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.results[0]?.errors.map((e) => [e.field, e.message, e.line, e.column]),
      [["backup", 'Forbidden: unknown field "backup"; the apiserver would drop it; did you mean "spec.backup"?', 10, 1]],
    );
    const up = await validateJson(["-"], `${CLUSTER("pg")}  storage2: {}\n`.replace("    size: 1Gi\n", "    size: 1Gi\n    instances: 2\n"));
    assert.deepEqual(
      up.results[0]?.errors.map((e) => [e.field, e.message]),
      [
        ["spec.storage.instances", 'Forbidden: unknown field "instances"; the apiserver would drop it; did you mean "spec.instances"?'],
        ["spec.storage2", 'Forbidden: unknown field "storage2"; the apiserver would drop it; did you mean "storage"?'],
      ],
    );
  });

  test("the early draft's apiVersion says that migrate converts it", async () => {
    const r = await validateJson([join(FIXTURES, "manifests", "bad", "draft.yaml")]);
    assert.equal(r.code, 1);
    assert.match(r.results[0]?.errors[0]?.message ?? "", /early draft's API group: .*`cnp-webhook migrate` converts such manifests/);
    assert.equal(r.results[0]?.errors[0]?.line, 2);
  });
});

describe("validate names what it cannot read, and where", () => {
  /** A folder holding `files` written as bytes. */
  function bytesFolder(files: Record<string, Buffer>): string {
    const dir = mkdtempSync(join(tmpdir(), "cnp-validate-bytes-"));
    for (const [path, bytes] of Object.entries(files)) writeFileSync(join(dir, path), bytes);
    return dir;
  }
  const utf16be = (text: string): Buffer => Buffer.from(text, "utf16le").swap16();
  const byFile = (r: Run) => [...r.results].sort((a, b) => (a.file < b.file ? -1 : 1));
  const errorsOf = (r: Run) =>
    byFile(r).map((x) => [x.file.split("/").pop(), ...(x.errors[0] ? [x.errors[0].rule, x.errors[0].line, x.errors[0].column] : [x.status])]);

  test("UTF-16 with a byte order mark is read as kubectl's YAML reader reads it; invalid UTF-8, UTF-32 and NUL bytes are errors at their place", async () => {
    const cluster = CLUSTER("pg");
    const dir = bytesFolder({
      "a-utf16le.yaml": Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(cluster, "utf16le")]),
      "b-utf16be.yaml": Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(cluster.replace("name: pg", "name: pg-be"))]),
      "c-utf8-bom.yaml": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(cluster.replace("name: pg", "name: pg-bom"))]),
      // "café" in Latin-1: the é is the byte 0xE9, on line 6 after `  a: "caf`.
      "d-latin1.yaml": Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: "caf\xe9"\n', "latin1"),
      "e-utf32.yaml": Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from("a\0\0\0", "latin1")]),
      // UTF-16 without a byte order mark: valid UTF-8, full of NULs.
      "f-utf16-no-bom.yaml": Buffer.from(cluster, "utf16le"),
      "g-control.yaml": Buffer.from(`${cluster}  # bell \u0007 here\n`),
    });
    const r = await validateJson([dir]);
    assert.equal(r.code, 2);
    assert.deepEqual(errorsOf(r), [
      ["a-utf16le.yaml", "admitted"],
      ["b-utf16be.yaml", "admitted"],
      ["c-utf8-bom.yaml", "admitted"],
      ["d-latin1.yaml", "input/encoding", 6, 10],
      ["e-utf32.yaml", "input/encoding", 1, 1],
      ["f-utf16-no-bom.yaml", "input/encoding", 1, 2],
      ["g-control.yaml", "input/encoding", 10, 10],
    ]);
    assert.deepEqual(
      byFile(r)
        .slice(0, 3)
        .map((x) => [x.name, x.line]),
      [
        ["pg", 1],
        ["pg-be", 1],
        ["pg-bom", 1],
      ],
    );
    const message = (file: string) => r.results.find((x) => x.file.endsWith(file))?.errors[0]?.message ?? "";
    assert.match(message("d-latin1.yaml"), /^not UTF-8: byte 0xE9 is not valid UTF-8, and kubectl refuses the file/);
    assert.match(message("e-utf32.yaml"), /^UTF-32 \(by its byte order mark\): kubectl reads UTF-8 and UTF-16 only/);
    assert.match(message("f-utf16-no-bom.yaml"), /^a control character \(U\+0000\).*UTF-16 or UTF-32 without a byte order mark/);
    assert.match(message("g-control.yaml"), /^a control character \(U\+0007\), which YAML forbids/);

    const text = await runMain(["validate", "-"], { stdin: "\u0000apiVersion: v1\n" });
    assert.equal(text.code, 2);
    assert.match(text.stdout, /^STDIN:1:1: error: a control character \(U\+0000\)/m);
  });

  test("lists nested 100,000 deep: what is wrong and where, not a stack overflow", async () => {
    const depth = 100_000;
    const prefix = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep}\ndata:\n  x: `;
    const r = await validateJson(["-"], `${prefix}${"[".repeat(depth)}${"]".repeat(depth)}\n`);
    assert.equal(r.code, 2);
    const [error] = r.results[0]?.errors ?? [];
    assert.deepEqual([error?.rule, error?.line, error?.column], ["input/too-large", 5, 6 + 512], "the 513th [ of line 5");
    assert.match(error?.message ?? "", /^lists and mappings nested more than 512 levels deep/);
    assert.doesNotMatch(JSON.stringify(r.results), /call stack/);

    const block = `${prefix.replace("  x: ", "")}${Array.from({ length: 1700 }, (_, i) => `${" ".repeat(i + 1)}k:`).join("\n")} v\n`;
    const b = await validateJson(["-"], block);
    const [blockError] = b.results[0]?.errors ?? [];
    assert.deepEqual([blockError?.rule, blockError?.line], ["input/too-large", 4 + 513], "the first line indented past column 512");
  });
});

test("an unknown command suggests the nearest one", async () => {
  const r = await runMain(["valdate", "x.yaml"]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `error: unknown command "valdate"; did you mean "validate"?\nRun 'cnp-webhook --help' for usage.\n`);
  assert.match((await runMain(["migrat"])).stderr, /did you mean "migrate"\?/);
});

test("a mistyped flag is answered as a mistyped command is, for every command", async () => {
  const cases: [string[], string][] = [
    [["validate", "--ouptut", "json", "x.yaml"], "unknown flag --ouptut; did you mean --output?"],
    [["audit", "--namepsace=team-1"], "unknown flag --namepsace; did you mean --namespace?"],
    [["validate", "--nothing-alike", "x.yaml"], "unknown flag --nothing-alike"],
    [["validate", "-x", "x.yaml"], "unknown flag -x"],
    [["validate", "x.yaml", "--output"], "flag --output needs a value"],
    [["rules", "--help=yes"], "flag --help takes no value"],
  ];
  for (const [args, message] of cases) {
    const r = await runMain(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr, `error: ${message}\nRun 'cnp-webhook ${args[0]} --help' for usage.\n`);
  }
});
