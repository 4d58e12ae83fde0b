// Bounded cost and bounded connections (README "HTTP API"): oversized and over-wide objects are denied
// at once while ordinary admissions keep being answered; slow and silent clients are cut off within
// the configured bounds; with --client-ca only certified clients reach the admission paths; a client
// that hangs up is neither an error nor a latency sample.
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { issueClientCertificate } from "../certs/tls.js";
import { validCluster } from "../tools/testkit/admission.js";
import { makeCerts, SERVER_NAME, type CertFiles } from "../tools/testkit/certs.js";
import { request, waitFor } from "../tools/testkit/https.js";
import { admissionReview } from "../tools/testkit/review.js";
import { startWebhook, type TestWebhook } from "../tools/testkit/webhook.js";
import { route } from "../webhook/routes.js";

const validatePath = route("validate", "Cluster").path;
const LIMITS = { handshakeTimeoutMs: 1000, headersTimeoutMs: 1000, requestTimeoutMs: 1500, checkIntervalMs: 100 };

let certs: CertFiles;
let hook: TestWebhook;
before(async () => {
  certs = await makeCerts("cnp-hardening-");
  hook = await startWebhook({ certs, tlsCert: certs.cert, tlsKey: certs.key, connectionLimits: LIMITS });
});
after(async () => {
  await hook.close();
  fs.rmSync(certs.dir, { recursive: true, force: true });
});

const cluster = () => validCluster();
const huge = () => ({ ...cluster(), metadata: { name: "pg", annotations: { junk: "x".repeat(2 * 2 ** 20) } } });
const wide = (items: number) => ({ ...cluster(), spec: { ...cluster().spec, resources: { junk: Array.from({ length: items }, (_, i) => i) } } });

/** A TLS connection that says `text` and then nothing; resolves with how long the server kept it. */
function heldFor(send: (socket: tls.TLSSocket) => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = tls.connect({ host: "127.0.0.1", port: hook.port, ca: certs.caPem, servername: SERVER_NAME }, () => send(socket));
    socket.on("error", () => {});
    socket.resume(); // read what the server says (a 408), so that its close is seen
    socket.on("close", () => resolve(performance.now() - started));
    setTimeout(() => reject(new Error("the server kept a stalled connection for 10 s")), 10_000).unref();
  });
}

describe("bounded cost per request", () => {
  it("objects over 1.5 MiB or with tens of thousands of items are denied at once, and ordinary admissions are answered meanwhile", async () => {
    const started = performance.now();
    const [big, many, countless, ordinary] = await Promise.all([
      hook.review("Cluster", huge()),
      hook.review("Cluster", wide(15_000)),
      hook.review("Cluster", wide(100_000)),
      hook.review("Cluster", cluster()),
    ]);
    assert.ok(performance.now() - started < 5000);
    const causes = (a: typeof big) => a.response?.status?.details?.causes?.map((c) => [c.field, c.reason]);
    assert.deepEqual(causes(big), [["<object>", "FieldValueTooLong"]]);
    assert.match(big.response?.status?.message ?? "", /etcd's request limit is 1\.5 MiB/);
    assert.deepEqual(causes(many), [["spec.resources.junk", "FieldValueTooMany"]]);
    // So many that the body is not even parsed: the bytes say it is no manifest.
    assert.deepEqual(causes(countless), [["<object>", "FieldValueForbidden"]]);
    assert.equal(ordinary.response?.allowed, true);
    for (const a of [big, many, countless]) assert.ok(a.text.length < 4096, "the answers stay small");
  });
});

// Each waits on a server timeout over its own connection: they wait together.
describe("bounded connections", { concurrency: true }, () => {
  it("a silent client is cut off after the handshake timeout", async () => {
    const held = await new Promise<number>((resolve) => {
      const started = performance.now();
      const socket = net.connect(hook.port, "127.0.0.1");
      socket.on("error", () => {});
      socket.on("close", () => resolve(performance.now() - started));
    });
    assert.ok(held >= LIMITS.handshakeTimeoutMs - 100 && held < LIMITS.handshakeTimeoutMs + 3000, `held ${held.toFixed(0)} ms`);
  });

  it("headers sent slowly are cut off after the headers timeout", async () => {
    const held = await heldFor((s) => s.write(`POST ${validatePath} HTTP/1.1\r\nHost: x\r\n`));
    assert.ok(held < LIMITS.headersTimeoutMs + 3000, `held ${held.toFixed(0)} ms`);
  });

  // Headers and the first bytes of a 100,000-byte body, then silence, or one byte a second: both cut
  // off with a 408 once the request timeout has passed since the headers.
  for (const [what, trickle] of [
    ["a body that stalls", false],
    ["a body that trickles", true],
  ] as const) {
    it(`${what} is cut off with a 408 after the request timeout`, async () => {
      let answer = "";
      const held = await heldFor((s) => {
        s.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")));
        s.write(`POST ${validatePath} HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"apiVersion"`);
        if (trickle) {
          const drip = setInterval(() => s.write(" "), 200);
          s.on("close", () => clearInterval(drip));
        }
      });
      assert.ok(held >= LIMITS.requestTimeoutMs - 100 && held < LIMITS.requestTimeoutMs + 1000, `held ${held.toFixed(0)} ms`);
      assert.match(answer, /^HTTP\/1\.1 408 [\s\S]*\r\n\r\nrequest body not received within 1\.5 s\n$/);
      // The server is still there for everyone else.
      assert.equal((await hook.review("Cluster", cluster())).response?.allowed, true);
    });
  }
});

describe("a client that hangs up", () => {
  it("a client that hangs up mid-request is a debug line, not an error, and no latency sample", async () => {
    const count = async () =>
      (await hook.running.metrics.duration.get()).values.find((v) => v.metricName?.endsWith("_count") && v.labels.webhook === "validate-cluster")?.value ?? 0;
    const before = await count();
    await heldFor((s) => {
      s.write(`POST ${validatePath} HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"apiVersion"`);
      setTimeout(() => s.destroy(), 50);
    });
    await waitFor(() => hook.running.metrics.inFlight.get().then((g) => g.values[0]?.value === 0), "the request to end");
    assert.equal(await count(), before);
    assert.equal(hook.logs().filter((l) => l.level === "error").length, 0, hook.logText.join("\n"));
  });
});

describe("--client-ca: only certified clients reach the admission paths", () => {
  let mtls: TestWebhook;
  let client: { cert: string; key: string };
  let stranger: { cert: string; key: string };
  before(async () => {
    const other = await makeCerts("cnp-other-ca-");
    const issued = await issueClientCertificate({ dir: certs.dir, commonName: "kube-apiserver" });
    const foreign = await issueClientCertificate({ dir: other.dir, commonName: "stranger" });
    client = { cert: fs.readFileSync(issued.certFile, "utf8"), key: fs.readFileSync(issued.keyFile, "utf8") };
    stranger = { cert: fs.readFileSync(foreign.certFile, "utf8"), key: fs.readFileSync(foreign.keyFile, "utf8") };
    mtls = await startWebhook({ certs, tlsCert: certs.cert, tlsKey: certs.key, clientCa: path.join(certs.dir, "ca.crt") });
  });
  after(() => mtls.close());

  const post = (identity?: { cert: string; key: string }) =>
    request(mtls.port, certs.caPem, { path: validatePath, body: admissionReview("Cluster", cluster()), agent: false, ...(identity ? { identity } : {}) });

  it("no certificate: 403; a certificate of another CA: 403; the apiserver's: answered", async () => {
    assert.equal((await post()).status, 403);
    assert.equal((await post(stranger)).status, 403);
    const ok = await post(client);
    assert.equal(ok.status, 200);
    assert.equal(JSON.parse(ok.body).response.allowed, true);
  });

  it("the kubelet's probes need no certificate", async () => {
    for (const p of ["/healthz", "/readyz"]) assert.equal((await request(mtls.port, certs.caPem, { path: p })).status, 200, p);
  });
});
