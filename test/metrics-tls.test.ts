// `serve --metrics-tls` (README "Install and operate"): /metrics over HTTPS with the serving certificate,
// under the names Prometheus checks (the bare Service name of the ServiceMonitor's tlsConfig), and
// following certificate reloads like the webhook port.
import assert from "node:assert/strict";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { TLSSocket } from "node:tls";
import { makeCerts, renewServing, tempDir, type CertFiles } from "../tools/testkit/certs.js";
import { request, waitFor } from "../tools/testkit/https.js";
import { startWebhook, type TestWebhook } from "../tools/testkit/webhook.js";
import { NAME } from "../webhook/deployment.js";

/** GET /metrics over HTTPS, verifying the certificate for `servername`; the presented fingerprint. */
const scrape = (port: number, ca: string, servername: string): Promise<{ status: number; body: string; peer: string }> =>
  new Promise((resolve, reject) => {
    https
      .get({ host: "127.0.0.1", port, path: "/metrics", ca, servername, agent: false }, (res) => {
        let body = "";
        const peer = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, peer }));
      })
      .on("error", reject);
  });

describe("serve --metrics-tls", () => {
  let certs: CertFiles;
  let next: CertFiles;
  let dir: string;
  let hook: TestWebhook;
  before(async () => {
    certs = await makeCerts();
    next = await renewServing(certs);
    dir = tempDir("cnp-metrics-tls-");
    fs.copyFileSync(certs.cert, path.join(dir, "tls.crt"));
    fs.copyFileSync(certs.key, path.join(dir, "tls.key"));
    hook = await startWebhook({
      tlsCert: path.join(dir, "tls.crt"),
      tlsKey: path.join(dir, "tls.key"),
      metricsPort: "ephemeral",
      metricsTls: true,
      certificateReload: { pollIntervalMs: 300, debounceMs: 50, settleMs: 100 },
    });
  });
  after(async () => {
    await hook.close();
    for (const d of [certs.dir, next.dir, dir]) fs.rmSync(d, { recursive: true, force: true });
  });

  it("answers over HTTPS with the serving certificate, verified as the bare Service name, and not over plain HTTP", async () => {
    const port = hook.running.metricsPort!;
    const answer = await scrape(port, certs.caPem, NAME);
    assert.equal(answer.status, 200);
    assert.match(answer.body, /^cnp_webhook_requests_in_flight /m);
    assert.equal(answer.peer, certs.fingerprint);
    await assert.rejects(
      new Promise((resolve, reject) => http.get({ host: "127.0.0.1", port, path: "/metrics", agent: false }, resolve).on("error", reject)),
      /socket hang up|ECONNRESET|parse/i,
    );
  });

  it("serves a renewed certificate without a restart, like the webhook port", async () => {
    fs.writeFileSync(path.join(dir, "tls.key"), next.keyPem);
    fs.writeFileSync(path.join(dir, "tls.crt"), next.certPem);
    await waitFor(async () => (await request(hook.port, certs.caPem, { path: "/readyz" })).peer === next.fingerprint, "the webhook port to reload");
    const answer = await scrape(hook.running.metricsPort!, certs.caPem, NAME);
    assert.equal(answer.peer, next.fingerprint);
  });
});
