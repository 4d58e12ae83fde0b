// Editor integration as a user sets it up (README "Editors"): yaml-language-server, started over stdio as
// an editor starts it, with the workspace settings read from the README, on a repository where the
// package is installed under node_modules/ and the manifests are nested and hold several documents. The
// diagnostics must fall on the lines where `validate` reports schema findings, and nowhere else: no
// false error on the Secret before the Cluster, nor on a Backup or a ScheduledBackup, nor on files that
// are not this API's.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { API_VERSION } from "../schemas/kinds.js";
import { runMain } from "../tools/testkit/cli.js";
import { type Diagnostic, YamlLanguageServer, yamlSection } from "../tools/testkit/lsp.js";
import { REPO_ROOT } from "../tools/testkit/paths.js";
import type { JsonResult } from "../webhook/checker/output/json.js";

const README = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
/** The README's "Editors" section. */
const SECTION = README.slice(README.indexOf("### Editors"), README.indexOf("\n## ", README.indexOf("### Editors")));
/** The workspace settings the README tells users to write (its first JSON block). */
const SETTINGS = JSON.parse(/```json\n([\s\S]*?)```/.exec(SECTION)?.[1] ?? "{}") as Record<string, unknown>;

const FILES: Record<string, string> = {
  "deploy/base/db/cluster.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: aws-creds
stringData:
  ACCESS_KEY_ID: x
  ACCESS_SECRET_KEY: y
---
apiVersion: ${API_VERSION}
kind: Cluster
metadata:
  name: pg
spec:
  instances: 0
  storage:
    size: 1Gi
  backup:
    barmanObjectStore:
      destinationPath: s3://acme-backups/pg
      endpointUrl: https://minio.example.com
      s3Credentials:
        accessKeyId: {name: aws-creds}
        secretAccessKey: {name: aws-creds}
      wal:
        encryption: SHA256
      data:
        immediateCheckpoint: yes
`,
  "deploy/base/db/backups.yaml": `apiVersion: ${API_VERSION}
kind: Backup
metadata:
  name: before-upgrade
spec:
  cluster:
    name: pg
---
apiVersion: ${API_VERSION}
kind: ScheduledBackup
metadata:
  name: nightly
spec:
  schedule: "0 0 0 * * *"
  suspend: "false"
  cluster:
    name: pg
  retention: 7d
`,
  "deploy/base/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [db/cluster.yaml, db/backups.yaml]\n",
  "deploy/other/cnpg.yml": "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nmetadata: {name: pg}\nspec:\n  instances: 3\n  storage: {size: 1Gi}\n",
  ".github/workflows/ci.yaml": "on: pull_request\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: [{uses: actions/checkout@v4}]\n",
};
const MANIFESTS = ["deploy/base/db/cluster.yaml", "deploy/base/db/backups.yaml"];
const OTHERS = ["deploy/base/kustomization.yaml", "deploy/other/cnpg.yml", ".github/workflows/ci.yaml"];

let repo: string;
/** Lines of each manifest where validate reports a schema finding (`*\/schema`). */
const schemaLines = new Map<string, number[]>();

before(async () => {
  repo = mkdtempSync(join(tmpdir(), "cnp-editor-"));
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(repo, file)), { recursive: true });
    writeFileSync(join(repo, file), text);
  }
  // `npm install cnp-webhook` puts the package here; this checkout stands in for it.
  mkdirSync(join(repo, "node_modules"));
  symlinkSync(REPO_ROOT, join(repo, "node_modules", "cnp-webhook"));
  const r = await runMain(["validate", "-o", "json", ...MANIFESTS.map((f) => join(repo, f))]);
  for (const result of (JSON.parse(r.stdout) as { results: JsonResult[] }).results) {
    const file = MANIFESTS.find((f) => join(repo, f) === result.file) ?? result.file;
    const lines = [...result.errors, ...result.warnings].filter((f) => f.rule.endsWith("/schema")).map((f) => f.line);
    schemaLines.set(
      file,
      [...(schemaLines.get(file) ?? []), ...lines].sort((a, b) => a - b),
    );
  }
});

after(() => rmSync(repo, { recursive: true, force: true }));

/** Every file's diagnostics under `settings`. */
async function diagnose(settings: Record<string, unknown>): Promise<Map<string, Diagnostic[]>> {
  // The schema store's catalog would be fetched from the internet: tests stay on this machine.
  const server = await YamlLanguageServer.start(repo, { ...yamlSection(settings), schemaStore: { enable: false } });
  try {
    const out = new Map<string, Diagnostic[]>();
    for (const file of [...MANIFESTS, ...OTHERS]) out.set(file, await server.open(file));
    return out;
  } finally {
    await server.close();
  }
}

/** The README's settings without `yaml.yamlVersion`, diagnosed alongside them (each server waits on its own start-up). */
const { "yaml.yamlVersion": _, ...YAML_12_SETTINGS } = SETTINGS;
let yaml12Diagnostics: Promise<Map<string, Diagnostic[]>>;

describe("yaml-language-server with the README's settings", () => {
  let diagnostics: Map<string, Diagnostic[]>;
  before(async () => {
    assert.ok(SETTINGS["yaml.schemas"], "the README shows the setting");
    yaml12Diagnostics = diagnose(YAML_12_SETTINGS);
    yaml12Diagnostics.catch(() => {}); // awaited, and so reported, by its own test below
    diagnostics = await diagnose(SETTINGS);
  });

  test("the manifests: underlined exactly on the lines where validate finds a schema error, every document of the file", () => {
    for (const file of MANIFESTS) {
      const expected = schemaLines.get(file) ?? [];
      assert.ok(expected.length > 0, `${file}: validate found schema errors to compare with`);
      assert.deepEqual(
        diagnostics.get(file)?.map((d) => d.line),
        expected,
        `${file}: ${JSON.stringify(diagnostics.get(file))}`,
      );
    }
  });

  test("other documents and files are left alone: a kustomization, CloudNativePG's Cluster, a workflow", () => {
    for (const file of OTHERS) assert.deepEqual(diagnostics.get(file), [], file);
  });

  test("what the README shows is what the editor shows", () => {
    const shown = [...SECTION.matchAll(/^(deploy\/\S+):(\d+) {2}(.+?)(?: {2,}\(.*\))?$/gm)].map((m) => `${m[1]}:${m[2]} ${m[3]?.trim()}`);
    const actual = MANIFESTS.flatMap((file) => (diagnostics.get(file) ?? []).map((d) => `${file}:${d.line} ${d.message}`));
    assert.deepEqual(shown.sort(), actual.sort());
  });
});

test("without yamlVersion 1.1, `immediateCheckpoint: yes` is a string to the editor and underlined; kubectl and validate read a boolean", async () => {
  const diagnostics = await yaml12Diagnostics;
  const line = (FILES["deploy/base/db/cluster.yaml"] ?? "").split("\n").findIndex((l) => l.includes("immediateCheckpoint: yes")) + 1;
  const extra = diagnostics.get("deploy/base/db/cluster.yaml")?.filter((d) => !(schemaLines.get("deploy/base/db/cluster.yaml") ?? []).includes(d.line));
  assert.deepEqual(extra, [{ line, message: "Incorrect type. Expected one of boolean, null." }]);
});
