// Where things are, for tests that run compiled from dist/: the repository root and its folders.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "schemas"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no repository root above ${from}`);
    dir = up;
  }
  return dir;
}

/** The repository root (holds package.json and schemas/). */
export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
export const FIXTURES = join(REPO_ROOT, "test", "fixtures");
/** The compiled CLI, as `npx cnp-webhook` runs it. */
export const CLI = join(REPO_ROOT, "dist", "webhook", "cli", "bin.js");
/** The user's seed documents, beside the repository when available (not in every CI checkout). */
export const SEED_LATER = join(REPO_ROOT, "..", "shared", "seeds", "000_402eb07b030ad3af.txt");
export const SEED_DRAFT = join(REPO_ROOT, "..", "shared", "seeds", "001_41bcc890fdbe8abf.txt");
