// README "Two commands": the AdmissionReview the curl example posts is posted to the webhook as `make
// run` serves it (no cluster, default flags), and its answer must be the one the README shows. When a
// rule's verdict or wording changes, this fails with the real answer; to write it into the README:
//
//   npx tsc -p tsconfig.json && README_UPDATE=1 node --test dist/test/readme-curl.test.js
//
// then read the diff of README.md, and the README's prose around the example, before committing.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { REPO_ROOT } from "../tools/testkit/paths.js";
import { startWebhook, type TestWebhook } from "../tools/testkit/webhook.js";

const README_PATH = join(REPO_ROOT, "README.md");
const README = readFileSync(README_PATH, "utf8");

/** The curl command's path and its here-document (the body it posts). */
const CURL = /https:\/\/localhost:9443(\/\S+) \\\n[^\n]*--data @- <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(README);
/** The answer block: the first JSON block after "The answer". */
const ANSWER = /The answer \(pretty-printed here\):\n\n```json\n([\s\S]*?)\n```/.exec(README);

/**
 * The answer as the README prints it: two-space JSON, each cause on one line so that a reader sees
 * field, reason and message together.
 */
function readmeStyle(answer: unknown): string {
  const oneLine = (o: Record<string, unknown>) =>
    `{${Object.entries(o)
      .map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`)
      .join(", ")}}`;
  const placeholders: string[] = [];
  const text = JSON.stringify(
    answer,
    (key, value) => {
      if (key !== "causes" || !Array.isArray(value)) return value;
      return value.map((cause: Record<string, unknown>) => {
        placeholders.push(oneLine(cause));
        return `\u0000${placeholders.length - 1}`;
      });
    },
    2,
  );
  return text.replace(/"\\u0000(\d+)"/g, (_m, i: string) => placeholders[Number(i)] ?? "");
}

let webhook: TestWebhook;
before(async () => {
  webhook = await startWebhook();
});
after(async () => webhook?.close());

test("the README's curl example gets the answer the README shows (README_UPDATE=1 rewrites it)", async () => {
  assert.ok(CURL && ANSWER, "the README has the curl example and its answer");
  const [, path, body] = CURL;
  const reply = await webhook.post(path ?? "", JSON.parse(body ?? ""));
  assert.equal(reply.status, 200, reply.text);
  const shown = JSON.parse(ANSWER[1] ?? "");
  if (process.env.README_UPDATE === "1") {
    writeFileSync(README_PATH, README.replace(ANSWER[1] ?? "", readmeStyle(reply.json)));
    return;
  }
  assert.deepEqual(
    reply.json,
    shown,
    "the README's answer is stale: run `README_UPDATE=1 node --test dist/test/readme-curl.test.js` (see this file's header) and review the diff",
  );
  assert.equal(readmeStyle(shown), ANSWER[1], "the README's block is in the shape README_UPDATE writes");
});
