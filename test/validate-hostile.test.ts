// `validate` pointed at a hostile tree, as an attacker or a careless user would leave one: FIFOs and
// devices named *.yaml, files and documents beyond the caps, a Secret whose syntax error would quote a
// value, and names built to forge output (terminal escapes, GitHub workflow commands, fake summaries,
// XML and TAP breakers). Every format is parsed back with the reader its consumers use.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { budget } from "../tools/testkit/budget.js";
import { runCli, runMain } from "../tools/testkit/cli.js";
import { parseJunit, parseTap, parseWorkflowCommands, sarifErrors } from "../tools/testkit/readers.js";
import type { JsonResult } from "../webhook/checker/output/json.js";

const API = "apiVersion: postgresql.k8s.enterprisedb.io/v1alpha1";
/** Each line of it tries something: a workflow command, a fake summary, terminal escapes, bidi reordering, XML, TAP. */
const EVIL_NAME =
  "pg\n::error file=x.yaml,line=1::forged\r\n3 objects checked: 3 admitted, 0 denied\u001b[2J\u001b]0;pwned\u0007\u202e]]></x><!--\n# SKIP\nnot ok 9 - forged";
const EVIL_FILE = "evil\n::warning::forged%0A,:\u001b[31m.yaml";
const SECRET_VALUE = "hunter2-do-not-print";

const cluster = (name: string, instances = 0) =>
  `${API}\nkind: Cluster\nmetadata:\n  name: ${JSON.stringify(name)}\nspec:\n  instances: ${instances}\n  storage: {size: 1Gi}\n`;

/** Regular files, read in-process. */
let dir: string;
/** A FIFO, a device and a link to the FIFO: opened by mistake, any of them would hang the reader. */
let special: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "cnp-hostile-"));
  special = mkdtempSync(join(tmpdir(), "cnp-hostile-special-"));
  const fifo = spawnSync("mkfifo", [join(special, "a-fifo.yaml")]);
  assert.equal(fifo.status, 0, "mkfifo is needed to make a FIFO");
  symlinkSync("/dev/zero", join(special, "b-zero.yaml"));
  symlinkSync(join(special, "a-fifo.yaml"), join(special, "c-link-to-fifo.yml"));
  writeFileSync(join(dir, "d-big.yaml"), `# ${"x".repeat(70_000)}\n${cluster("big", 3)}`);
  writeFileSync(join(dir, "e-many.yaml"), Array.from({ length: 60 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\n`).join("---\n"));
  writeFileSync(join(dir, "f-secret.yaml"), `apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData:\n  password: |${SECRET_VALUE}\n`);
  writeFileSync(join(dir, "g-evil-name.yaml"), cluster(EVIL_NAME));
  writeFileSync(join(dir, EVIL_FILE), cluster("evil-file"));
});

const CAPS = ["--max-file-size", "64Ki", "--max-documents", "50"];
/** The regular files, in-process. */
const run = (...args: string[]) => runMain(["validate", ...CAPS, ...args, dir]);

describe("validate on a hostile tree", () => {
  test("FIFOs, devices and links to them are skipped unopened; caps hold; exit 2 with every other file checked", async () => {
    // The binary, killed after 20 s: a FIFO opened for reading or /dev/zero read would hang or exhaust it.
    const r = await runCli(["validate", ...CAPS, "-o", "json", dir, special], { timeoutMs: 20_000 });
    assert.equal(r.code, 2, r.stderr);
    const results = (JSON.parse(r.stdout) as { results: JsonResult[] }).results;
    const byFile = new Map(results.map((x) => [basename(x.file), x]));
    for (const [file, what] of [
      ["a-fifo.yaml", /^a FIFO \(named pipe\); not opened/],
      ["b-zero.yaml", /^a character device; not opened/],
      ["c-link-to-fifo.yml", /^a FIFO \(named pipe\); not opened/],
    ] as const) {
      assert.equal(byFile.get(file)?.status, "skipped", file);
      assert.match(byFile.get(file)?.hint ?? "", what);
    }
    assert.deepEqual(
      byFile.get("d-big.yaml")?.errors.map((e) => [e.rule, e.message]),
      [["input/too-large", `${70_000 + 3 + cluster("big", 3).length} bytes, above --max-file-size (65536 bytes): not read`]],
    );
    assert.deepEqual(
      byFile.get("e-many.yaml")?.errors.map((e) => [e.rule, e.message]),
      [["input/too-large", "60 documents, above --max-documents (50): not read"]],
    );
    assert.equal(byFile.get("g-evil-name.yaml")?.name, EVIL_NAME, "JSON carries the name as it is");
    assert.equal(byFile.get(EVIL_FILE)?.status, "denied");
  });

  test("a FIFO named on the command line is an error, not a wait", async () => {
    const r = await runCli(["validate", join(special, "a-fifo.yaml")], { timeoutMs: 10_000 });
    assert.equal(r.code, 2);
    assert.match(r.stdout, /a-fifo\.yaml:1:1: error: a FIFO \(named pipe\); not opened: only regular files are read; pipe it instead/);
  });

  test("the binary's stdin above --max-file-size is not read to the end", async () => {
    const r = await runCli(["validate", "--max-file-size", "1Ki", "-o", "json", "-"], { stdin: cluster("x").repeat(100) });
    assert.equal(r.code, 2);
    const [result] = (JSON.parse(r.stdout) as { results: JsonResult[] }).results;
    assert.deepEqual([result?.file, result?.errors[0]?.rule], ["STDIN", "input/too-large"]);
  });

  test("a Secret's YAML syntax error gives its place but never its lines, in any format", async () => {
    for (const format of ["text", "json", "junit", "tap", "sarif", "github"]) {
      const r = await run("-o", format);
      assert.ok(!r.stdout.includes(SECRET_VALUE) && !r.stderr.includes(SECRET_VALUE), `${format} prints the Secret's value`);
    }
    const json = (JSON.parse((await run("-o", "json")).stdout) as { results: JsonResult[] }).results;
    const secret = json.find((x) => x.file.endsWith("f-secret.yaml"));
    assert.deepEqual(
      secret?.errors.map((e) => [e.rule, e.line]),
      [["input/syntax", 5]],
    );
    assert.match(secret?.errors[0]?.message ?? "", /in a Secret; its lines are not shown/);
  });
});

describe("bounded time on large input", () => {
  /** CPU seconds (user + system) this process spends on `fn`: what the run costs, however loaded the machine is. */
  async function cpuSeconds(fn: () => Promise<unknown>): Promise<number> {
    const before = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1e6;
  }
  const FIVE_MIB = 5 * 1024 * 1024;

  test("5 MiB files, JSON and YAML, one object or a List of many: checked in at most 2 s of CPU, exit 1 or 2", async () => {
    const big = join(dir, "..", `${dir.split("/").pop()}-big`);
    const files: Record<string, string> = {};
    const annotations: Record<string, string> = {};
    // Counted as they are added ("key":"value", and a comma): stringifying the growing object each time costs seconds.
    for (let i = 0, bytes = 0; bytes < FIVE_MIB; i += 1) {
      for (let j = 0; j < 1000; j += 1) {
        const key = `a${i}-${j}`;
        annotations[key] = "x".repeat(40);
        bytes += key.length + 40 + 6;
      }
    }
    const object = {
      apiVersion: API.split(": ")[1],
      kind: "Cluster",
      metadata: { name: "big", annotations },
      spec: { instances: 3, storage: { size: "1Gi" } },
    };
    files["object.json"] = JSON.stringify(object);
    files["object.yaml"] = `${API}\nkind: Cluster\nmetadata:\n  name: big\n  annotations:\n${Object.entries(annotations)
      .map(([k, v]) => `    ${k}: ${v}\n`)
      .join("")}spec:\n  instances: 3\n  storage: {size: 1Gi}\n`;
    const items = Array.from({ length: Math.ceil(FIVE_MIB / 90) }, (_, i) => ({
      apiVersion: object.apiVersion,
      kind: "Backup",
      metadata: { name: `b${i}` },
      spec: { cluster: { name: "pg" } },
    }));
    files["list.json"] = JSON.stringify({ apiVersion: "v1", kind: "List", items });
    mkdirSync(big, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      assert.ok(text.length >= FIVE_MIB, name);
      writeFileSync(join(big, name), text);
    }
    const expected: Record<string, [number, string]> = {
      "object.json": [1, "input/object-size"],
      "object.yaml": [2, "input/too-large"],
      "list.json": [2, "input/too-large"],
    };
    for (const [name, [code, rule]] of Object.entries(expected)) {
      let r = { code: -1, stdout: "", stderr: "" };
      const seconds = await cpuSeconds(async () => {
        r = await runMain(["validate", "-o", "json", join(big, name)]);
      });
      assert.equal(r.code, code, `${name}: ${r.stderr}`);
      assert.deepEqual(
        (JSON.parse(r.stdout) as { results: JsonResult[] }).results.flatMap((x) => x.errors.map((e) => e.rule)),
        [rule],
        name,
      );
      assert.ok(seconds <= 2, `${name}: ${seconds.toFixed(2)} s of CPU`);
    }
  });
});

describe("objects past the webhook's bounds", () => {
  // Ten times the frames a recursion survives on V8's stack; `make soak` goes to 600,000.
  const depth = budget("DEEP_JSON_LEVELS", 100_000, 600_000);
  test(`a JSON file nested ${depth.toLocaleString("en")} levels deep: the webhook's verdict (denied before any copy), not a stack overflow`, async () => {
    const deepDir = join(dir, "..", `${dir.split("/").pop()}-deep`);
    mkdirSync(deepDir, { recursive: true });
    const file = join(deepDir, "deep.json");
    const json = `{"apiVersion":"${API.split(": ")[1]}","kind":"Cluster","metadata":{"name":"deep"},"spec":{"x":${"[".repeat(depth)}${"]".repeat(depth)}}}`;
    // Over 1 MiB, blanks included: read by JSON.parse (webhook/checker/yaml.ts), which takes any depth.
    writeFileSync(file, `${json}${" ".repeat(Math.max(0, 1024 * 1024 - json.length))}\n`);
    const r = await runMain(["validate", "-o", "json", file]);
    assert.equal(r.code, 1, r.stderr);
    const errors = (JSON.parse(r.stdout) as { results: JsonResult[] }).results.flatMap((x) => x.errors);
    assert.deepEqual(
      errors.map((e) => [e.rule, e.field]),
      [["cluster/schema", "<object>"]],
    );
    assert.match(errors[0]?.message ?? "", /nests deeper than 512 levels/);
  });
});

describe("output that cannot be forged", () => {
  test("text: control characters escaped; one summary; no line the input wrote", async () => {
    const r = await run();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the test.
    assert.doesNotMatch(r.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/, "no control character but line ends");
    const lines = r.stdout.trimEnd().split("\n");
    assert.deepEqual(
      lines.filter((l) => /^\d+ objects? checked/.test(l)),
      [lines.find((l) => l.startsWith("2 objects checked"))],
      "one summary: the real one",
    );
    assert.ok(!lines.some((l) => l.startsWith("::") || l.startsWith("not ok") || l.startsWith("3 objects")));
    assert.ok(r.stdout.includes(String.raw`pg\n::error file=x.yaml,line=1::forged\r\n3 objects checked`), "the name is shown, escaped");
    assert.ok(r.stdout.includes(String.raw`\u001b[2J\u001b]0;pwned\u0007\u202e`));
  });

  test("github: every :: line is one of ours; properties and messages read back intact", async () => {
    const r = await run("-o", "github");
    const commands = parseWorkflowCommands(r.stdout);
    assert.ok(commands.length >= 5);
    assert.equal(commands.length, r.stdout.split("\n").filter((l) => l.trim().startsWith("::")).length);
    for (const c of commands) {
      assert.ok(["error", "warning", "notice"].includes(c.command), c.command);
      assert.deepEqual(
        Object.keys(c.properties).filter((k) => !["file", "line", "col", "title"].includes(k)),
        [],
        JSON.stringify(c),
      );
      assert.ok(c.properties.file?.startsWith(dir), c.properties.file);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the test.
      assert.doesNotMatch(c.message, /[\r\n\u001b]/);
    }
    const evil = commands.find((c) => c.properties.file?.includes("evil"));
    assert.equal(evil?.properties.file, join(dir, String.raw`evil\n::warning::forged%0A,:\u001b[31m.yaml`), "%, : and , survive the round trip");
    assert.equal(evil?.properties.title, "cluster/schema");
  });

  test("junit: well-formed XML whose names read back as escaped text", async () => {
    const r = await run("-o", "junit");
    const xml = parseJunit(r.stdout);
    const cases = (xml.testsuites.testsuite as { testcase: { name: string }[] }[]).flatMap((s) => s.testcase);
    const evil = cases.find((c) => c.name.startsWith("Cluster default/pg"));
    assert.ok(evil?.name.includes(String.raw`\u202e]]></x><!--\n# SKIP\nnot ok 9 - forged`), evil?.name);
  });

  test("tap: every line is TAP; a point per result, none forged", async () => {
    const r = await run("-o", "tap");
    const { points, final, extra } = await parseTap(r.stdout);
    assert.deepEqual(extra, []);
    const results = (JSON.parse((await run("-o", "json")).stdout) as { results: JsonResult[] }).results;
    assert.equal(points.length, results.length);
    assert.equal(final.plan.end, results.length);
    assert.ok(points.every((p, i) => (p as unknown as { id: number }).id === i + 1));
    const evil = points.find((p) => p.name.startsWith("Cluster default/pg"));
    assert.equal(evil?.ok, false);
    assert.equal(evil?.skip, false, "the # in the name is no directive");
  });

  test("sarif: valid against the SARIF 2.1.0 schema; file names as URIs that decode to the file", async () => {
    const r = await run("-o", "sarif");
    const log = JSON.parse(r.stdout);
    assert.deepEqual(sarifErrors(log), []);
    const uris: string[] = log.runs[0].results.map((x: any) => x.locations[0].physicalLocation.artifactLocation.uri);
    assert.ok(uris.includes(pathToFileURL(join(dir, EVIL_FILE)).href), uris.join("\n"));
    assert.equal(fileURLToPath(pathToFileURL(join(dir, EVIL_FILE)).href), join(dir, EVIL_FILE));
  });
});
