// Colour and progress (webhook/cli/terminal.ts): only for a person at a terminal, never in a file or a CI log.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runMain } from "../../tools/testkit/cli.js";
import type { CommandIO } from "./command.js";
import { progress } from "./terminal.js";

const BAD = "test/fixtures/manifests/bad/cluster.yaml";
// biome-ignore lint/suspicious/noControlCharactersInRegex: the escape sequences are what is looked for.
const SGR = /\u001b\[\d+m/g;
const tty = { stdout: true, stderr: true };

describe("colour: a terminal without NO_COLOR, or --color always", () => {
  test("on a terminal, severities and verdicts are coloured; our words only", async () => {
    const r = await runMain(["validate", BAD], { terminal: tty, env: {} });
    assert.equal(r.code, 1);
    const sgr = (code: number, word: string) => `\u001b[${code}m${word}\u001b[0m`;
    assert.ok(r.stdout.includes(`: ${sgr(31, "error")}: Cluster default/pg: spec.instances: `), r.stdout);
    assert.ok(r.stdout.includes(`: ${sgr(33, "warning")}: `), r.stdout);
    assert.ok(r.stdout.includes(`\ncluster.postgresql.k8s.enterprisedb.io/pg ${sgr(31, "denied")} (`), r.stdout);
    // Without the colour, the very same report.
    const plain = await runMain(["validate", BAD]);
    assert.equal(r.stdout.replace(SGR, ""), plain.stdout);
  });

  test("off: NO_COLOR, TERM=dumb, --color never, stdout not a terminal, and every format but text", async () => {
    const cases: [string[], Pick<CommandIO, "terminal" | "env">][] = [
      [[], { terminal: tty, env: { NO_COLOR: "1" } }],
      [[], { terminal: tty, env: { TERM: "dumb" } }],
      [["--color", "never"], { terminal: tty, env: {} }],
      [[], { terminal: { stdout: false, stderr: true }, env: {} }],
      [["-o", "json"], { terminal: tty, env: {} }],
      [["-o", "github", "--color", "always"], { terminal: tty, env: {} }],
    ];
    for (const [flags, io] of cases) {
      const r = await runMain(["validate", ...flags, BAD], io);
      assert.doesNotMatch(r.stdout, SGR, `${flags.join(" ")} ${JSON.stringify(io)}`);
    }
    const forced = await runMain(["validate", "--color", "always", BAD], { env: { NO_COLOR: "1" } });
    assert.match(forced.stdout, SGR, "--color always wins over NO_COLOR, as no-color.org allows");
    assert.equal((await runMain(["validate", "--color", "sometimes", BAD])).code, 2);
  });

  test("a manifest's own escape sequences stay escaped in a coloured report", async () => {
    const r = await runMain(["validate", "--color", "always", "test/fixtures/manifests/bad/draft.yaml", BAD], { env: {} });
    const ours = r.stdout.match(SGR) ?? [];
    assert.ok(ours.length > 0);
    assert.ok(ours.every((s) => ["\u001b[31m", "\u001b[33m", "\u001b[32m", "\u001b[0m"].includes(s)));
  });
});

describe("progress on stderr: a terminal, outside CI, after a second", () => {
  test("shown after 1 s, at most every 100 ms, rewritten in place, cleared before the report", () => {
    let now = 0;
    const written: string[] = [];
    const p = progress({ stdout: () => {}, stderr: (s) => written.push(s), terminal: { stdout: false, stderr: true }, env: {} }, "checked", () => now);
    assert.ok(p);
    p.update(1, 10);
    now = 999;
    p.update(2, 10);
    assert.deepEqual(written, [], "a quick run shows nothing");
    now = 1000;
    p.update(3, 10);
    now = 1050;
    p.update(4, 10);
    now = 1100;
    p.update(5, 10);
    p.end();
    p.end();
    assert.deepEqual(written, ["\r\u001b[Kchecked 3/10", "\r\u001b[Kchecked 5/10", "\r\u001b[K"]);
  });

  test("never in a file, a pipe or a CI log", () => {
    const io = (stderr: boolean, env: NodeJS.ProcessEnv): CommandIO => ({ stdout: () => {}, stderr: () => {}, terminal: { stdout: true, stderr }, env });
    assert.equal(progress(io(false, {}), "checked"), undefined);
    assert.equal(progress(io(true, { CI: "true" }), "checked"), undefined);
    assert.equal(progress({ stdout: () => {}, stderr: () => {} }, "checked"), undefined);
  });

  test("validate writes nothing on stderr when stderr is no terminal", async () => {
    const r = await runMain(["validate", "test/fixtures/seeds"], { terminal: { stdout: false, stderr: false }, env: {} });
    assert.equal(r.stderr, "");
  });
});
