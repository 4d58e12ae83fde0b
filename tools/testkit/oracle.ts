// The oracles: what the real components said (robfig/cron v1.2.0, PostgreSQL 10-13), as data in the
// shared folder beside the repository (../shared/oracles, with a README explaining every field). They
// are read where they are, never copied into the project; a test that needs one skips, saying why,
// on a machine without that folder (a CI checkout of the repository alone).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { REPO_ROOT } from "./paths.js";

const ORACLES = join(REPO_ROOT, "..", "shared", "oracles");

/** The oracle file's path, or undefined after marking `t` skipped when the shared folder is not here. */
function oraclePath(t: TestContext, file: string): string | undefined {
  const path = join(ORACLES, file);
  if (existsSync(path)) return path;
  t.skip(`${path} is not here: the oracles live beside the repository, not in it`);
  return undefined;
}

/** The JSON lines of an oracle file (`.jsonl`); undefined, the test skipped, without the shared folder. */
export function readOracleLines<T>(t: TestContext, file: string): T[] | undefined {
  const path = oraclePath(t, file);
  return path ? readJsonLines<T>(path) : undefined;
}

/** An oracle file that is one JSON document; undefined, the test skipped, without the shared folder. */
export function readOracleJson<T>(t: TestContext, file: string): T | undefined {
  const path = oraclePath(t, file);
  return path ? (JSON.parse(readFileSync(path, "utf8")) as T) : undefined;
}

/** One JSON value a line, blank lines skipped. */
function readJsonLines<T>(file: string): T[] {
  return readFileSync(file, "utf8")
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
