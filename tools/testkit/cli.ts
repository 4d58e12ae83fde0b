// The CLI as tests run it: in-process through `main` on buffers (fast: the default), or as a child
// process where the process boundary is the point (exit codes of bin.js, signals, a real stdin, output
// libraries write to the process's own stdout).
import { spawn } from "node:child_process";
import type { CommandIO } from "../../webhook/cli/command.js";
import { main } from "../../webhook/cli/main.js";
import { RULES } from "../../webhook/rules/registry.js";
import { CLI, REPO_ROOT } from "./paths.js";

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `cnp-webhook ARGS` in this process; `stdin` is what the path `-` reads (cut at the command's byte
 * limit, as bin.ts stops reading), `terminal` and `env` as bin.ts would pass them.
 */
export async function runMain(argv: readonly string[], io: Pick<CommandIO, "terminal" | "env"> & { stdin?: string } = {}): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const { stdin, ...rest } = io;
  const input = Buffer.from(stdin ?? "");
  const readStdin = async (maxBytes: number) => (input.length > maxBytes ? null : input);
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), readStdin, ...rest }, RULES);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

/** `node dist/webhook/cli/bin.js ARGS` as a child process, from the repository root unless `cwd` says otherwise. */
export function runCli(args: readonly string[], opts: { stdin?: string; cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? REPO_ROOT, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.end(opts.stdin ?? "");
  });
}
