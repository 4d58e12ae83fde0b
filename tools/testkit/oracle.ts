// The oracles: what the real components said, one JSON line per case (../shared/oracles/README.md
// explains every field). The robfig/cron v1.2.0 oracle has a committed copy (test/fixtures/oracles);
// PostgreSQL's are test data read from ../shared/oracles only, never copied into the repository.
import { existsSync, readFileSync } from "node:fs";
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

/** The shared oracles, beside the repository when available (not in every CI checkout). */
const SHARED_ORACLES = join(REPO_ROOT, "..", "shared", "oracles");

const FILE = "robfig-cron-v1.2.0.jsonl";
/** The committed copy. */
export const ROBFIG_ORACLE = join(FIXTURES, "oracles", FILE);
/** The shared original. */
export const SHARED_ROBFIG_ORACLE = join(SHARED_ORACLES, FILE);

/** One JSON value a line, blank lines skipped. */
function readJsonLines<T>(file: string): T[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as T);
}

export const readOracle = (file = ROBFIG_ORACLE): OracleLine[] => readJsonLines<OracleLine>(file);

/** postgresql-parameters.jsonl: one spec.postgresql.parameters entry judged by one major's postmaster. */
export interface PgParameterLine {
  major: "10" | "11" | "12" | "13";
  name: string;
  value: string;
  kind: string;
  ok: boolean;
  error?: string;
  detail?: string;
  hint?: string;
  more?: string[];
  warning?: string;
  /** A real start with that configuration; env: the failure depends on the machine. */
  start?: { ok: boolean; fatal?: string; env?: string };
  /** The verdict depends on what the image has installed (locale, tzdata). */
  env?: string;
  /** Older or other builds of the major that disagree. */
  minors?: Record<string, { ok: boolean; error?: string }>;
}

/** One major's verdict on a pg_hba entry. */
export interface PgHbaVerdict {
  /** null: the build lacks the feature (`build` says which). */
  ok: boolean | null;
  error?: string;
  warning?: string;
  log?: string;
  ignored?: boolean;
  build?: string;
  env?: string;
  minors?: Record<string, { ok: boolean; error?: string }>;
}

/** postgresql-hba.jsonl: one spec.postgresql.pg_hba entry judged by each major. */
export interface PgHbaLine {
  line: string;
  kind: string;
  majors: Record<"10" | "11" | "12" | "13", PgHbaVerdict>;
}

/** postgresql-hot-standby.json: which settings a standby must keep at or above the primary's. */
export interface PgHotStandby {
  majors: Record<"10" | "11" | "12" | "13", { mustBeAtLeastPrimary: string[]; checkedNotRequired: string[] }>;
  tests: Array<{ major: string; test: string; primary?: number; standby?: number; hot_standby?: string; started: boolean; fatal: string | null }>;
}

/** A PostgreSQL oracle file, or why it cannot be read here (for the test's skip message). */
export function readPgOracle<T>(file: "postgresql-parameters.jsonl" | "postgresql-hba.jsonl"): { lines: T[] } | { missing: string };
export function readPgOracle<T>(file: "postgresql-hot-standby.json"): { lines: T } | { missing: string };
export function readPgOracle<T>(file: string): { lines: T[] | T } | { missing: string } {
  const path = join(SHARED_ORACLES, file);
  if (!existsSync(path)) return { missing: `${path} is not here (the shared oracles sit beside the repository only in the project's workspace)` };
  return { lines: file.endsWith(".jsonl") ? readJsonLines<T>(path) : (JSON.parse(readFileSync(path, "utf8")) as T) };
}
