// One property for every output format of `validate`: whatever a manifest holds in the places a user
// controls (names, namespaces, labels, annotation keys and values, field names, field values, file
// names), each format read back by an independent reader of that format (fast-xml-parser for JUnit,
// tap-parser for TAP, the SARIF 2.1.0 schema and JSON for SARIF, the runner's workflow-command grammar
// for GitHub, lines for text) yields exactly the findings of the JSON output: same objects, places,
// rules, severities and words, and nothing more (no forged element, test point, annotation or line).
// Strings are compared as escapeControl shows them: every format but JSON prints them that way.
// FORMAT_RUNS sets the number of manifests (25 in `make test`, 400 in `make soak`).
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import fc from "fast-check";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { API_VERSION } from "../schemas/kinds.js";
import { binaryUnit } from "../tools/fuzz/arbitraries.js";
import { budget } from "../tools/testkit/budget.js";
import { runMain } from "../tools/testkit/cli.js";
import { parseTap, parseWorkflowCommands, sarifErrors } from "../tools/testkit/readers.js";
import type { JsonResult } from "../webhook/checker/output/json.js";
import { escapeControl } from "../webhook/checker/report.js";

const RUNS = budget("FORMAT_RUNS", 25, 400);

/** What breaks readers: CDATA ends, XML, TAP and YAML syntax, workflow commands, line and paragraph separators, bidi controls, lone surrogates. */
const PIECES = [
  "]]>",
  "x]]>y]]></failure><system-out>FORGED</system-out><failure><![CDATA[",
  "<!--",
  "&amp;",
  "\u2028",
  "\u2029",
  "\u0085",
  "\u202e",
  "\u2066",
  "\ufeff",
  "\ufffe",
  "\ud800",
  "\udfff",
  "😀",
  "\n::error file=x.yaml,line=1::forged",
  "\r\n",
  "\n##[error]forged",
  "%0A",
  "%25",
  "::",
  ",",
  ":",
  "=",
  " # SKIP forged",
  "\\#",
  "\nnot ok 9 - forged",
  "\n---\n",
  "\n...\n",
  "\u001b[31m",
  "\u0000",
  "\t",
  '"',
  "'",
  "\\",
  "ok 1",
];
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ unit: binaryUnit, maxLength: 4 })), { minLength: 1, maxLength: 5 })
  .map((a) => a.join(""));
/** Either a hostile string or a plain one, so that objects also get past the checks a hostile name fails. */
const maybe = (plain: string) => fc.oneof(fc.constant(plain), hostile);

const manifest = fc.record({
  kind: fc.constantFrom("Cluster", "Backup", "ScheduledBackup"),
  name: maybe("pg"),
  namespace: maybe("team-1"),
  labelKey: hostile,
  labelValue: hostile,
  ignore: hostile,
  fieldName: hostile,
  value: hostile,
  file: hostile,
});
type Manifest = typeof manifest extends fc.Arbitrary<infer T> ? T : never;

function objectOf(m: Manifest): Record<string, unknown> {
  const spec: Record<string, unknown> =
    m.kind === "Cluster"
      ? { instances: 1, imageName: m.value, storage: { size: "1Gi" } }
      : m.kind === "Backup"
        ? { cluster: { name: m.value } }
        : { schedule: m.value, cluster: { name: "pg" } };
  spec[m.fieldName] = m.value;
  return {
    apiVersion: API_VERSION,
    kind: m.kind,
    metadata: {
      name: m.name,
      namespace: m.namespace,
      labels: { [m.labelKey]: m.labelValue },
      annotations: { "cnp-webhook.io/ignore": m.ignore, [m.labelKey]: m.value },
    },
    spec,
  };
}

/** JSON with everything outside ASCII as \u escapes: the manifest reaches validate exactly as generated. */
const asciiJson = (value: unknown): string => JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);

/**
 * A file name from a hostile string as a file system hands it back: no `/` or NUL, within 255 bytes,
 * and UTF-8 (a lone surrogate cannot be written; the name then holds U+FFFD, as a directory lists it).
 */
const fileName = (s: string, i: number): string => Buffer.from(`${i}-${s.replace(/[/\0]/g, "_").slice(0, 60)}.json`).toString("utf8");

interface Finding {
  file: string;
  line: number;
  column: number;
  rule: string;
  severity: string;
  text: string;
}

/** The findings of the JSON output, as every other format must show them. */
function expectedFindings(results: readonly JsonResult[]): Finding[] {
  return results.flatMap((r) => {
    const object = r.kind ? `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name || "<no name>"}: ` : "";
    const findings = [...r.errors.map((f) => ({ ...f, severity: "error" })), ...r.warnings.map((f) => ({ ...f, severity: "warning" }))];
    return findings.map((f) => ({
      file: r.file,
      line: f.line,
      column: f.column,
      rule: f.rule,
      severity: f.severity,
      text: escapeControl(`${object}${f.field ? `${f.field}: ` : ""}${f.message}`),
    }));
  });
}

const run = async (file: string, format: string) => (await runMain(["validate", "-o", format, file])).stdout;

/** A reader that keeps text as written: no number parsing, no trimming. */
const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  trimValues: false,
  isArray: (n) => ["testsuite", "testcase"].includes(n),
});

let dir: string;
let count = 0;

test(`every format reads back as the JSON output's findings, for ${RUNS} manifests with hostile strings in every place a user writes`, async () => {
  dir = mkdtempSync(join(tmpdir(), "cnp-formats-"));
  await fc.assert(
    fc.asyncProperty(manifest, async (m) => {
      const file = join(dir, fileName(m.file, count++));
      writeFileSync(file, asciiJson(objectOf(m)));
      const results = (JSON.parse(await run(file, "json")) as { results: JsonResult[] }).results;
      assert.equal(results.length, 1);
      const [result] = results as [JsonResult];
      const expected = expectedFindings(results);
      const line = (f: Finding) => `${escapeControl(f.file)}:${f.line}:${f.column}: ${f.severity}: ${f.text} [${escapeControl(f.rule)}]`;
      const object = escapeControl(`${result.kind} ${result.namespace}/${result.name || "<no name>"}`);

      // SARIF: valid against its schema; every result located, worded and ruled as in JSON.
      const sarif = JSON.parse(await run(file, "sarif"));
      assert.deepEqual(sarifErrors(sarif), []);
      const sarifResults = (sarif.runs[0].results as any[]).filter((x) => x.level !== "note" && !x.suppressions);
      assert.deepEqual(
        sarifResults.map((x) => {
          const { artifactLocation, region } = x.locations[0].physicalLocation;
          return {
            file: fileURLToPath(artifactLocation.uri),
            line: region.startLine,
            column: region.startColumn,
            rule: x.ruleId,
            severity: x.level,
            text: x.message.text,
          };
        }),
        expected,
        "SARIF",
      );

      // JUnit: well-formed; one case, named after the object, with one outcome element holding the findings' lines.
      const junit = await run(file, "junit");
      assert.equal(XMLValidator.validate(junit), true, "JUnit is well-formed XML");
      const suites = xml.parse(junit).testsuites.testsuite as any[];
      assert.equal(suites.length, 1);
      const [testcase] = suites[0].testcase as any[];
      assert.equal(suites[0].testcase.length, 1);
      assert.equal(testcase.name, object);
      assert.equal(testcase.classname, escapeControl(file));
      const outcome = result.status === "denied" ? "failure" : result.status === "error" ? "error" : result.status === "skipped" ? "skipped" : "system-out";
      const children = Object.keys(testcase).filter((k) => !["name", "classname", "file", "line", "#text"].includes(k));
      assert.deepEqual(children, expected.length > 0 || outcome !== "system-out" ? [outcome] : [], "no element the input wrote");
      if (expected.length > 0) {
        const body = outcome === "system-out" ? testcase[outcome] : testcase[outcome]["#text"];
        assert.deepEqual(String(body).split("\n"), expected.map(line), "JUnit");
      }

      // TAP: every line TAP, one point named after the object, the findings in its YAML block.
      const { points, extra, final } = await parseTap(await run(file, "tap"));
      assert.deepEqual(extra, [], "every line is TAP");
      assert.equal(points.length, 1);
      assert.equal(final.plan.end, 1);
      const [point] = points as [(typeof points)[number]];
      assert.equal(point.name, `${object} (${escapeControl(file)}:${result.line})`);
      const diag = (severity: string) =>
        expected.filter((f) => f.severity === severity).map((f) => ({ rule: escapeControl(f.rule), text: f.text, line: f.line, column: f.column }));
      const read = (list: any[] | undefined) =>
        (list ?? []).map((f) => ({ rule: f.rule, text: `${object}: ${f.field ? `${f.field}: ` : ""}${f.message}`, line: f.line, column: f.column }));
      if (result.kind) {
        assert.deepEqual(read(point.diag?.errors), diag("error"), "TAP errors");
        assert.deepEqual(read(point.diag?.warnings), diag("warning"), "TAP warnings");
      }

      // GitHub: every line the runner would read as a command is one of ours, one per finding.
      const github = await run(file, "github");
      const commands = parseWorkflowCommands(github).filter((c) => c.command !== "notice");
      assert.deepEqual(
        commands.map((c) => ({
          file: c.properties.file,
          line: Number(c.properties.line),
          column: Number(c.properties.col),
          rule: c.properties.title,
          severity: c.command,
          text: c.message,
        })),
        expected.map((f) => ({ ...f, file: escapeControl(f.file), rule: escapeControl(f.rule) })),
        "GitHub",
      );
      const lines = github.trimEnd().split("\n");
      assert.ok(
        lines.every((l) => !/^\s*##\[/.test(l)),
        "no legacy ##[command] line",
      );
      assert.equal(lines.filter((l) => !l.trim().startsWith("::")).length, 1, "the summary is the only other line");

      // Text: a line per finding, then the object's fate and the summary: no line the input wrote.
      const text = (await run(file, "text")).trimEnd().split("\n");
      assert.deepEqual(text.slice(0, expected.length), expected.map(line), "text");
      assert.equal(text.length, expected.length + 2 + (result.status === "admitted" || result.status === "denied" ? 0 : 1), text.join("\n"));
    }),
    { numRuns: RUNS },
  );
});
