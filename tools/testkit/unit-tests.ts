// The unit tests that sit beside their code (certs/, webhook/), run in one process. Under `node --test`
// each file gets a fresh Node and loads its module graph again: for these 47 small files that start-up
// was two thirds of their CPU (22 s alone, 8.6 s together). Node 22.8's `--test-isolation=none` does the
// same; Node 20 has no such flag. They keep no state at module level that another file could see.
// One file alone still runs as usual: `node --test dist/webhook/rules/cluster.test.js`.
import { readdirSync } from "node:fs";

/** Where the unit tests live, relative to dist/ (the Makefile's RUN_TESTS leaves these out of its list). */
const UNIT_TEST_DIRS = ["certs", "webhook"] as const;

const dist = new URL("../../", import.meta.url);
for (const dir of UNIT_TEST_DIRS) {
  const files = readdirSync(new URL(`${dir}/`, dist), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test.js"))
    .sort();
  for (const file of files) await import(new URL(`${dir}/${file}`, dist).href);
}
