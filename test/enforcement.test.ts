// Enforcement modes from the outside (README "Rolling out"): over HTTPS, with the metric and the log
// line; `cnp-webhook serve --enforcement warn --kubeconfig` as a process, with references read from a
// local kube-apiserver; and the flags' usage errors.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../schemas/kinds.js";
import { freePort, serveArgs, startNode, stop, waitReady, type Child } from "../tools/bench/harness.js";
import { validBackup, validCluster } from "../tools/testkit/admission.js";
import { sharedCerts, tempDir, type CertFiles } from "../tools/testkit/certs.js";
import { runMain } from "../tools/testkit/cli.js";
import { request } from "../tools/testkit/https.js";
import { startKubeApiServer, type KubeApiServer } from "../tools/testkit/kube-api-server.js";
import { admissionReview } from "../tools/testkit/review.js";
import { startWebhook, type AdmissionResponse, type TestWebhook } from "../tools/testkit/webhook.js";
import { catalog } from "../webhook/admission/catalog.js";
import { route } from "../webhook/routes.js";
import { RULES } from "../webhook/rules/registry.js";

/** Denied twice in deny mode: by the schema (instances 0) and by a rule (the image tag). */
function badCluster() {
  const cluster = validCluster("pg");
  cluster.spec.instances = 0;
  cluster.spec.imageName = "quay.io/enterprisedb/postgresql:latest";
  return cluster;
}

const wouldDeny = (r: AdmissionResponse | undefined): string[] => (r?.warnings ?? []).filter((w) => w.startsWith("would deny: "));

/** Prometheus text: the value of one sample, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${want}} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

const httpGet = (port: number, p: string): Promise<string> =>
  new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path: p }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c.toString()));
        res.on("end", () => resolve(text));
      })
      .on("error", reject);
  });

describe("enforcement over HTTPS", () => {
  let deny: TestWebhook;
  let warn: TestWebhook;
  let schemaOnly: TestWebhook;
  before(async () => {
    deny = await startWebhook();
    warn = await startWebhook({ enforcement: { mode: "warn", warnOnly: new Set() } });
    schemaOnly = await startWebhook({ enforcement: { mode: "deny", warnOnly: new Set(["cluster/schema"]) } });
  });
  after(async () => {
    await Promise.all([deny.close(), warn.close(), schemaOnly.close()]);
  });

  it("warn mode admits what deny mode refuses, tells the user, logs the rules and counts them", async () => {
    const refused = await deny.review("Cluster", badCluster());
    assert.equal(refused.response?.allowed, false);
    const causes = refused.response?.status?.details?.causes ?? [];
    assert.ok(causes.length >= 2);

    const admitted = await warn.review("Cluster", badCluster(), { uid: "warn-1" });
    assert.equal(admitted.status, 200);
    assert.equal(admitted.response?.allowed, true);
    assert.equal(admitted.response?.status, undefined);
    assert.deepEqual(
      wouldDeny(admitted.response).map((w) => w.split(": ")[1]),
      causes.map((c) => c.field),
    );
    assert.ok(wouldDeny(admitted.response).includes("would deny: spec.instances: Invalid value: 0: must be greater than or equal to 1"));

    // The mutating webhook still defaults (nothing to deny there).
    const mutated = await warn.review("Cluster", badCluster(), { role: "mutate" });
    assert.deepEqual([mutated.response?.allowed, wouldDeny(mutated.response)], [true, []]);

    const line = warn.logs().find((l) => l.msg === "admission" && l["uid"] === "warn-1");
    const logged = line?.["wouldDeny"] as { rule: string; error: string }[] | undefined;
    assert.ok(logged && logged.length === causes.length, JSON.stringify(line));
    assert.equal(line?.["allowed"], true);
    const rules = [...new Set(logged.map((w) => w.rule))];
    assert.ok(rules.includes("cluster/schema"));
    const metrics = await warn.running.metrics.registry.metrics();
    for (const rule of rules) assert.equal(sample(metrics, "cnp_webhook_would_deny_total", { rule }), 1, rule);
    // Deny mode counts nothing as "would deny".
    assert.doesNotMatch(await deny.running.metrics.registry.metrics(), /cnp_webhook_would_deny_total\{/);
  });

  it("--warn-only: the schema's errors become warnings, a rule's error still denies", async () => {
    const answer = await schemaOnly.review("Cluster", badCluster());
    assert.equal(answer.response?.allowed, false);
    const fields = answer.response?.status?.details?.causes?.map((c) => c.field) ?? [];
    assert.ok(fields.includes("spec.imageName"));
    assert.ok(!fields.includes("spec.instances"));
    assert.deepEqual(wouldDeny(answer.response), ["would deny: spec.instances: Invalid value: 0: must be greater than or equal to 1"]);
    const metrics = await schemaOnly.running.metrics.registry.metrics();
    assert.equal(sample(metrics, "cnp_webhook_would_deny_total", { rule: "cluster/schema" }), 1);
  });
});

describe("cnp-webhook serve --enforcement warn --kubeconfig (local kube-apiserver)", () => {
  let api: KubeApiServer;
  let certs: CertFiles;
  let dir: string;
  let child: Child;
  let port: number;
  let metricsPort: number;
  let logFile: string;
  before(async () => {
    api = await startKubeApiServer();
    certs = await sharedCerts();
    dir = tempDir("enforcement-");
    logFile = path.join(dir, "serve.log");
    // A Cluster without a backup configuration: a Backup of it is denied in deny mode.
    const cluster = validCluster("pg");
    delete cluster.spec.backup;
    api.put({ ...cluster, apiVersion: API_VERSION, kind: "Cluster", metadata: { name: "pg", namespace: "app" }, status: { targetPrimary: "pg-1" } });
    [port, metricsPort] = [await freePort(), await freePort()];
    const kubeconfig = api.writeKubeconfig(dir);
    child = startNode(serveArgs({ port, metricsPort, cert: certs.cert, key: certs.key }, "--kubeconfig", kubeconfig, "--enforcement", "warn"), { logFile });
    await waitReady(port, certs.caPem, 30_000, 20, child);
  });
  after(async () => {
    if (child) await stop(child);
    await api?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const post = async (body: unknown): Promise<AdmissionResponse> => {
    const reply = await request(port, certs.caPem, { path: `${route("validate", "Backup").path}?timeout=10s`, body });
    return (JSON.parse(reply.body) as { response: AdmissionResponse }).response;
  };

  it("a Backup of a Cluster without backup configuration (read from the API) is admitted with 'would deny:'", async () => {
    const backup = validBackup("b1", "pg");
    backup.metadata = { name: "b1", namespace: "app" };
    const response = await post(admissionReview("Backup", backup, { uid: "live-warn-1" }));
    assert.equal(response.allowed, true);
    const warnings = wouldDeny(response);
    assert.equal(warnings.length, 1, JSON.stringify(response));
    assert.match(warnings[0]!, /^would deny: spec\.cluster\.name: Invalid value: "pg": Cluster "pg" has no backup configuration/);
    // From the API: listed by the Cluster watch cache (or read with one GET, had the cache not known it).
    assert.ok(
      api.requests.some((r) => r.path.endsWith("/namespaces/app/clusters/pg") || /\/clusters$/.test(r.path)),
      "the Cluster was read from the API",
    );

    // The same Backup of a Cluster that has one passes without any would-deny warning.
    api.put({
      ...validCluster("pg2"),
      apiVersion: API_VERSION,
      kind: "Cluster",
      metadata: { name: "pg2", namespace: "app" },
      status: { targetPrimary: "pg2-1" },
    });
    const fine = validBackup("b2", "pg2");
    fine.metadata = { name: "b2", namespace: "app" };
    const ok = await post(admissionReview("Backup", fine, { uid: "live-warn-2" }));
    assert.deepEqual([ok.allowed, wouldDeny(ok)], [true, []]);

    const metrics = await httpGet(metricsPort, "/metrics");
    // The log line of the first admission says which rule would have denied; the counter agrees.
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      line = fs
        .readFileSync(logFile, "utf8")
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l["uid"] === "live-warn-1");
      if (!line) await new Promise((r) => setTimeout(r, 100)); // the log is flushed every 250 ms
    }
    const logged = line?.["wouldDeny"] as { rule: string; error: string }[] | undefined;
    assert.equal(logged?.length, 1, JSON.stringify(line));
    assert.match(logged![0]!.error, /^spec\.cluster\.name: Invalid value: "pg": Cluster "pg" has no backup configuration/);
    assert.equal(sample(metrics, "cnp_webhook_would_deny_total", { rule: logged![0]!.rule }), 1);
    const serving = fs
      .readFileSync(logFile, "utf8")
      .split("\n")
      .find((l) => l.includes('"msg":"serving"'));
    assert.match(serving ?? "", /"enforcement":\{"mode":"warn","warnOnly":\[\]\}/);
  });
});

describe("serve's enforcement flags", () => {
  it("an unknown --warn-only rule or --enforcement mode is a usage error (exit 2) listing what is allowed", async () => {
    const ids = catalog(RULES).map((e) => e.id);
    const unknown = await runMain(["serve", "--warn-only", `cluster/schema,${ids[1]}x`]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, new RegExp(`--warn-only: unknown rule "${ids[1]}x"`));
    for (const id of ids) assert.ok(unknown.stderr.includes(id), id);
    // A near miss is named; something far from every ID is not guessed at.
    assert.match(unknown.stderr, new RegExp(`unknown rule "${ids[1]}x" \\(did you mean "${ids[1]}"\\?\\);`));
    const far = await runMain(["serve", "--warn-only", "nonsense"]);
    assert.equal(far.code, 2);
    assert.match(far.stderr, /unknown rule "nonsense"; the rule IDs are: /);
    const mode = await runMain(["serve", "--enforcement", "audit"]);
    assert.equal(mode.code, 2);
    assert.match(mode.stderr, /--enforcement must be one of deny, warn, not "audit"/);
  });

  it("--help documents both", async () => {
    const { code, stdout } = await runMain(["serve", "--help"]);
    assert.equal(code, 0);
    assert.match(stdout, /--enforcement MODE/);
    assert.match(stdout, /--warn-only IDS/);
  });
});
