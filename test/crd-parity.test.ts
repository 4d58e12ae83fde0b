// No stricter than the operator, and no laxer than its CRDs (README "Schemas"; docs/operator-0.5.md §10):
// the project's schemas against the CRDs release 0.5.0 shipped (a fixture, no network), node by node.
// Every difference must be classified in docs/operator-0.5.md; an unlisted difference, or a listed one
// that no longer exists, fails.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { crdDifferences, releaseCrds, type Difference } from "../tools/testkit/crd-parity.js";
import { REPO_ROOT } from "../tools/testkit/paths.js";
import { check, validBackup, validCluster, validScheduledBackup, withField } from "../tools/testkit/admission.js";

const DOC = join(REPO_ROOT, "docs", "operator-0.5.md");
const CLASSES = new Set(["operator-fails", "defaulted", "warning-only", "status"]);

interface Row extends Difference {
  readonly class: string;
  readonly why: string;
}

/** The rows of the table between the crd-parity markers. */
function classified(): Row[] {
  const text = readFileSync(DOC, "utf8");
  const [, table = ""] = /<!-- crd-parity:begin -->\n([\s\S]*?)<!-- crd-parity:end -->/.exec(text) ?? [];
  return table
    .split("\n")
    .filter((l) => l.startsWith("| `"))
    .map((l) => {
      const cells = l
        .slice(1, -1)
        .split(" | ")
        .map((c) => c.trim());
      const code = (c: string | undefined) => (c ?? "").replace(/^`|`$/g, "");
      return {
        node: code(cells[0]),
        keyword: code(cells[1]),
        project: code(cells[2]),
        release: code(cells[3]),
        class: cells[4] ?? "",
        why: cells.slice(5).join(" | "),
      };
    });
}

const key = (d: Difference) => `${d.node} ${d.keyword}: project ${d.project}, 0.5.0 ${d.release}`;

describe("CRD parity with release 0.5.0", () => {
  test("the fixture is the three CRDs of the release, as shipped", () => {
    const crds = releaseCrds();
    assert.deepEqual(
      crds.map((c) => [c.kind, c.keepsUnknownFields]),
      [
        ["Backup", true],
        ["Cluster", false],
        ["ScheduledBackup", true],
      ],
    );
  });

  test("every difference between the project's schemas and the release's CRDs is classified in docs/operator-0.5.md, and nothing else is", () => {
    const found = crdDifferences().map(key);
    const rows = classified();
    const listed = rows.map(key);
    assert.deepEqual(
      found.filter((k) => !listed.includes(k)),
      [],
      "differences not classified in docs/operator-0.5.md §10 (add a row: operator-fails with a file:line, defaulted, warning-only or status; or fix the schema)",
    );
    assert.deepEqual(
      listed.filter((k) => !found.includes(k)),
      [],
      "rows of docs/operator-0.5.md §10 that are no longer differences",
    );
    for (const row of rows) {
      assert.ok(CLASSES.has(row.class), `${key(row)}: unknown class ${JSON.stringify(row.class)}`);
      if (row.class === "operator-fails") assert.match(row.why, /\.(go|py):\d+/, `${key(row)}: an operator-fails row cites the code (file:line)`);
    }
  });
});

/** What the webhook says of one object: denied rules and fields, warned rules and fields. */
async function verdict(kind: "Cluster" | "Backup" | "ScheduledBackup", object: unknown) {
  const c = await check(kind, object, { state: { secrets: { "aws-creds": ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"] } } });
  return { denied: c.violations.map((v) => `${v.rule} ${v.field}`), warned: c.warningFindings.map((w) => `${w.rule} ${w.field}`), messages: c.errors };
}

describe("what release 0.5 runs as meant is admitted (the false denials found)", () => {
  test("startDelay and stopDelay 0 or negative: release 0.5 reads them as 30 s (api/v1alpha1/cluster_types.go:525-539)", async () => {
    for (const v of [0, -5]) {
      const c = withField(withField(validCluster(), "spec.startDelay", v), "spec.stopDelay", v);
      assert.deepEqual((await verdict("Cluster", c)).denied, []);
    }
  });

  test('primaryUpdateStrategy "" is unsupervised (cluster_types.go:542-549); another word is warned, not denied', async () => {
    assert.deepEqual(await verdict("Cluster", withField(validCluster(), "spec.primaryUpdateStrategy", "")), { denied: [], warned: [], messages: [] });
    const odd = await verdict("Cluster", withField(validCluster(), "spec.primaryUpdateStrategy", "Supervised"));
    assert.deepEqual([odd.denied, odd.warned], [[], ["cluster/primary-update-strategy spec.primaryUpdateStrategy"]]);
  });

  test('bootstrap.initdb.secret {} or {name: ""}: release 0.5 generates <cluster>-app (cluster_types.go:483-491)', async () => {
    for (const secret of [{}, { name: "" }]) {
      assert.deepEqual((await verdict("Cluster", withField(validCluster(), "spec.bootstrap", { initdb: { secret } }))).denied, []);
    }
  });

  test("unknown fields of a Backup or ScheduledBackup are kept by 0.5.0's CRDs and ignored: warned, naming the release that added them", async () => {
    const backup = await verdict("Backup", withField(validBackup(), "spec.method", "volumeSnapshot"));
    assert.deepEqual([backup.denied.filter((d) => d.startsWith("backup/schema")), backup.warned], [[], ["backup/unknown-field spec.method"]]);
    const scheduled = await check("ScheduledBackup", withField(validScheduledBackup(), "spec.immediate", true), {});
    assert.ok(scheduled.warnings.some((w) => w === 'spec.immediate: unknown field "immediate": first in release 1.8.0; release 0.5 keeps it and ignores it'));
    assert.deepEqual(
      scheduled.violations.filter((v) => v.rule === "scheduledbackup/schema"),
      [],
    );
  });
});

describe("what 0.5.0's CRDs refuse is denied, with the apiserver's message", () => {
  test("affinity without enablePodAntiAffinity, nodeMaintenanceWindow without inProgress, storage without size", async () => {
    let c = withField(validCluster(), "spec.affinity", { topologyKey: "kubernetes.io/hostname" });
    c = withField(c, "spec.nodeMaintenanceWindow", { reusePVC: true });
    c = withField(c, "spec.storage", { storageClass: "gp3" });
    const v = await verdict("Cluster", c);
    assert.deepEqual(v.denied.sort(), [
      "cluster/schema spec.affinity.enablePodAntiAffinity",
      "cluster/schema spec.nodeMaintenanceWindow.inProgress",
      "cluster/schema spec.storage.size",
    ]);
    assert.ok(v.messages.includes("spec.affinity.enablePodAntiAffinity: Required value"), v.messages.join("\n"));
  });

  test("resources and pvcTemplate as the CRD types them: quantities by pattern, unknown fields pruned", async () => {
    let c = withField(validCluster(), "spec.resources", { requests: { cpu: "2 cores", memory: 512 }, claims: [] });
    c = withField(c, "spec.storage.pvcTemplate", { resources: { requests: { storage: "10Gi" } }, volumeMode: "Filesystem", dataSourceRef: {} });
    const v = await verdict("Cluster", c);
    assert.deepEqual(v.denied.sort(), [
      "cluster/schema spec.resources.claims",
      "cluster/schema spec.resources.requests.cpu",
      "cluster/schema spec.storage.pvcTemplate.dataSourceRef",
    ]);
    assert.ok(
      v.messages.some((m) =>
        m.startsWith('spec.resources.requests.cpu: Invalid value: "2 cores": spec.resources.requests.cpu in body should match \'^(\\+|-)?'),
      ),
      v.messages.join("\n"),
    );
  });
});
