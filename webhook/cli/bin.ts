#!/usr/bin/env node
// The `cnp-webhook` executable: the composition root. It wires the rule registry into the CLI.
import { RULES } from "../rules/registry.js";
import { main } from "./main.js";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

process.exitCode = await main(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), readStdin }, RULES);
