// Every metric of README "Install and operate" moves when its event happens, read back from /metrics as Prometheus scrapes it.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { readCertificateInfo, ensureCertificates } from "../certs/tls.js";
import { GROUP } from "../schemas/kinds.js";
import { makeCerts, tempDir, type CertFiles } from "../tools/testkit/certs.js";
import { request, waitFor } from "../tools/testkit/https.js";
import { backupReview } from "../tools/testkit/review.js";
import { startWebhook } from "../tools/testkit/webhook.js";
import { backupRule } from "../webhook/rules/builders.js";
import { NAME, NAMESPACE } from "../webhook/deployment.js";
import { route } from "../webhook/routes.js";
import type { ReferenceKind, ReferenceObjects } from "../webhook/references/reference-kinds.js";
import { absent, present, unknown, type Lookup, type ReferenceResolver } from "../webhook/references/resolver.js";
import { RULES } from "../webhook/rules/registry.js";
import type { RunningServer } from "../webhook/server/serve.js";

const validatePath = route("validate", "Backup").path;

/** A Backup rule that throws while `exploding` is set: a bug as the server must survive it. */
let exploding = false;
const explodingRule = backupRule({
  id: "test/throws",
  severity: "deny",
  summary: "a test rule",
  protects: "nothing",
  source: "a test",
  check: () => {
    if (exploding) throw new Error("boom");
    return [];
  },
});

/** Cluster lookups wait at the gate while it is closed; "pg" exists with a backup configuration. */
class GatedResolver implements ReferenceResolver {
  readonly source = "test resolver";
  private gate: Promise<void> = Promise.resolve();
  private openGate: () => void = () => {};
  /** Holds Cluster lookups until `open` (the resolver interface's close releases nothing here). */
  shut(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }
  close(): void {}
  open(): void {
    this.openGate();
  }
  private readonly find: { [K in ReferenceKind]: (namespace: string, name: string) => Promise<Lookup<ReferenceObjects[K]>> } = {
    Secret: async () => unknown("not in this test"),
    Backup: async () => absent,
    Cluster: async (namespace, name) => {
      await this.gate;
      if (name !== "pg") return absent;
      return present({
        apiVersion: `${GROUP}/v1alpha1`,
        kind: "Cluster",
        metadata: { name, namespace },
        spec: { instances: 1, backup: { barmanObjectStore: { destinationPath: "s3://backups/pg", s3Credentials: { accessKeyId: { name: "creds" } } } } },
      });
    },
  };
  lookup<K extends ReferenceKind>(kind: K, namespace: string, name: string): Promise<Lookup<ReferenceObjects[K]>> {
    return this.find[kind](namespace, name);
  }
  async lookupIndex() {
    return unknown("not in this test");
  }
}

let certs: CertFiles;
let server: RunningServer;
const resolver = new GatedResolver();

before(async () => {
  certs = await makeCerts();
  ({ running: server } = await startWebhook({
    certs,
    tlsCert: certs.cert,
    tlsKey: certs.key,
    metricsPort: "ephemeral",
    lookupTimeoutMs: 5000,
    logLevel: "silent",
    certificateReload: { pollIntervalMs: 500, debounceMs: 20, settleMs: 100 },
    resolver,
    registry: { ...RULES, Backup: { ...RULES.Backup, rules: [...RULES.Backup.rules, explodingRule] } },
  }));
});

after(async () => {
  await server.close(1000);
  fs.rmSync(certs.dir, { recursive: true, force: true });
});

function scrape(): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port: server.metricsPort, path: "/metrics", agent: false }, (res) => {
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers["content-type"]), /^text\/plain/);
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c));
        res.on("end", () => resolve(text));
      })
      .on("error", reject);
  });
}

/** The value of one sample in Prometheus text format; 0 when absent. Label order does not matter. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v) && Object.keys(found).length === Object.keys(labels).length) return Number(m[3]);
  }
  return 0;
}

const admitBackup = (cluster: string) => request(server.port, certs.caPem, { path: validatePath, body: backupReview(cluster) });

describe("metrics", () => {
  it("exposes every metric of the README (Install and operate), with duration buckets from 0.5 ms to 10 s", async () => {
    const text = await scrape();
    for (const name of [
      "cnp_webhook_requests_total",
      "cnp_webhook_request_duration_seconds",
      "cnp_webhook_requests_in_flight",
      "cnp_webhook_rule_errors_total",
      "cnp_webhook_reference_lookups_total",
      "cnp_webhook_certificate_reloads_total",
      "cnp_webhook_certificate_expiry_timestamp_seconds",
    ]) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), name);
    }
    assert.equal(sample(text, "cnp_webhook_requests_in_flight"), 0);
    await admitBackup("pg");
    const after = await scrape();
    assert.match(after, /^cnp_webhook_request_duration_seconds_bucket\{[^}]*le="0\.0005"[^}]*\} \d+$/m);
    assert.equal(sample(after, "cnp_webhook_request_duration_seconds_bucket", { webhook: "validate-backup", le: "10" }), 1);
  });

  it("requests_total, request_duration_seconds and requests_in_flight move with an admission", async () => {
    const before = await scrape();
    resolver.shut();
    const pending = admitBackup("pg");
    await waitFor(async () => sample(await scrape(), "cnp_webhook_requests_in_flight") === 1, "the request to be in flight");
    resolver.open();
    const reply = await pending;
    assert.equal(reply.status, 200);
    assert.equal((JSON.parse(reply.body) as { response: { allowed: boolean } }).response.allowed, true);
    const allowed = await scrape();
    assert.equal(sample(allowed, "cnp_webhook_requests_in_flight"), 0);
    const labels = { webhook: "validate-backup", allowed: "true" };
    assert.equal(sample(allowed, "cnp_webhook_requests_total", labels), sample(before, "cnp_webhook_requests_total", labels) + 1);
    const count = { webhook: "validate-backup" };
    assert.equal(sample(allowed, "cnp_webhook_request_duration_seconds_count", count), sample(before, "cnp_webhook_request_duration_seconds_count", count) + 1);
    assert.ok(sample(allowed, "cnp_webhook_request_duration_seconds_sum", count) > sample(before, "cnp_webhook_request_duration_seconds_sum", count));

    // A denial: the Cluster does not exist.
    const denied = { webhook: "validate-backup", allowed: "false" };
    assert.equal((await admitBackup("missing")).status, 200);
    assert.equal(sample(await scrape(), "cnp_webhook_requests_total", denied), sample(before, "cnp_webhook_requests_total", denied) + 1);
  });

  it("reference_lookups_total counts by kind and outcome", async () => {
    const before = await scrape();
    await admitBackup("pg");
    await admitBackup("nope");
    const after = await scrape();
    for (const outcome of ["present", "absent"]) {
      const labels = { kind: "Cluster", outcome };
      assert.equal(sample(after, "cnp_webhook_reference_lookups_total", labels), sample(before, "cnp_webhook_reference_lookups_total", labels) + 1, outcome);
    }
  });

  it("rule_errors_total counts a rule that throws; the request is still answered and the server keeps serving", async () => {
    exploding = true;
    try {
      const reply = await admitBackup("pg");
      assert.equal(reply.status, 200);
      const response = (JSON.parse(reply.body) as { response: { allowed: boolean; status?: { code: number; message: string } } }).response;
      assert.equal(response.allowed, false);
      assert.equal(response.status?.code, 500);
      assert.match(response.status?.message ?? "", /test\/throws/);
    } finally {
      exploding = false;
    }
    const text = await scrape();
    assert.equal(sample(text, "cnp_webhook_rule_errors_total", { rule: "test/throws" }), 1);
    assert.equal((await admitBackup("pg")).status, 200);
  });

  it("certificate_reloads_total and certificate_expiry_timestamp_seconds move on a reload", async () => {
    const before = await scrape();
    const expiryBefore = sample(before, "cnp_webhook_certificate_expiry_timestamp_seconds");
    assert.equal(expiryBefore, readCertificateInfo(certs.certPem).notAfter.getTime() / 1000);
    assert.equal(sample(before, "cnp_webhook_certificate_reloads_total", { outcome: "success" }), 1); // the initial load

    // A renewal with a shorter validity: the expiry the alert watches must follow it.
    const dir = tempDir("cnp-short-");
    for (const f of ["ca.crt", "ca.key"]) fs.copyFileSync(path.join(certs.dir, f), path.join(dir, f));
    await ensureCertificates({ service: NAME, namespace: NAMESPACE, outDir: dir, servingValidityDays: 60 });
    const shortPem = fs.readFileSync(path.join(dir, "tls.crt"), "utf8");
    fs.copyFileSync(path.join(dir, "tls.key"), certs.key);
    fs.copyFileSync(path.join(dir, "tls.crt"), certs.cert);
    fs.rmSync(dir, { recursive: true });
    await waitFor(async () => sample(await scrape(), "cnp_webhook_certificate_reloads_total", { outcome: "success" }) === 2, "the reload");
    const reloaded = await scrape();
    assert.equal(sample(reloaded, "cnp_webhook_certificate_expiry_timestamp_seconds"), readCertificateInfo(shortPem).notAfter.getTime() / 1000);
    assert.ok(sample(reloaded, "cnp_webhook_certificate_expiry_timestamp_seconds") < expiryBefore);

    // A broken one: failure counted, expiry unchanged.
    fs.writeFileSync(certs.cert, "not a certificate\n");
    await waitFor(async () => sample(await scrape(), "cnp_webhook_certificate_reloads_total", { outcome: "failure" }) === 1, "the refusal");
    assert.equal(sample(await scrape(), "cnp_webhook_certificate_expiry_timestamp_seconds"), readCertificateInfo(shortPem).notAfter.getTime() / 1000);
  });
});
