// The oracles: what the real components said (robfig/cron v1.2.0, PostgreSQL 10-13), as data in the
// shared folder beside the repository (../shared/oracles, with a README explaining every field). They
// are read where they are, never copied into the project; a test that needs one skips, saying why,
// on a machine without that folder (a CI checkout of the repository alone).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { REPO_ROOT } from "./paths.js";

const ORACLES = join(REPO_ROOT, "..", "shared", "oracles");

/**
 * The JSON lines of an oracle file, or undefined after marking `t` skipped when the shared folder is
 * not here.
 */
export function readOracleLines<T>(t: TestContext, file: string): T[] | undefined {
  const path = join(ORACLES, file);
  if (!existsSync(path)) {
    t.skip(`${path} is not here: the oracles live beside the repository, not in it`);
    return undefined;
  }
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as T);
}

/** A line of robfig-cron-v1.2.0.jsonl: what cron.Parse made of one schedule. */
export interface RobfigLine {
  spec: string;
  ok: boolean;
  error?: string;
  next?: string[];
  never?: boolean;
  minGapSeconds?: number;
  /** The same spec read by ParseStandard (five fields), when it has five. */
  standard?: { ok: boolean; error?: string; next?: string[] };
}

export const ROBFIG_ORACLE = "robfig-cron-v1.2.0.jsonl";
