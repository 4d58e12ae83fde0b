// The robfig/cron v1.2.0 oracle (test/fixtures/oracles, a copy of ../shared/oracles): what the real
// library said of 3,117 schedules, one JSON line each.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURES, REPO_ROOT } from "./paths.js";

export interface OracleLine {
  spec: string;
  ok: boolean;
  error?: string;
  next?: string[];
  never?: boolean;
  minGapSeconds?: number;
  /** The same spec read by ParseStandard (five fields), when it has five. */
  standard?: { ok: boolean; error?: string; next?: string[] };
}

const FILE = "robfig-cron-v1.2.0.jsonl";
/** The committed copy. */
export const ROBFIG_ORACLE = join(FIXTURES, "oracles", FILE);
/** The shared original, beside the repository when available (not in every CI checkout). */
export const SHARED_ROBFIG_ORACLE = join(REPO_ROOT, "..", "shared", "oracles", FILE);

export const readOracle = (file = ROBFIG_ORACLE): OracleLine[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as OracleLine);
