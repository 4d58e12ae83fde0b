// KubeResolver against a local HTTPS kube-apiserver stand-in, always through a kubeconfig file and
// the real transport (no stubbed client).
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parse, stringify } from "yaml";
import { API_VERSION } from "../../schemas/kinds.js";
import { connectionRefusedKubeconfig, startKubeApiServer, type KubeApiServer } from "../../tools/testkit/kube-api-server.js";
import { KubeApi } from "./api.js";
import { loadKubeConfig } from "./credentials.js";
import { KubeResolver } from "./kube.js";

const PLANTED = "s3cr3t-VALUE-4b1d9e7c"; // must never come out of the resolver
const never = () => new AbortController().signal;

let server: KubeApiServer;
let dir: string;
let resolver: KubeResolver;

function resolverFor(kubeconfig: string): KubeResolver {
  const loaded = loadKubeConfig({ kubeconfig, env: {} });
  assert.ok(loaded);
  return new KubeResolver(new KubeApi(loaded));
}

before(async () => {
  server = await startKubeApiServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-resolver-"));
  resolver = resolverFor(server.writeKubeconfig(dir));
  server.put({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "backup-creds", namespace: "app" },
    type: "Opaque",
    data: { ACCESS_KEY_ID: Buffer.from(PLANTED).toString("base64") },
    stringData: { ACCESS_SECRET_KEY: PLANTED },
  });
  server.put({ apiVersion: "v1", kind: "Secret", metadata: { name: "other-ns-only", namespace: "elsewhere" }, data: { k: "dg==" } });
  server.put({ apiVersion: API_VERSION, kind: "Cluster", metadata: { name: "pg", namespace: "app" }, spec: { instances: 3 } });
  server.put({ apiVersion: API_VERSION, kind: "Backup", metadata: { name: "nightly-1", namespace: "app" }, spec: { cluster: { name: "pg" } } });
});

after(async () => {
  resolver.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("KubeResolver lookups", () => {
  it("present Secret → only its key names, never a value", async () => {
    const before = server.requests.length;
    const result = await resolver.lookup("Secret", "app", "backup-creds", never());
    assert.deepEqual(result, { state: "present", object: { name: "backup-creds", keys: ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"] } });
    const json = JSON.stringify(result);
    assert.ok(!json.includes(PLANTED) && !json.includes(Buffer.from(PLANTED).toString("base64")));
    // One GET of that one object: no list, no watch.
    assert.deepEqual(server.requests.slice(before), [{ method: "GET", path: "/api/v1/namespaces/app/secrets/backup-creds" }]);
  });

  it("absent Secret → absent", async () => {
    assert.deepEqual(await resolver.lookup("Secret", "app", "nope", never()), { state: "absent" });
  });

  it("a Secret in another namespace does not satisfy the lookup", async () => {
    assert.deepEqual(await resolver.lookup("Secret", "app", "other-ns-only", never()), { state: "absent" });
    assert.equal((await resolver.lookup("Secret", "elsewhere", "other-ns-only", never())).state, "present");
  });

  it("Cluster and Backup: present with what is kept of them, absent when missing", async () => {
    const cluster = await resolver.lookup("Cluster", "app", "pg", never());
    assert.equal(cluster.state, "present");
    assert.equal(cluster.state === "present" && cluster.object.metadata?.name, "pg");
    // Only what rules read is kept (kinds.ts `keep`): not the instance count.
    assert.deepEqual(cluster.state === "present" && cluster.object.spec, {});
    assert.deepEqual(await resolver.lookup("Cluster", "app", "missing", never()), { state: "absent" });
    assert.deepEqual(await resolver.lookup("Cluster", "elsewhere", "pg", never()), { state: "absent" });

    const backup = await resolver.lookup("Backup", "app", "nightly-1", never());
    assert.equal(backup.state === "present" && backup.object.spec?.cluster?.name, "pg");
    assert.deepEqual(await resolver.lookup("Backup", "app", "nightly-2", never()), { state: "absent" });
    const paths = server.requests.map((r) => r.path);
    assert.ok(paths.includes(`/apis/${API_VERSION}/namespaces/app/clusters/pg`) && paths.includes(`/apis/${API_VERSION}/namespaces/app/backups/nightly-1`));
  });

  it("an object removed from the server is absent again", async () => {
    server.put({ apiVersion: API_VERSION, kind: "Backup", metadata: { name: "short-lived", namespace: "app" }, spec: { cluster: { name: "pg" } } });
    assert.equal((await resolver.lookup("Backup", "app", "short-lived", never())).state, "present");
    assert.ok(server.remove("Backup", "app", "short-lived"));
    assert.deepEqual(await resolver.lookup("Backup", "app", "short-lived", never()), { state: "absent" });
  });

  it("403 → unknown, with the apiserver's forbidden message", async () => {
    server.fault = "forbidden";
    try {
      const result = await resolver.lookup("Secret", "app", "backup-creds", never());
      assert.equal(result.state, "unknown");
      assert.match(result.state === "unknown" ? result.why : "", /^forbidden: secrets "backup-creds" is forbidden: User .* cannot get resource "secrets"/);
      assert.ok(!JSON.stringify(result).includes(PLANTED));
      const cluster = await resolver.lookup("Cluster", "app", "pg", never());
      assert.match(cluster.state === "unknown" ? cluster.why : "", /^forbidden: clusters\.postgresql\.k8s\.enterprisedb\.io "pg" is forbidden/);
    } finally {
      server.fault = "none";
    }
  });

  it("500 → unknown '<code> <reason>'", async () => {
    server.faultFor(`/apis/${API_VERSION}/`, "error");
    try {
      assert.deepEqual(await resolver.lookup("Backup", "app", "nightly-1", never()), { state: "unknown", why: "500 InternalError" });
      // The prefix fault leaves Secrets alone.
      assert.equal((await resolver.lookup("Secret", "app", "backup-creds", never())).state, "present");
    } finally {
      server.faultFor(`/apis/${API_VERSION}/`, undefined);
    }
  });

  it("a 200 that is not the object (a proxy's HTML page, another kind) → unknown, never 'a Secret with no keys'", async () => {
    for (const fault of ["html", "stranger"] as const) {
      server.fault = fault;
      try {
        const secret = await resolver.lookup("Secret", "app", "backup-creds", never());
        assert.equal(secret.state, "unknown", fault);
        assert.ok(secret.state === "unknown" && !/Sign in|<html>|Success/.test(secret.why), `the body is not quoted: ${JSON.stringify(secret)}`);
        assert.equal((await resolver.lookup("Cluster", "app", "pg", never())).state, "unknown", fault);
      } finally {
        server.fault = "none";
      }
    }
    assert.equal((await resolver.lookup("Secret", "app", "backup-creds", never())).state, "present");
  });

  it("API_VERSION group not served (CRDs missing) → unknown, not absent", async () => {
    server.crdsInstalled = false;
    try {
      const result = await resolver.lookup("Cluster", "app", "pg", never());
      assert.equal(result.state, "unknown");
      assert.match(result.state === "unknown" ? result.why : "", /not served/);
    } finally {
      server.crdsInstalled = true;
    }
  });

  it("wrong bearer token → unknown (unauthorized)", async () => {
    const bad = resolverFor(server.writeKubeconfig(dir, { token: "wrong", file: "kubeconfig-badtoken" }));
    const result = await bad.lookup("Secret", "app", "backup-creds", never());
    assert.deepEqual(result, { state: "unknown", why: "unauthorized: the API server rejected the credentials" });
    bad.close();
  });

  it("connection refused → unknown 'connection refused'", async () => {
    const refused = resolverFor(await connectionRefusedKubeconfig(dir));
    const result = await refused.lookup("Cluster", "app", "pg", never());
    assert.equal(result.state, "unknown");
    assert.match(result.state === "unknown" ? result.why : "", /^connection refused: .*ECONNREFUSED/);
    refused.close();
  });

  it("untrusted server certificate → unknown 'server certificate not trusted'", async () => {
    const other = await startKubeApiServer({ ownCa: true });
    const wrongCa = resolverFor(server.writeKubeconfig(dir, { caPem: other.caPem, file: "kubeconfig-wrongca" }));
    await other.close();
    const result = await wrongCa.lookup("Secret", "app", "backup-creds", never());
    assert.equal(result.state, "unknown");
    assert.match(result.state === "unknown" ? result.why : "", /^server certificate not trusted: .*(certificate|signature)/i);
    wrongCa.close();
  });

  it("hanging server + abort after 200 ms → unknown 'timed out' at once, and the socket is closed", async () => {
    server.fault = "hang";
    try {
      const controller = new AbortController();
      const closed = server.waitForHangClosed(2000);
      const started = performance.now();
      setTimeout(() => controller.abort(new Error("deadline")), 200);
      const result = await resolver.lookup("Secret", "app", "backup-creds", controller.signal);
      const elapsed = performance.now() - started;
      assert.deepEqual(result, { state: "unknown", why: "timed out" });
      assert.ok(elapsed >= 190 && elapsed < 300, `resolved after ${elapsed.toFixed(0)} ms`);
      assert.equal(await closed, true, "the server saw the client close the hanging request");
      assert.equal(server.hanging, 0);
    } finally {
      server.fault = "none";
    }
  });

  it("many concurrent lookups, each under its own signal (as the session gives them): aborts cancel them all", async () => {
    server.fault = "hang";
    try {
      const controllers = Array.from({ length: 15 }, () => new AbortController());
      const closedBefore = server.hangsClosedByClient;
      const pending = controllers.map((c, i) => resolver.lookup("Secret", "app", `s${i}`, c.signal));
      while (server.hanging < 15) await new Promise((r) => setTimeout(r, 5));
      for (const c of controllers) c.abort();
      const results = await Promise.all(pending);
      assert.ok(results.every((r) => r.state === "unknown" && r.why === "timed out"));
      for (let i = 0; i < 100 && server.hanging > 0; i++) await new Promise((r) => setTimeout(r, 5));
      assert.equal(server.hanging, 0);
      assert.equal(server.hangsClosedByClient - closedBefore, 15);
    } finally {
      server.fault = "none";
    }
  });

  it("a signal that outlives its lookups keeps no listener of theirs (the root of the old leak)", async () => {
    const signal = new AbortController().signal;
    for (let i = 0; i < 50; i++) await resolver.lookup("Secret", "app", i % 2 ? "backup-creds" : "nope", signal);
    assert.equal(getEventListeners(signal, "abort").length, 0);
  });

  it('names no object can have are absent without a request ("." would make the GET a LIST)', async () => {
    const before = server.requests.length;
    for (const name of ["", ".", "..", "a/b", "Upper", "x%2F"])
      assert.deepEqual(await resolver.lookup("Secret", "app", name, never()), { state: "absent" }, name);
    assert.equal((await resolver.lookup("Cluster", "", "pg", never())).state, "unknown");
    assert.equal(server.requests.length, before);
  });

  it("an already aborted signal → unknown without any request", async () => {
    const before = server.requests.length;
    assert.deepEqual(await resolver.lookup("Cluster", "app", "pg", AbortSignal.abort()), { state: "unknown", why: "timed out" });
    assert.equal(server.requests.length, before);
  });

  it("a slow answer inside the deadline is still an answer", async () => {
    server.fault = "slow";
    server.slowMs = 150;
    try {
      assert.equal((await resolver.lookup("Cluster", "app", "pg", AbortSignal.timeout(2000))).state, "present");
    } finally {
      server.fault = "none";
    }
  });

  it("repeated lookups reuse one kept-alive connection", async () => {
    const fresh = await startKubeApiServer();
    fresh.put({ apiVersion: API_VERSION, kind: "Cluster", metadata: { name: "pg", namespace: "app" }, spec: { instances: 1 } });
    const r = resolverFor(fresh.writeKubeconfig(dir, { file: "kubeconfig-keepalive" }));
    try {
      const time = async () => {
        const started = performance.now();
        assert.equal((await r.lookup("Cluster", "app", "pg", never())).state, "present");
        return performance.now() - started;
      };
      const cold = await time(); // includes the TCP + TLS handshake
      const warm: number[] = [];
      for (let i = 0; i < 50; i++) warm.push(await time());
      assert.equal(fresh.connections, 1);
      const median = warm.sort((a, b) => a - b)[warm.length >> 1]!;
      console.log(
        `# lookup latency against the local server: first ${cold.toFixed(2)} ms, then median ${median.toFixed(2)} ms over ${warm.length} on 1 connection`,
      );
    } finally {
      r.close();
      await fresh.close();
    }
  });

  it("a kubeconfig whose user is an exec credential plugin: the client library runs it, and its token is sent", async () => {
    // The plugin prints an ExecCredential, as aws-iam-authenticator or gke-gcloud-auth-plugin do.
    const plugin = path.join(dir, "exec-plugin.mjs");
    fs.writeFileSync(
      plugin,
      `process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1beta1", kind: "ExecCredential", status: { token: ${JSON.stringify(server.token)} } }));\n`,
    );
    const kubeconfig = path.join(dir, "kubeconfig-exec");
    const doc = parse(fs.readFileSync(server.writeKubeconfig(dir, { file: "kubeconfig-exec-base" }), "utf8"));
    doc.users[0].user = { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: process.execPath, args: [plugin], interactiveMode: "Never" } };
    fs.writeFileSync(kubeconfig, stringify(doc));
    const r = resolverFor(kubeconfig);
    try {
      assert.match(r.source, /kubeconfig/);
      assert.deepEqual(await r.lookup("Secret", "app", "backup-creds", never()), {
        state: "present",
        object: { name: "backup-creds", keys: ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"] },
      });
    } finally {
      r.close();
    }
  });

  it("credentials read again with the same TLS material keep the pool; a rotated CA bundle opens a new connection", async () => {
    const fresh = await startKubeApiServer();
    fresh.put({ apiVersion: API_VERSION, kind: "Cluster", metadata: { name: "pg", namespace: "app" }, spec: { instances: 1 } });
    const loaded = loadKubeConfig({ kubeconfig: fresh.writeKubeconfig(dir, { file: "kubeconfig-reread" }), env: {} });
    assert.ok(loaded);
    const first = await loaded.current();
    let tls = first.tls;
    // A new object on every reading, as after each minute's re-read of the files.
    const api = new KubeApi({
      server: loaded.server,
      source: loaded.source,
      current: async () => ({ ...first, tls: { ...tls } }),
      invalidate: () => {},
    });
    const r = new KubeResolver(api);
    try {
      for (let i = 0; i < 5; i++) assert.equal((await r.lookup("Cluster", "app", "pg", never())).state, "present");
      assert.equal(fresh.connections, 1);
      // The same CA twice is a valid bundle with other bytes: new material, so a new pool.
      tls = { ...tls, ca: `${String(tls.ca)}\n${String(tls.ca)}` };
      for (let i = 0; i < 5; i++) assert.equal((await r.lookup("Cluster", "app", "pg", never())).state, "present");
      assert.equal(fresh.connections, 2);
    } finally {
      r.close();
      await fresh.close();
    }
  });
});

/**
 * A TCP relay in front of the API server that can kill connections the way a dead keep-alive
 * connection fails: the client's next bytes on it are answered with a TCP reset.
 */
async function startResettingRelay(target: number) {
  const open = new Map<net.Socket, { doomed: boolean }>();
  const relay = {
    connections: 0,
    /** Reset new connections at their first bytes (the TLS ClientHello). */
    resetNew: 0,
    port: 0,
    /** Every connection open now is reset at the client's next bytes on it (an apiserver restart). */
    killOpenConnections: () => {
      for (const state of open.values()) state.doomed = true;
    },
    close: async () => {},
  };
  const server = net.createServer((client) => {
    relay.connections++;
    const state = { doomed: false };
    if (relay.resetNew > 0) {
      relay.resetNew--;
      state.doomed = true;
    }
    open.set(client, state);
    const upstream = net.connect(target, "127.0.0.1");
    client.on("data", (chunk) => {
      if (state.doomed) {
        client.resetAndDestroy();
        upstream.destroy();
      } else upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    for (const s of [client, upstream]) {
      s.on("error", () => {});
      s.on("close", () => {
        open.delete(client);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  relay.port = (server.address() as net.AddressInfo).port;
  relay.close = () => {
    for (const s of open.keys()) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return relay;
}

describe("one Secret read per burst", () => {
  const SECRET_PATH = "/api/v1/namespaces/app/secrets/burst-creds";
  const gets = (since: number) => server.requests.slice(since).filter((r) => r.path === SECRET_PATH).length;
  const withReuse = (secretReuseMs: number): KubeResolver => {
    const loaded = loadKubeConfig({ kubeconfig: path.join(dir, "kubeconfig"), env: {} });
    assert.ok(loaded);
    return new KubeResolver(new KubeApi(loaded), { secretReuseMs });
  };
  const putSecret = (keys: Record<string, string>) =>
    server.put({ apiVersion: "v1", kind: "Secret", metadata: { name: "burst-creds", namespace: "app" }, stringData: keys });
  const need = (...keys: string[]) => ({ keys });

  before(() => putSecret({ ACCESS_KEY_ID: PLANTED, ACCESS_SECRET_KEY: PLANTED }));
  after(() => {
    server.faultFor(SECRET_PATH, undefined);
    server.remove("Secret", "app", "burst-creds");
  });

  it("lookups that overlap share one GET; each gets the answer", async () => {
    const r = withReuse(0);
    server.faultFor(SECRET_PATH, "slow");
    try {
      const since = server.requests.length;
      const answers = await Promise.all(Array.from({ length: 20 }, () => r.lookup("Secret", "app", "burst-creds", never(), need("ACCESS_KEY_ID"))));
      assert.equal(gets(since), 1);
      for (const a of answers) assert.deepEqual(a, { state: "present", object: { name: "burst-creds", keys: ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"] } });
      assert.equal((await r.lookup("Secret", "app", "burst-creds", never(), need("ACCESS_KEY_ID"))).state, "present");
      assert.equal(gets(since), 2, "with --secret-reuse 0, a lookup after the burst asks again");
    } finally {
      server.faultFor(SECRET_PATH, undefined);
      r.close();
    }
  });

  it("a Secret that holds the keys needed answers without a GET for the reuse time, and only for keys it holds", async () => {
    const r = withReuse(300);
    try {
      const since = server.requests.length;
      await r.lookup("Secret", "app", "burst-creds", never(), need("ACCESS_KEY_ID"));
      assert.equal(gets(since), 1);
      assert.deepEqual(r.known("Secret", "app", "burst-creds", need("ACCESS_KEY_ID", "ACCESS_SECRET_KEY"))?.state, "present");
      assert.equal(r.known("Secret", "app", "burst-creds", need("SESSION_TOKEN")), undefined, "a key it did not hold is asked for again");
      assert.equal(r.known("Secret", "app", "burst-creds"), undefined, "a lookup that names no need asks");
      // The key added meanwhile is seen at once: the lookup that needs it asks.
      putSecret({ ACCESS_KEY_ID: PLANTED, ACCESS_SECRET_KEY: PLANTED, SESSION_TOKEN: PLANTED });
      const added = await r.lookup("Secret", "app", "burst-creds", never(), need("SESSION_TOKEN"));
      assert.ok(added.state === "present" && added.object.keys.includes("SESSION_TOKEN"));
      assert.equal(gets(since), 2);
      await new Promise((resolve) => setTimeout(resolve, 350));
      assert.equal(r.known("Secret", "app", "burst-creds", need("ACCESS_KEY_ID")), undefined, "forgotten after the reuse time");
      assert.ok(!JSON.stringify(added).includes(PLANTED));
    } finally {
      r.close();
      putSecret({ ACCESS_KEY_ID: PLANTED, ACCESS_SECRET_KEY: PLANTED });
    }
  });

  it("an absent Secret or a failed GET is never reused, and absent forgets what was found before", async () => {
    const r = withReuse(60_000);
    try {
      const since = server.requests.length;
      assert.equal((await r.lookup("Secret", "app", "burst-creds", never(), need("ACCESS_KEY_ID"))).state, "present");
      server.remove("Secret", "app", "burst-creds");
      // Still remembered: a positive answer may be a moment old (the rule then admits; README "References").
      assert.equal(r.known("Secret", "app", "burst-creds", need("ACCESS_KEY_ID"))?.state, "present");
      assert.equal((await r.lookup("Secret", "app", "burst-creds", never(), need("OTHER"))).state, "absent");
      assert.equal(r.known("Secret", "app", "burst-creds", need("ACCESS_KEY_ID")), undefined, "absent replaces it");
      assert.equal((await r.lookup("Secret", "app", "burst-creds", never(), need("ACCESS_KEY_ID"))).state, "absent");
      assert.equal(gets(since), 3, "absent answers are asked again");
      server.faultFor(SECRET_PATH, "error");
      assert.equal((await r.lookup("Secret", "app", "burst-creds", never(), need("ACCESS_KEY_ID"))).state, "unknown");
      assert.equal((await r.lookup("Secret", "app", "burst-creds", never(), need("ACCESS_KEY_ID"))).state, "unknown");
      assert.equal(gets(since), 5, "failures are asked again");
    } finally {
      server.faultFor(SECRET_PATH, undefined);
      putSecret({ ACCESS_KEY_ID: PLANTED, ACCESS_SECRET_KEY: PLANTED });
      r.close();
    }
  });

  it("a lookup that gives up leaves the shared GET to the others; when all give up, the request is cancelled", async () => {
    const r = withReuse(0);
    server.faultFor(SECRET_PATH, "hang");
    try {
      const impatient = new AbortController();
      const patient = new AbortController();
      const first = r.lookup("Secret", "app", "burst-creds", impatient.signal, need("ACCESS_KEY_ID"));
      const second = r.lookup("Secret", "app", "burst-creds", patient.signal, need("ACCESS_KEY_ID"));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const hanging = server.hanging;
      impatient.abort();
      assert.deepEqual(await first, { state: "unknown", why: "timed out" });
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(server.hanging, hanging, "the request stays open for the lookup still waiting");
      patient.abort();
      assert.deepEqual(await second, { state: "unknown", why: "timed out" });
      assert.ok(await server.waitForHangClosed(2000), "the last lookup to give up cancels the request");
      assert.equal(getEventListeners(patient.signal, "abort").length, 0);
    } finally {
      server.faultFor(SECRET_PATH, undefined);
      r.close();
    }
  });
});

describe("a kept-alive connection that died while idle", () => {
  let relay: Awaited<ReturnType<typeof startResettingRelay>>;
  let r: KubeResolver;
  before(async () => {
    relay = await startResettingRelay(server.port);
    r = resolverFor(server.writeKubeconfig(dir, { server: `https://127.0.0.1:${relay.port}`, file: "kubeconfig-relay" }));
  });
  after(async () => {
    r.close();
    await relay.close();
  });

  it("ECONNRESET on the pooled socket → the GET is sent once more on a new connection, and answers", async () => {
    assert.equal((await r.lookup("Cluster", "app", "pg", never())).state, "present"); // opens the pooled connection
    const [connections, retries, requests] = [relay.connections, r.api.retries, server.requests.length];
    relay.killOpenConnections();
    assert.equal((await r.lookup("Cluster", "app", "pg", AbortSignal.timeout(2000))).state, "present");
    assert.equal(r.api.retries - retries, 1);
    assert.equal(relay.connections - connections, 1, "the retry went out on a new connection");
    // The reset request never reached the server; the retry did, once.
    assert.deepEqual(server.requests.slice(requests), [{ method: "GET", path: `/apis/${API_VERSION}/namespaces/app/clusters/pg` }]);
  });

  it("a reset on a new connection is not retried: unknown 'connection reset ... ECONNRESET'", async () => {
    r.close(); // no pooled connection left: the next lookup connects afresh
    const [connections, retries] = [relay.connections, r.api.retries];
    relay.resetNew = 1;
    const result = await r.lookup("Secret", "app", "backup-creds", never());
    assert.equal(result.state, "unknown");
    assert.match(result.state === "unknown" ? result.why : "", /^connection reset: .*ECONNRESET/);
    assert.equal(r.api.retries, retries);
    assert.equal(relay.connections - connections, 1);
  });

  it("only one retry: pooled socket reset, then the new connection reset too → unknown", async () => {
    assert.equal((await r.lookup("Cluster", "app", "pg", never())).state, "present");
    const [connections, retries] = [relay.connections, r.api.retries];
    relay.killOpenConnections();
    relay.resetNew = 1;
    const result = await r.lookup("Cluster", "app", "pg", never());
    assert.equal(result.state, "unknown");
    assert.match(result.state === "unknown" ? result.why : "", /ECONNRESET/);
    assert.equal(r.api.retries - retries, 1);
    assert.equal(relay.connections - connections, 1);
  });

  it("the retry stays under the caller's deadline: a retry that hangs ends with the signal", async () => {
    assert.equal((await r.lookup("Cluster", "app", "pg", never())).state, "present");
    relay.killOpenConnections();
    server.fault = "hang";
    try {
      const started = performance.now();
      const result = await r.lookup("Cluster", "app", "pg", AbortSignal.timeout(300));
      const elapsed = performance.now() - started;
      assert.deepEqual(result, { state: "unknown", why: "timed out" });
      assert.ok(elapsed < 450, `settled after ${elapsed.toFixed(0)} ms`);
    } finally {
      server.fault = "none";
    }
  });

  it("many lookups on a reset pool: each pooled failure is retried once, all answer", async () => {
    // Several pooled connections (four objects: lookups of one object would share one GET), then all of
    // them die at once (an apiserver restart).
    const four = [
      ["Cluster", "app", "pg"],
      ["Backup", "app", "nightly-1"],
      ["Secret", "app", "backup-creds"],
      ["Secret", "elsewhere", "other-ns-only"],
    ] as const;
    await Promise.all(four.map(([kind, namespace, name]) => r.lookup(kind, namespace, name, never())));
    const retries = r.api.retries;
    relay.killOpenConnections();
    const results = await Promise.all(four.map(([kind, namespace, name]) => r.lookup(kind, namespace, name, AbortSignal.timeout(2000))));
    assert.deepEqual(
      results.map((x) => x.state),
      ["present", "present", "present", "present"],
    );
    assert.equal(r.api.retries - retries, 4);
  });
});

describe("loadKubeConfig", () => {
  let empty: string;
  before(() => {
    // A HOME with a ~/.kube/config that must be ignored, and no service-account files.
    empty = fs.mkdtempSync(path.join(os.tmpdir(), "kube-load-"));
    fs.mkdirSync(path.join(empty, ".kube"));
    fs.copyFileSync(server.writeKubeconfig(dir, { file: "kubeconfig-home" }), path.join(empty, ".kube", "config"));
  });
  after(() => fs.rmSync(empty, { recursive: true, force: true }));

  it("--kubeconfig FILE → that file's cluster", () => {
    const file = server.writeKubeconfig(dir, { file: "kubeconfig-explicit" });
    const loaded = loadKubeConfig({ kubeconfig: file, env: { KUBECONFIG: "/nonexistent" } });
    assert.equal(loaded?.server.origin, server.url);
    assert.match(loaded?.source ?? "", /kubeconfig-explicit/);
  });

  it("a missing file → an Error naming the file", () => {
    const file = path.join(dir, "no-such-kubeconfig");
    assert.throws(
      () => loadKubeConfig({ kubeconfig: file, env: {} }),
      (err: Error) => err.message.includes(file),
    );
  });

  it("an invalid file → an Error naming the file, without quoting its contents", () => {
    const file = path.join(dir, "kubeconfig-broken");
    fs.writeFileSync(file, `users:\n- name: x\n  user: {token: ${PLANTED}\n  : ][`);
    assert.throws(
      () => loadKubeConfig({ kubeconfig: file, env: {} }),
      (err: Error) => err.message.includes(file) && !err.message.includes(PLANTED),
    );
    const noContext = path.join(dir, "kubeconfig-nocontext");
    fs.writeFileSync(noContext, "apiVersion: v1\nkind: Config\nclusters: []\n");
    assert.throws(
      () => loadKubeConfig({ kubeconfig: noContext, env: {} }),
      (err: Error) => err.message.includes(noContext),
    );
  });

  it("nothing configured → undefined (no ~/.kube/config fallback)", () => {
    assert.equal(loadKubeConfig({ env: { HOME: empty }, root: empty }), undefined);
    // Half an in-cluster setup is still nothing.
    assert.equal(loadKubeConfig({ env: { HOME: empty, KUBERNETES_SERVICE_HOST: "127.0.0.1" }, root: empty }), undefined);
  });

  it("an explicitly set KUBECONFIG is honoured", async () => {
    const file = server.writeKubeconfig(dir, { file: "kubeconfig-env" });
    const loaded = loadKubeConfig({ env: { KUBECONFIG: file }, root: empty });
    assert.ok(loaded);
    assert.match(loaded.source, /^KUBECONFIG /);
    const r = new KubeResolver(new KubeApi(loaded));
    assert.equal((await r.lookup("Cluster", "app", "pg", never())).state, "present");
    r.close();
  });

  it("in-cluster: service-account token + KUBERNETES_SERVICE_HOST → a working client", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "kube-sa-"));
    try {
      const sa = path.join(root, "var/run/secrets/kubernetes.io/serviceaccount");
      fs.mkdirSync(sa, { recursive: true });
      fs.writeFileSync(path.join(sa, "token"), server.token);
      fs.writeFileSync(path.join(sa, "ca.crt"), server.caPem);
      fs.writeFileSync(path.join(sa, "namespace"), "cnp-system");
      assert.equal(loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: "127.0.0.1" }, root: path.join(root, "none") }), undefined);
      const loaded = loadKubeConfig({ env: { KUBERNETES_SERVICE_HOST: "127.0.0.1", KUBERNETES_SERVICE_PORT: String(server.port) }, root });
      assert.ok(loaded);
      assert.match(loaded.source, /^in-cluster service account/);
      const r = new KubeResolver(new KubeApi(loaded));
      assert.equal((await r.lookup("Secret", "app", "backup-creds", never())).state, "present");
      r.close();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
