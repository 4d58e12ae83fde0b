#!/usr/bin/env node
// The `cnp-webhook` executable: the composition root. It wires the rule registry into the CLI.
import { RULES } from "../rules/registry.js";
import { main } from "./main.js";

/** Standard input, up to `maxBytes`: beyond that it stops reading and answers null (validate --max-file-size). */
async function readStdin(maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of process.stdin) {
    length += (chunk as Buffer).length;
    if (length > maxBytes) {
      process.stdin.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

process.exitCode = await main(
  process.argv.slice(2),
  {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    readStdin,
    terminal: { stdout: process.stdout.isTTY === true, stderr: process.stderr.isTTY === true },
    env: process.env,
  },
  RULES,
);
