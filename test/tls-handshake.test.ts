// The TLS handshake as the kube-apiserver makes it: it trusts only the caBundle (our generated CA) and
// dials the Service name `cnp-webhook.cnp-system.svc`. TLS below 1.2 is refused (README "HTTP API").
import assert from "node:assert/strict";
import fs from "node:fs";
import tls from "node:tls";
import { after, before, describe, it } from "node:test";
import { SERVER_NAME, makeCerts, type CertFiles } from "../tools/testkit/certs.js";
import { request } from "../tools/testkit/https.js";
import { backupReview } from "../tools/testkit/review.js";
import { startWebhook } from "../tools/testkit/webhook.js";
import { route } from "../webhook/routes.js";
import type { RunningServer } from "../webhook/server/serve.js";

const validatePath = route("validate", "Backup").path;

let certs: CertFiles;
let otherCA: CertFiles;
let server: RunningServer;

before(async () => {
  [certs, otherCA] = await Promise.all([makeCerts(), makeCerts("cnp-other-ca-")]);
  ({ running: server } = await startWebhook({ certs, tlsCert: certs.cert, tlsKey: certs.key, lookupTimeoutMs: 500, logLevel: "silent" }));
});

after(async () => {
  await server.close(1000);
  for (const c of [certs, otherCA]) fs.rmSync(c.dir, { recursive: true, force: true });
});

/** Resolves with the negotiated protocol, or rejects with the handshake error. */
function handshake(options: tls.ConnectionOptions): Promise<{ protocol: string | null; authorized: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port: server.port, servername: SERVER_NAME, ...options }, () => {
      const result = { protocol: socket.getProtocol(), authorized: socket.authorized };
      socket.end();
      resolve(result);
    });
    socket.on("error", reject);
  });
}

describe("TLS handshake", () => {
  it("succeeds trusting only the generated CA, with servername cnp-webhook.cnp-system.svc", async () => {
    const result = await handshake({ ca: certs.caPem });
    assert.equal(result.authorized, true);
    assert.match(result.protocol ?? "", /^TLSv1\.[23]$/);
  });

  it("negotiates TLS 1.2 too (older apiservers)", async () => {
    const result = await handshake({ ca: certs.caPem, maxVersion: "TLSv1.2" });
    assert.equal(result.protocol, "TLSv1.2");
  });

  it("an AdmissionReview round trip over it answers 200", async () => {
    const reply = await request(server.port, certs.caPem, { path: validatePath, body: backupReview() });
    assert.equal(reply.status, 200);
    assert.equal(reply.peer, certs.fingerprint);
    assert.equal((JSON.parse(reply.body) as { response: { uid: string } }).response.uid.startsWith("uid-"), true);
  });

  it("fails when the client trusts a different CA", async () => {
    await assert.rejects(handshake({ ca: otherCA.caPem }), (err: NodeJS.ErrnoException) => {
      assert.match(String(err.code), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|UNABLE_TO_GET_ISSUER_CERT/);
      return true;
    });
  });

  it("fails for a name the certificate does not cover", async () => {
    await assert.rejects(handshake({ ca: certs.caPem, servername: "cnp-webhook.other-namespace.svc" }), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, "ERR_TLS_CERT_ALTNAME_INVALID");
      return true;
    });
  });

  it("refuses TLS 1.1 (the server answers with a protocol_version alert)", async () => {
    await assert.rejects(
      // SECLEVEL=0: OpenSSL 3 would otherwise refuse to even offer TLS 1.1 on the client side.
      handshake({ ca: certs.caPem, minVersion: "TLSv1.1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" }),
      (err: NodeJS.ErrnoException) => {
        // ALERT_*: the server said no (alert 70), not the client refusing to offer TLS 1.1.
        assert.equal(err.code, "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION");
        return true;
      },
    );
  });

  it("still refuses TLS 1.1 after a certificate reload", async () => {
    fs.writeFileSync(certs.cert, `${fs.readFileSync(certs.cert, "utf8")}\n`); // same pair, new bytes: a reload
    assert.equal(server.reloader.check(), "loaded");
    await assert.rejects(handshake({ ca: certs.caPem, minVersion: "TLSv1.1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" }));
    assert.equal((await handshake({ ca: certs.caPem })).authorized, true);
  });

  it("offers TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305 only: no CBC, no SHA-1, no CCM", async () => {
    for (const cipher of ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"]) {
      const result = await handshake({ ca: certs.caPem, maxVersion: "TLSv1.2", ciphers: cipher });
      assert.equal(result.protocol, "TLSv1.2", cipher);
    }
    for (const cipher of ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-ECDSA-AES128-CCM8", "AES128-GCM-SHA256"]) {
      await assert.rejects(
        handshake({ ca: certs.caPem, maxVersion: "TLSv1.2", ciphers: `${cipher}@SECLEVEL=0` }),
        /handshake failure|no shared cipher|HANDSHAKE_FAILURE/i,
        cipher,
      );
    }
    assert.equal((await handshake({ ca: certs.caPem, minVersion: "TLSv1.3" })).protocol, "TLSv1.3");
  });
});
