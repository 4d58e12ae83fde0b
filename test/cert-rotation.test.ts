// Certificate rotation under load (README "Install and operate"): requests keep flowing — on kept-alive connections and on
// new ones — while the files change; none fails, and new connections get the new certificate. Both
// layouts: files rewritten in place, and a Secret volume's `..data` symlink swap. A broken pair is
// refused and counted while the old one keeps serving.
import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import path from "node:path";
import { after, describe, it, type TestContext } from "node:test";
import { fingerprintOf, makeCerts, renewServing, SERVER_NAME, tempDir, type CertFiles } from "../tools/testkit/certs.js";
import { request, sleep, waitFor } from "../tools/testkit/https.js";
import { backupReview } from "../tools/testkit/review.js";
import { startWebhook } from "../tools/testkit/webhook.js";
import { route } from "../webhook/routes.js";
import type { RunningServer } from "../webhook/server/serve.js";
import { CertificateReloader, type Refusal } from "../webhook/server/tls.js";
import { Metrics } from "../webhook/server/metrics.js";
import { runCli } from "../tools/testkit/cli.js";

const validatePath = route("validate", "Backup").path;

const cleanup: string[] = [];
const servers: RunningServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close(1000)));
  for (const dir of cleanup) fs.rmSync(dir, { recursive: true, force: true });
});

async function serve(certFile: string, keyFile: string, reload: { watch?: boolean; pollIntervalMs?: number } = {}): Promise<RunningServer> {
  const { running: server } = await startWebhook({
    tlsCert: certFile,
    tlsKey: keyFile,
    lookupTimeoutMs: 500,
    logLevel: "silent",
    certificateReload: { pollIntervalMs: 1000, debounceMs: 50, settleMs: 200, ...reload },
  });
  servers.push(server);
  return server;
}

async function reloads(server: RunningServer, outcome: "success" | Refusal): Promise<number> {
  const { values } = await server.metrics.certificateReloads.get();
  return values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

/**
 * Requests from 2 kept-alive and 2 connect-per-request clients, each sending its next one 1 ms after an
 * answer, until stopped: a few hundred a second, every moment of the swap covered, without a flat-out
 * loop whose cost grows with how long a busy machine takes to get through the rotation.
 */
class Load {
  sent = 0;
  failed = 0;
  readonly errors: string[] = [];
  /** Certificate presented on the latest new connection, and when that answer came. */
  lastFreshPeer = "";
  private running = true;
  private readonly agent = new https.Agent({ keepAlive: true, maxSockets: 2 });
  private readonly loops: Promise<void>[];

  constructor(
    private readonly port: number,
    private readonly ca: string,
  ) {
    this.loops = [this.loop(this.agent), this.loop(this.agent), this.loop(false), this.loop(false)];
  }

  private async loop(agent: https.Agent | false): Promise<void> {
    while (this.running) {
      this.sent++;
      try {
        const reply = await request(this.port, this.ca, { path: validatePath, body: backupReview(), agent });
        if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body.slice(0, 200)}`);
        if (agent === false) this.lastFreshPeer = reply.peer;
      } catch (err) {
        this.failed++;
        this.errors.push((err as Error).message);
      }
      await sleep(1);
    }
  }

  async stop(): Promise<{ sent: number; failed: number; errors: string[] }> {
    this.running = false;
    await Promise.all(this.loops);
    this.agent.destroy();
    return { sent: this.sent, failed: this.failed, errors: this.errors.slice(0, 5) };
  }
}

/** Rotates while under load; returns how long until a new connection got the new certificate. */
async function rotateUnderLoad(t: TestContext, server: RunningServer, ca: string, next: CertFiles, rotate: () => void): Promise<void> {
  const load = new Load(server.port, ca);
  await waitFor(() => load.sent >= 40, "traffic before the rotation");
  const sentBefore = load.sent;
  const started = performance.now();
  rotate();
  await waitFor(() => load.lastFreshPeer === next.fingerprint, "the new certificate on a new connection");
  const pickupMs = performance.now() - started;
  const sentAtPickup = load.sent;
  await waitFor(() => load.sent >= sentAtPickup + 40, "traffic after the rotation"); // and requests keep succeeding
  const result = await load.stop();
  t.diagnostic(`requests sent: ${result.sent} (${result.sent - sentBefore} from rotation on), failed: ${result.failed}, pickup: ${pickupMs.toFixed(0)} ms`);
  assert.deepEqual(result.errors, []);
  assert.equal(result.failed, 0);
  // Kept-alive connections carry on with the certificate they were established with; new ones get the new one.
  const fresh = await request(server.port, ca, { path: "/readyz" });
  assert.equal(fresh.peer, next.fingerprint);
  assert.equal(fresh.status, 200);
}

describe("certificate files rewritten in place", () => {
  let certs: CertFiles;
  let server: RunningServer;

  it("rotates under load: 0 failed requests, new certificate served", async (t) => {
    certs = await makeCerts();
    cleanup.push(certs.dir);
    server = await serve(certs.cert, certs.key);
    const next = await renewServing(certs);
    cleanup.push(next.dir);
    assert.notEqual(next.fingerprint, certs.fingerprint);
    const expiryBefore = await server.metrics.certificateExpiry.get();

    // Two plain writes, key first: for a moment the files do not match (must not count as a failure).
    await rotateUnderLoad(t, server, certs.caPem, next, () => {
      fs.writeFileSync(certs.key, next.keyPem);
      fs.writeFileSync(certs.cert, next.certPem);
    });
    assert.equal(await reloads(server, "success"), 2); // the initial load and the rotation
    assert.equal(await reloads(server, "failure"), 0);
    const expiryAfter = await server.metrics.certificateExpiry.get();
    assert.ok(expiryAfter.values[0]!.value >= expiryBefore.values[0]!.value);
    assert.equal(server.reloader.current?.cert.toString(), next.certPem);
  });

  it("refuses a corrupt key: counted once, the old certificate keeps serving", async (t) => {
    const serving = server.reloader.current!.cert.toString();
    const failuresBefore = await reloads(server, "failure");
    const load = new Load(server.port, certs.caPem);
    fs.writeFileSync(certs.key, "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");
    await waitFor(async () => (await reloads(server, "failure")) === failuresBefore + 1, "the refusal to be counted");
    await sleep(1200); // a poll or two later: still counted once
    const result = await load.stop();
    t.diagnostic(`corrupt key: requests ${result.sent}, failed ${result.failed}`);
    assert.equal(result.failed, 0);
    assert.equal(await reloads(server, "failure"), failuresBefore + 1);
    assert.equal(server.reloader.current!.cert.toString(), serving);
    const reply = await request(server.port, certs.caPem, { path: "/readyz" });
    assert.equal(reply.status, 200);
    assert.equal(reply.peer, fingerprintOf(serving));
  });

  it("refuses a valid key that belongs to another certificate", async () => {
    const other = await makeCerts("cnp-other-");
    cleanup.push(other.dir);
    const failuresBefore = await reloads(server, "failure");
    fs.writeFileSync(certs.key, other.keyPem);
    await waitFor(async () => (await reloads(server, "failure")) === failuresBefore + 1, "the refusal to be counted");
    assert.equal((await request(server.port, certs.caPem, { path: "/readyz" })).status, 200);
  });

  it("takes a good pair again afterwards", async () => {
    const next = await renewServing(certs);
    cleanup.push(next.dir);
    const successBefore = await reloads(server, "success");
    fs.writeFileSync(certs.cert, next.certPem);
    fs.writeFileSync(certs.key, next.keyPem);
    await waitFor(async () => (await reloads(server, "success")) === successBefore + 1, "the reload");
    assert.equal((await request(server.port, certs.caPem, { path: "/readyz" })).peer, next.fingerprint);
  });
});

const DAY_MS = 86_400_000;

describe("a valid pair the apiserver would refuse is not served", () => {
  let certs: CertFiles;
  let server: RunningServer;
  const refused = async (reason: Refusal) => (await server.metrics.certificateRefused.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

  // ensureCertificates issues for 365 days from `at`, backdated 5 minutes.
  const cases: [Refusal, { at?: Date; service?: string }, RegExp][] = [
    ["expired", { at: new Date(Date.now() - 400 * DAY_MS) }, /tls\.crt: expired at 20\d\d-/],
    ["not-yet-valid", { at: new Date(Date.now() + 2 * DAY_MS) }, /tls\.crt: not valid before 20\d\d-/],
    ["wrong-name", { service: "other-webhook" }, /tls\.crt: its SANs \(DNS:other-webhook, .*\) do not cover "cnp-webhook\.cnp-system\.svc"/],
  ];
  for (const [reason, issued, message] of cases) {
    it(`${reason}: refused and counted, the previous certificate keeps serving, /readyz says why; a good pair is taken again`, async () => {
      certs ??= await makeCerts();
      server ??= await serve(certs.cert, certs.key, { pollIntervalMs: 300 });
      const serving = server.reloader.current!.cert.toString();
      const bad = await renewServing(certs, issued);
      cleanup.push(certs.dir, bad.dir);
      fs.writeFileSync(certs.key, bad.keyPem);
      fs.writeFileSync(certs.cert, bad.certPem);
      await waitFor(async () => (await reloads(server, reason)) === 1, `the ${reason} refusal to be counted`);
      assert.equal(await refused(reason), 1);
      assert.equal(server.reloader.current!.cert.toString(), serving);
      const ready = await request(server.port, certs.caPem, { path: "/readyz" });
      assert.equal(ready.peer, fingerprintOf(serving));
      assert.equal(ready.status, 200, "the previous certificate still works: taking the Pod out of service would help nobody");
      assert.match(ready.body, new RegExp(`^ok\nnew serving certificate refused \\(${reason}\\): `));
      assert.match(ready.body, message);

      const good = await renewServing(certs);
      cleanup.push(good.dir);
      fs.writeFileSync(certs.key, good.keyPem);
      fs.writeFileSync(certs.cert, good.certPem);
      await waitFor(() => server.reloader.current?.cert.toString() === good.certPem, "the good pair");
      assert.equal(await refused(reason), 0);
      assert.equal((await request(server.port, certs.caPem, { path: "/readyz" })).body, "ok\n");
    });
  }

  it("a pair refused as not yet valid is taken once it is", async () => {
    const certs = await makeCerts();
    const later = await renewServing(certs, { at: new Date(Date.now() + DAY_MS) });
    cleanup.push(certs.dir, later.dir);
    let now = new Date();
    const applied: string[] = [];
    const metrics = new Metrics({ processMetrics: false });
    const reloader = new CertificateReloader({
      certFile: later.cert,
      keyFile: later.key,
      names: [SERVER_NAME],
      now: () => now,
      apply: (p) => applied.push(p.serialNumber),
      metrics,
      settleMs: 0,
    });
    await assert.rejects(reloader.load(), /^Error: serving certificate refused: .*tls\.crt: not valid before /);
    assert.equal(reloader.check(), "refused");
    now = new Date(Date.now() + DAY_MS);
    assert.equal(reloader.check(), "loaded");
    assert.equal(applied.length, 1);
    assert.deepEqual(
      (await metrics.certificateReloads.get()).values.map((v) => [v.labels.outcome, v.value]),
      [
        ["not-yet-valid", 1],
        ["success", 1],
      ],
    );
  });

  it("serve with an expired or misnamed certificate fails at start, saying why", async () => {
    const certs = await makeCerts();
    const expired = await renewServing(certs, { at: new Date(Date.now() - 400 * DAY_MS) });
    cleanup.push(certs.dir, expired.dir);
    const serve = (cert: CertFiles, ...extra: string[]) =>
      runCli(["serve", "--host", "127.0.0.1", "--port", "0", "--metrics-port", "0", "--tls-cert", cert.cert, "--tls-key", cert.key, ...extra]);
    // Child processes (killed after 30 s): a serve that wrongly started would listen until then.
    const [old, elsewhere, extra] = await Promise.all([serve(expired), serve(certs, "--namespace", "prod"), serve(certs, "--tls-san", "webhook.example.com")]);
    assert.equal(old.code, 2, old.stdout + old.stderr);
    assert.match(old.stderr, /serving certificate refused: .*tls\.crt: expired at /);
    assert.equal(elsewhere.code, 2);
    assert.match(elsewhere.stderr, /do not cover "cnp-webhook\.prod\.svc"/);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /do not cover "webhook\.example\.com"/);
  });
});

describe("Kubernetes Secret volume layout (..data symlink swap)", () => {
  /** dir/tls.crt → ..data/tls.crt, ..data → ..<timestamp>/, as the kubelet's AtomicWriter lays it out. */
  function writeVersion(dir: string, pair: CertFiles, n: number): string {
    const version = `..2025_01_0${n}_00_00_00.00000000${n}`;
    fs.mkdirSync(path.join(dir, version));
    fs.writeFileSync(path.join(dir, version, "tls.crt"), pair.certPem);
    fs.writeFileSync(path.join(dir, version, "tls.key"), pair.keyPem);
    fs.writeFileSync(path.join(dir, version, "ca.crt"), pair.caPem);
    return version;
  }

  it("rotates on the atomic swap under load: 0 failed requests, new certificate served", async (t) => {
    const certs = await makeCerts();
    const next = await renewServing(certs);
    const dir = tempDir("cnp-secret-volume-");
    cleanup.push(certs.dir, next.dir, dir);
    const first = writeVersion(dir, certs, 1);
    fs.symlinkSync(first, path.join(dir, "..data"));
    for (const f of ["tls.crt", "tls.key", "ca.crt"]) fs.symlinkSync(path.join("..data", f), path.join(dir, f));
    const server = await serve(path.join(dir, "tls.crt"), path.join(dir, "tls.key"));
    assert.equal(server.reloader.current?.cert.toString(), certs.certPem);

    await rotateUnderLoad(t, server, certs.caPem, next, () => {
      const second = writeVersion(dir, next, 2);
      fs.symlinkSync(second, path.join(dir, "..data_tmp"));
      fs.renameSync(path.join(dir, "..data_tmp"), path.join(dir, "..data"));
      fs.rmSync(path.join(dir, first), { recursive: true });
    });
    assert.equal(await reloads(server, "failure"), 0);
  });
});

describe("without file events", () => {
  it("the periodic poll picks the new pair up", async (t) => {
    const certs = await makeCerts();
    const next = await renewServing(certs);
    cleanup.push(certs.dir, next.dir);
    const server = await serve(certs.cert, certs.key, { watch: false, pollIntervalMs: 300 });
    const started = performance.now();
    fs.writeFileSync(certs.key, next.keyPem);
    fs.writeFileSync(certs.cert, next.certPem);
    await waitFor(async () => (await request(server.port, certs.caPem, { path: "/readyz" })).peer === next.fingerprint, "the poll to reload");
    t.diagnostic(`poll-only pickup: ${(performance.now() - started).toFixed(0)} ms (poll every 300 ms)`);
  });
});

describe("start-up before the Secret volume is populated", () => {
  it("serves /readyz 503 until the files appear, then 200 with them", async () => {
    const certs = await makeCerts();
    const dir = tempDir("cnp-empty-volume-");
    cleanup.push(certs.dir, dir);
    const server = await serve(path.join(dir, "tls.crt"), path.join(dir, "tls.key"), { pollIntervalMs: 300 });
    assert.equal(server.isReady(), false);
    // The placeholder is self-signed: the probe (like kubelet's) does not verify it.
    const probe = () =>
      new Promise<number>((resolve, reject) =>
        https
          .get({ host: "127.0.0.1", port: server.port, path: "/readyz", rejectUnauthorized: false, agent: false }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on("error", reject),
      );
    assert.equal(await probe(), 503);
    assert.equal(await reloads(server, "failure"), 0); // waiting is not failing
    fs.copyFileSync(certs.key, path.join(dir, "tls.key"));
    fs.copyFileSync(certs.cert, path.join(dir, "tls.crt"));
    await waitFor(() => server.isReady(), "the certificate to load");
    assert.equal(await probe(), 200);
    const reply = await request(server.port, certs.caPem, { path: validatePath, body: backupReview() });
    assert.equal(reply.status, 200);
    assert.equal(reply.peer, certs.fingerprint);
  });
});
