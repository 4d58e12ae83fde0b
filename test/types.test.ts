// Schema package: downstream TypeScript can `import type { Cluster } from "cnp-webhook"`,
// and the generated types accept the valid objects and refuse the wrong ones (README "The CRDs and the types").
// The compiler runs in-process through its API, as `tsc --noEmit -p` would on the fixture's tsconfig.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import ts from "typescript";
import { REPO_ROOT } from "../tools/testkit/paths.js";

const ROOT = REPO_ROOT;
const FIXTURE = join(ROOT, "test", "fixtures", "types");

/**
 * Parsed files by name, shared by the programs below: the standard library and the package's
 * declarations are read once, each program only type-checks its own files (what `tsc --noEmit -p`
 * does, without a process and a parse per run).
 */
const parsedFiles = new Map<string, ts.SourceFile>();

/** The diagnostics of `tsc --noEmit -p <project>`, in-process; `replace` stands in for a file's text. */
function typeCheck(project: string, replace?: { file: string; text: string }): readonly ts.Diagnostic[] {
  const configPath = join(ROOT, project);
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  assert.equal(config.error, undefined);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, join(configPath, ".."), undefined, configPath);
  assert.deepEqual(parsed.errors, []);
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    if (replace && (fileName === replace.file || fileName === replace.file.replace(/\\/g, "/")))
      return ts.createSourceFile(fileName, replace.text, languageVersion);
    const cached = parsedFiles.get(fileName);
    if (cached) return cached;
    const file = getSourceFile(fileName, languageVersion, ...rest);
    if (file && !fileName.startsWith(FIXTURE.replace(/\\/g, "/"))) parsedFiles.set(fileName, file);
    return file;
  };
  return ts.getPreEmitDiagnostics(ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host }));
}

/** The diagnostics as tsc prints them: `file(line,col): error TSnnnn: message`. */
const tscErrors = (diagnostics: readonly ts.Diagnostic[]): string[] =>
  ts
    .formatDiagnostics(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" })
    .split("\n")
    .filter((l) => /error TS\d+/.test(l));

describe("the generated types, imported by the package's name", () => {
  test("the package entry is built and re-exports the generated types", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; exports: Record<string, { types?: string }> };
    assert.equal(pkg.name, "cnp-webhook");
    const types = pkg.exports["."]?.types;
    assert.equal(types, "./dist/webhook/index.d.ts");
    assert.ok(existsSync(join(ROOT, types)), `${types} is missing: build with 'npx tsc -p tsconfig.json' first`);
    assert.match(readFileSync(join(ROOT, types), "utf8"), /export type \* from "\.\.\/generated\/types\/index\.js";/);
  });

  test("tsc accepts consumer.ts and its @ts-expect-error lines, and fails on broken.ts", () => {
    const good = tscErrors(typeCheck(join("test", "fixtures", "types", "tsconfig.json")));
    assert.deepEqual(good, [], "tsc on consumer.ts");
    const errors = tscErrors(typeCheck(join("test", "fixtures", "types", "tsconfig.broken.json")));
    assert.equal(errors.length, 1, `tsc must fail on broken.ts, or the consumer check proves nothing: ${errors.join("\n")}`);
    assert.match(errors[0]!, /broken\.ts\(\d+,\d+\): error TS\d+: Type '"zip"' is not assignable to type 'CompressionType \| undefined'/);
  });

  test("each @ts-expect-error in consumer.ts stands for the error it names", () => {
    // The same program in-process, with every directive blanked: each must uncover exactly the
    // error it was put there for, on the line below it, and nothing else may fail.
    const expected: RegExp[] = [
      /'"zip"' is not assignable to type 'CompressionType/,
      /'"SHA256"' is not assignable to type 'EncryptionType/,
      /'string' is not assignable to type 'number'/,
      /Property 'cluster' is missing .* 'BackupSpec'/,
      /Property 'schedule' is missing .* 'ScheduledBackupSpec'/,
      /Property 'instances' is missing .* 'ClusterSpec'/,
      /Property 's3Credentials' is missing .* 'BarmanObjectStoreConfiguration'/,
      /'endpointUrl' does not exist in type 'BarmanObjectStoreConfiguration'. Did you mean to write 'endpointURL'\?/,
      /'string' is not assignable to type 'number'/,
      /Type 'number' is not assignable to type 'string'/,
    ];
    const consumer = join(FIXTURE, "consumer.ts");
    const source = readFileSync(consumer, "utf8");
    const lines = source.split("\n");
    const directives = lines.flatMap((l, i) => (l.trim().startsWith("// @ts-expect-error") ? [i] : []));
    assert.equal(directives.length, expected.length, "one expectation per @ts-expect-error");
    const blanked = lines.map((l, i) => (directives.includes(i) ? l.replace("// @ts-expect-error", "// (expect-error)") : l)).join("\n");
    const diagnostics = typeCheck(join("test", "fixtures", "types", "tsconfig.json"), { file: consumer, text: blanked }).map((d) => ({
      line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1,
      text: ts.flattenDiagnosticMessageText(d.messageText, " "),
    }));
    assert.deepEqual(
      diagnostics.map((d) => d.line),
      directives.map((i) => i + 1),
      `errors at lines ${diagnostics.map((d) => `${d.line + 1}: ${d.text}`).join("\n")}`,
    );
    diagnostics.forEach((d, i) => assert.match(d.text, expected[i]!, `line ${d.line + 1}`));
  });
});
