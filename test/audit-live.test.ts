// `cnp-webhook audit` (README "Auditing a cluster") against the local API server holding hundreds of
// objects in 20 namespaces (AUDIT_PER_KIND: 300 in `make test`, thousands in `make soak`): Clusters with
// their Secrets, completed Backups, ScheduledBackups, and three objects a webhook switched on today
// would deny. Every object is read
// through paged lists (limit/continue), judged as a CREATE with references from the same cluster, and
// reported like `validate`: text or JSON, exit 1 when something would be denied, 2 when the cluster
// cannot be read.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { API_VERSION, GROUP } from "../schemas/kinds.js";
import { budget } from "../tools/testkit/budget.js";
import { runMain } from "../tools/testkit/cli.js";
import {
  completedBackup,
  credentialsSecret,
  deniedCluster,
  superuserSecret,
  validBackup,
  validCluster,
  validScheduledBackup,
  type JsonObject,
} from "../tools/fuzz/objects.js";
import { startKubeApiServer, type KubeApiServer } from "../tools/testkit/kube-api-server.js";

const PER_KIND = budget("AUDIT_PER_KIND", 300, 1000);
const NAMESPACES = 20;
/** Five pages and a bit for each kind, whatever PER_KIND. */
const PAGE_SIZE = Math.floor(PER_KIND / 5);
/** Objects audited in all namespaces: three kinds, plus the three bad ones. */
const AUDITED = 3 * PER_KIND + 3;

interface AuditJson {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  status: string;
  warnings: { rule: string; field: string; message: string }[];
  errors: { rule: string; field: string; message: string }[];
}
/** `audit --output json`: validate's shape, results and a summary. */
const parseAudit = (stdout: string) => JSON.parse(stdout) as { results: AuditJson[]; summary: { audited: number; admitted: number; denied: number } };

let api: KubeApiServer;
let tmp: string;
let kubeconfig: string;

const asKube = (o: JsonObject) => o as never;
const ns = (i: number) => `team-${i % NAMESPACES}`;

before(async () => {
  assert.equal(PER_KIND % NAMESPACES, 0, `AUDIT_PER_KIND=${PER_KIND}: a multiple of ${NAMESPACES}, as many in each namespace`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-audit-"));
  api = await startKubeApiServer();
  for (let i = 0; i < PER_KIND; i++) {
    const namespace = ns(i);
    const name = `pg-${i}`;
    const cluster = validCluster(name, namespace, { secret: `${name}-creds` });
    (((cluster.spec as JsonObject).backup as JsonObject).barmanObjectStore as JsonObject).destinationPath = `s3://acme-pg-backups/${namespace}/${name}`;
    api.put(asKube(cluster));
    api.put(asKube(credentialsSecret(`${name}-creds`, namespace)));
    api.put(asKube(superuserSecret(name, namespace)));
    api.put(asKube(completedBackup(`${name}-backup`, namespace, name, `${name}-creds`)));
    api.put(asKube(validScheduledBackup(`${name}-nightly`, namespace, name)));
  }
  // What nobody checked: a Cluster with instances 0 and a hash for an encryption, a five-field
  // schedule, a Backup of a Cluster that does not exist.
  api.put(asKube(deniedCluster("pg-bad", "team-0")));
  api.put(asKube(credentialsSecret("aws-creds", "team-0")));
  const hourly = validScheduledBackup("hourly", "team-1", "pg-1");
  (hourly.spec as JsonObject).schedule = "0 0 * * *";
  api.put(asKube(hourly));
  api.put(asKube(validBackup("orphan", "team-2", "no-such-cluster")));
  kubeconfig = api.writeKubeconfig(tmp);
});

after(async () => {
  await api?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const listRequests = (plural: string) => api.requests.filter((r) => r.query !== undefined && r.path.endsWith(`/${plural}`) && !r.query.includes("watch"));

describe("cnp-webhook audit", () => {
  it(`all namespaces, JSON: ${AUDITED} objects from paged lists; exactly the three bad ones denied, with their rule IDs`, async (t) => {
    api.requests.length = 0;
    const started = performance.now();
    const { code, stdout, stderr } = await runMain(["audit", "--kubeconfig", kubeconfig, "--output", "json", "--page-size", String(PAGE_SIZE)]);
    t.diagnostic(`${AUDITED} objects audited in ${(performance.now() - started).toFixed(0)} ms`);
    assert.equal(stderr, "");
    assert.equal(code, 1, "something would be denied");
    const { results, summary } = parseAudit(stdout);
    assert.equal(results.length, AUDITED);
    assert.deepEqual([summary.audited, summary.denied], [AUDITED, 3]);
    // Kinds in turn, as the lists were read.
    const firstOf = (kind: string) => results.findIndex((r) => r.kind === kind);
    assert.ok(firstOf("Cluster") === 0 && firstOf("Cluster") < firstOf("Backup") && firstOf("Backup") < firstOf("ScheduledBackup"));
    assert.deepEqual(
      results
        .filter((r) => r.status !== "admitted")
        .map((r) => ({ kind: r.kind, namespace: r.namespace, name: r.name, status: r.status, errors: r.errors.map((e) => [e.rule, e.field]) })),
      [
        {
          kind: "Cluster",
          namespace: "team-0",
          name: "pg-bad",
          status: "denied",
          errors: [
            ["cluster/schema", "spec.instances"],
            ["cluster/schema", "spec.backup.barmanObjectStore.wal.encryption"],
          ],
        },
        { kind: "Backup", namespace: "team-2", name: "orphan", status: "denied", errors: [["backup/cluster", "spec.cluster.name"]] },
        { kind: "ScheduledBackup", namespace: "team-1", name: "hourly", status: "denied", errors: [["schedule/five-fields", "spec.schedule"]] },
      ],
    );
    // Every reference of the others was found in the same cluster: nothing unverified.
    for (const r of results) {
      assert.equal(r.apiVersion, API_VERSION);
      assert.ok(!r.warnings.some((w) => w.message.includes("could not verify")), `${r.kind} ${r.namespace}/${r.name}: ${JSON.stringify(r.warnings)}`);
    }
    // Paged: each kind in pages of PAGE_SIZE, every page after the first with a continue token. Clusters
    // and Backups are listed twice, by the audit and by the reference caches (same page size).
    for (const [plural, lists] of [
      ["clusters", 2],
      ["backups", 2],
      ["scheduledbackups", 1],
    ] as const) {
      const pages = listRequests(plural);
      assert.ok(pages.every((r) => r.query!.includes(`limit=${PAGE_SIZE}`)));
      assert.equal(pages.filter((r) => !r.query!.includes("continue=")).length, lists, `${plural}: lists started`);
      assert.equal(pages.length, lists * Math.ceil((PER_KIND + 1) / PAGE_SIZE), `${plural}: pages`);
    }
    // Clusters and Backups come from the lists: GETs are for Secrets, and for the one name no list
    // had (read through, in case it was created since).
    const gets = api.requests.filter((r) => r.query === undefined);
    assert.ok(gets.length > 0);
    assert.deepEqual(
      gets.filter((r) => !r.path.includes("/secrets/") && r.path !== "/version").map((r) => r.path),
      [`/apis/${GROUP}/v1alpha1/namespaces/team-2/clusters/no-such-cluster`],
    );
  });

  it("--namespace: only that namespace is listed and judged; text like validate's, with a summary", async () => {
    api.requests.length = 0;
    const { code, stdout } = await runMain(["audit", "--kubeconfig", kubeconfig, "--namespace", "team-1"]);
    assert.equal(code, 1);
    const lines = stdout.trimEnd().split("\n");
    const perKind = PER_KIND / NAMESPACES;
    assert.equal(lines.at(-1), `${3 * perKind + 1} objects audited in namespace team-1: ${3 * perKind} admitted, 1 would be denied, 0 warnings`);
    assert.equal(lines.filter((l) => l.startsWith("Error (Invalid): ")).length, 1);
    assert.match(
      stdout,
      new RegExp(
        `^Error \\(Invalid\\): would deny creating "team-1/hourly": ScheduledBackup\\.${GROUP.replace(/\./g, "\\.")} "hourly" is invalid: spec\\.schedule: Invalid value: "0 0 \\* \\* \\*"`,
        "m",
      ),
    );
    assert.match(stdout, new RegExp(`^cluster\\.${GROUP.replace(/\./g, "\\.")}/pg-1 admitted \\(namespace team-1; \\d+ defaults would be applied\\)$`, "m"));
    for (const plural of ["clusters", "backups", "scheduledbackups"]) {
      const audited = api.requests.filter((r) => r.query?.includes("limit=500") && r.path.endsWith(`/${plural}`) && r.path.includes("/namespaces/"));
      assert.deepEqual(
        audited.map((r) => r.path),
        [`/apis/${GROUP}/v1alpha1/namespaces/team-1/${plural}`],
      );
    }
  });

  it("a namespace with nothing to deny → exit 0", async () => {
    const { code, stdout } = await runMain(["audit", "--kubeconfig", kubeconfig, "--namespace", "team-3", "--output", "json"]);
    assert.equal(code, 0);
    const { results } = parseAudit(stdout);
    assert.equal(results.length, (3 * PER_KIND) / NAMESPACES);
    assert.ok(results.every((r) => r.status === "admitted" && r.namespace === "team-3"));
  });

  it("a kind the credentials may not list → exit 2 naming it and the API server's reason; nothing printed on stdout", async () => {
    api.faultFor(`/apis/${GROUP}/v1alpha1/scheduledbackups`, "forbidden");
    try {
      const { code, stdout, stderr } = await runMain(["audit", "--kubeconfig", kubeconfig]);
      assert.equal(code, 2);
      assert.equal(stdout, "");
      assert.match(stderr, /^error: cannot list scheduledbackups: 403 Forbidden: .*cannot list resource "scheduledbackups"/);
    } finally {
      api.faultFor(`/apis/${GROUP}/v1alpha1/scheduledbackups`, undefined);
    }
  });

  it("usage errors → exit 2", async () => {
    for (const args of [["--output", "yaml"], ["--page-size", "0"], ["--namespace", "Not_A_Namespace"], ["extra-argument"]]) {
      const { code, stderr } = await runMain(["audit", "--kubeconfig", kubeconfig, ...args]);
      assert.equal(code, 2, args.join(" "));
      assert.match(stderr, /^error: /);
    }
  });
});
