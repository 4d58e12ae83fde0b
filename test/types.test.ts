// Schema package: downstream TypeScript can `import type { Cluster } from "cnp-webhook"`,
// and the generated types accept the valid objects and refuse the wrong ones (README "The CRDs and the types").
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import ts from "typescript";
import { REPO_ROOT } from "../tools/testkit/paths.js";

const ROOT = REPO_ROOT;
const FIXTURE = join(ROOT, "test", "fixtures", "types");

interface Run {
  code: number;
  output: string;
}

/** `npx tsc --noEmit -p <project>` from the repository root (no install: the repo's own tsc). */
async function tsc(project: string): Promise<Run> {
  const npx = process.platform === "win32" ? "npx.cmd" : "npx";
  try {
    const { stdout, stderr } = await promisify(execFile)(npx, ["--no-install", "tsc", "--noEmit", "-p", project], { cwd: ROOT, timeout: 60_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, output: `${e.stdout ?? ""}${e.stderr ?? ""}${typeof e.code === "string" ? e.code : ""}` };
  }
}

/** tsc's own error lines (npm's warnings about its configuration are not ours). */
const tscErrors = (output: string): string[] => output.split("\n").filter((l) => /error TS\d+/.test(l));

describe("the generated types, imported by the package's name", () => {
  test("the package entry is built and re-exports the generated types", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; exports: Record<string, { types?: string }> };
    assert.equal(pkg.name, "cnp-webhook");
    const types = pkg.exports["."]?.types;
    assert.equal(types, "./dist/webhook/index.d.ts");
    assert.ok(existsSync(join(ROOT, types)), `${types} is missing: build with 'npx tsc -p tsconfig.json' first`);
    assert.match(readFileSync(join(ROOT, types), "utf8"), /export type \* from "\.\.\/generated\/types\/index\.js";/);
  });

  test("tsc accepts consumer.ts and its @ts-expect-error lines, and fails on broken.ts", async () => {
    const [good, bad] = await Promise.all([
      tsc(join("test", "fixtures", "types", "tsconfig.json")),
      tsc(join("test", "fixtures", "types", "tsconfig.broken.json")),
    ]);
    assert.equal(good.code, 0, `tsc on consumer.ts:\n${good.output}`);
    assert.deepEqual(tscErrors(good.output), []);

    assert.notEqual(bad.code, 0, "tsc must fail on broken.ts, or the consumer check proves nothing");
    const errors = tscErrors(bad.output);
    assert.equal(errors.length, 1, bad.output);
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
    const configPath = join(FIXTURE, "tsconfig.json");
    const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
    assert.equal(config.error, undefined);
    const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, FIXTURE, undefined, configPath);
    assert.deepEqual(parsed.errors, []);
    const consumer = join(FIXTURE, "consumer.ts");
    const source = readFileSync(consumer, "utf8");
    const lines = source.split("\n");
    const directives = lines.flatMap((l, i) => (l.trim().startsWith("// @ts-expect-error") ? [i] : []));
    assert.equal(directives.length, expected.length, "one expectation per @ts-expect-error");
    const blanked = lines.map((l, i) => (directives.includes(i) ? l.replace("// @ts-expect-error", "// (expect-error)") : l)).join("\n");

    const host = ts.createCompilerHost(parsed.options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, languageVersion, ...rest) =>
      fileName === consumer.replace(/\\/g, "/") || fileName === consumer
        ? ts.createSourceFile(fileName, blanked, languageVersion)
        : getSourceFile(fileName, languageVersion, ...rest);
    const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ({
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
