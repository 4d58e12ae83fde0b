// --deny-backup-interval, --warn-backup-interval and --operator-version on `serve` and `validate`.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { validScheduledBackup } from "../tools/testkit/admission.js";
import { runCli, runMain } from "../tools/testkit/cli.js";
import { startWebhook } from "../tools/testkit/webhook.js";
import { ruleSettings } from "../webhook/cli/settings.js";
import { UsageError } from "../webhook/cli/command.js";
import type { JsonResult } from "../webhook/checker/output/json.js";

const dir = mkdtempSync(join(tmpdir(), "cnp-settings-"));
const quarterHourly = join(dir, "quarter-hourly.json");
writeFileSync(quarterHourly, JSON.stringify(validScheduledBackup("every-15m", "pg", "0 */15 * * * *")));

describe("rule settings flags", () => {
  test("validate: a schedule every 15 minutes warns by default, is denied below --deny-backup-interval 1h", async () => {
    const lenient = await runMain(["validate", "--output", "json", quarterHourly]);
    assert.equal(lenient.code, 0, lenient.stderr);
    const [lenientResult] = (JSON.parse(lenient.stdout) as { results: JsonResult[] }).results;
    assert.equal(lenientResult?.warnings[0]?.field, "spec.schedule");
    assert.match(lenientResult?.warnings[0]?.message ?? "", /^fires every 15m at its closest, 96 Backups a day/);
    const strict = await runMain(["validate", "--deny-backup-interval", "1h", quarterHourly]);
    assert.equal(strict.code, 1, strict.stdout);
    assert.match(strict.stdout, /schedules must fire at least 1h apart \(--deny-backup-interval\)/);
    const quiet = await runMain(["validate", "--output", "json", "--warn-backup-interval", "10m", quarterHourly]);
    const [quietResult] = (JSON.parse(quiet.stdout) as { results: JsonResult[] }).results;
    assert.deepEqual(
      quietResult?.warnings.map((w) => [w.field, w.message]),
      [["spec.cluster.name", 'could not verify Cluster "pg": not in the files']],
    );
  });

  test("an unknown --operator-version is a usage error listing the known releases, for serve and validate", async () => {
    for (const command of ["validate", "serve"]) {
      // serve as a child process: were the flag taken, it would listen until killed.
      const args = [command, "--operator-version", "1.0", ...(command === "validate" ? [quarterHourly] : [])];
      const r = command === "serve" ? await runCli(args, { timeoutMs: 20_000 }) : await runMain(args);
      assert.equal(r.code, 2, `${command}: ${r.stderr}`);
      assert.match(r.stderr, /--operator-version: unknown release "1\.0"; known: 0\.5/);
    }
  });

  test("durations are Go's; a bad or negative one is a usage error naming the flag", () => {
    assert.deepEqual(
      [ruleSettings({ "deny-backup-interval": "1h30m", "warn-backup-interval": "90s" })].map((s) => [s.denyBackupIntervalSeconds, s.warnBackupIntervalSeconds]),
      [[5400, 90]],
    );
    assert.deepEqual(ruleSettings({}).release.version, "0.5");
    assert.throws(
      () => ruleSettings({ "warn-backup-interval": "1 hour" }),
      (e: unknown) => e instanceof UsageError && /--warn-backup-interval/.test(e.message),
    );
    assert.throws(() => ruleSettings({ "deny-backup-interval": "-5m" }), UsageError);
  });

  test("serve: the settings reach the rules of the running webhook", async () => {
    const webhook = await startWebhook({ settings: ruleSettings({ "deny-backup-interval": "1h" }) });
    try {
      const answer = await webhook.review("ScheduledBackup", validScheduledBackup("every-15m", "pg", "0 */15 * * * *"));
      assert.equal(answer.response?.allowed, false);
      assert.deepEqual(
        answer.response?.status?.details?.causes?.map((c) => c.field),
        ["spec.schedule"],
      );
    } finally {
      await webhook.close();
    }
  });
});
