import assert from "node:assert/strict";
import { X509Certificate, generateKeyPairSync } from "node:crypto";
import fs from "node:fs";
import https from "node:https";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { createSecureContext } from "node:tls";
import { ensureCertificates, isCACertificate, keyMatchesCertificate, readCertificateInfo, type EnsureCertificatesOptions } from "./tls.js";

const DAY = 24 * 60 * 60 * 1000;
const tmpDirs: string[] = [];
after(() => tmpDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function tmpDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-certs-"));
  tmpDirs.push(d);
  return path.join(d, "out"); // not created yet: ensureCertificates must create it
}
const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, f), "utf8");
const readAll = (dir: string) => ["ca.crt", "ca.key", "tls.crt", "tls.key"].map((f) => read(dir, f));
const mode = (dir: string, f: string) => fs.statSync(path.join(dir, f)).mode & 0o777;

async function generate(extra: Partial<EnsureCertificatesOptions> = {}) {
  const outDir = extra.outDir ?? tmpDir();
  const report = await ensureCertificates({ service: "cnp-webhook", namespace: "cnp-system", outDir, ...extra });
  return { outDir, report };
}

describe("ensureCertificates", () => {
  test("creates a CA and a serving certificate with the expected SANs and flags", async () => {
    const { outDir, report } = await generate();
    assert.deepEqual(fs.readdirSync(outDir).sort(), ["ca.crt", "ca.key", "tls.crt", "tls.key"]); // no temp files left
    assert.equal(report.ca.action, "created");
    assert.equal(report.serving.action, "created");
    assert.equal(report.ca.certFile, path.join(outDir, "ca.crt"));
    assert.equal(report.serving.keyFile, path.join(outDir, "tls.key"));

    const ca = new X509Certificate(read(outDir, "ca.crt"));
    const leaf = new X509Certificate(read(outDir, "tls.crt"));
    assert.equal(ca.ca, true);
    assert.equal(ca.subject, "CN=cnp-webhook-ca");
    assert.ok(ca.verify(ca.publicKey), "CA is self-signed");
    assert.equal(leaf.ca, false);
    assert.equal(leaf.subject, "CN=cnp-webhook.cnp-system.svc");
    assert.equal(
      leaf.subjectAltName,
      "DNS:cnp-webhook, DNS:cnp-webhook.cnp-system, DNS:cnp-webhook.cnp-system.svc, " +
        "DNS:cnp-webhook.cnp-system.svc.cluster.local, DNS:localhost, IP Address:127.0.0.1",
    );
    assert.deepEqual(leaf.keyUsage, ["1.3.6.1.5.5.7.3.1"]); // extKeyUsage serverAuth
    assert.ok(leaf.checkIssued(ca));
    assert.ok(leaf.verify(ca.publicKey));
    assert.equal(report.serving.notAfter.getTime(), new Date(leaf.validTo).getTime());
    assert.equal(report.ca.notAfter.getTime(), new Date(ca.validTo).getTime());

    assert.match(read(outDir, "tls.key"), /^-----BEGIN PRIVATE KEY-----\n/);
    assert.doesNotThrow(() => createSecureContext({ cert: read(outDir, "tls.crt"), key: read(outDir, "tls.key") }));
  });

  test("key files are 0600, also when they already existed with another mode", async () => {
    const { outDir } = await generate();
    assert.equal(mode(outDir, "ca.key"), 0o600);
    assert.equal(mode(outDir, "tls.key"), 0o600);
    assert.equal(mode(outDir, "tls.crt"), 0o644);
    fs.chmodSync(path.join(outDir, "ca.key"), 0o644);
    fs.chmodSync(path.join(outDir, "tls.key"), 0o666);
    const { report } = await generate({ outDir });
    assert.equal(report.serving.action, "kept");
    assert.equal(mode(outDir, "ca.key"), 0o600);
    assert.equal(mode(outDir, "tls.key"), 0o600);
  });

  test("is idempotent: a second run keeps every file byte-for-byte", async () => {
    const { outDir } = await generate();
    const before = readAll(outDir);
    const { report } = await generate({ outDir });
    assert.deepEqual(readAll(outDir), before);
    assert.equal(report.ca.action, "kept");
    assert.equal(report.serving.action, "kept");
    assert.equal(report.serving.reason, "valid");
  });

  test("renews the serving certificate when it expires within renewWithinDays", async () => {
    const { outDir, report: first } = await generate();
    const [caCrt, caKey, oldCrt] = readAll(outDir);
    // 40 days before expiry: still kept; 20 days before: renewed.
    const { report: kept } = await generate({ outDir, now: new Date(first.serving.notAfter.getTime() - 40 * DAY) });
    assert.equal(kept.serving.action, "kept");
    const now = new Date(first.serving.notAfter.getTime() - 20 * DAY);
    const { report } = await generate({ outDir, now });
    assert.equal(report.ca.action, "kept");
    assert.equal(report.serving.action, "renewed");
    assert.match(report.serving.reason, /within 30 days/);
    assert.ok(report.serving.notAfter.getTime() > now.getTime() + 300 * DAY);
    const [caCrt2, caKey2, newCrt] = readAll(outDir);
    assert.equal(caCrt2, caCrt);
    assert.equal(caKey2, caKey);
    assert.notEqual(newCrt, oldCrt);
    assert.ok(new X509Certificate(newCrt!).verify(new X509Certificate(caCrt!).publicKey));
  });

  test("renews the serving certificate when service or namespace change", async () => {
    const { outDir } = await generate();
    const { report } = await generate({ outDir, namespace: "other" });
    assert.equal(report.ca.action, "kept");
    assert.equal(report.serving.action, "renewed");
    assert.match(report.serving.reason, /SANs do not match/);
    assert.match(new X509Certificate(read(outDir, "tls.crt")).subjectAltName ?? "", /DNS:cnp-webhook\.other\.svc,/);

    const { report: r2 } = await generate({ outDir, service: "hook", namespace: "other" });
    assert.equal(r2.serving.action, "renewed");
    assert.deepEqual(readCertificateInfo(read(outDir, "tls.crt")).dnsNames, [
      "hook",
      "hook.other",
      "hook.other.svc",
      "hook.other.svc.cluster.local",
      "localhost",
    ]);
  });

  test("renews the serving certificate when its key does not match or it is not signed by the CA", async () => {
    const { outDir } = await generate();
    const foreignKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
    fs.writeFileSync(path.join(outDir, "tls.key"), foreignKey);
    const { report } = await generate({ outDir });
    assert.equal(report.serving.action, "renewed");
    assert.match(report.serving.reason, /private key does not match/);
    assert.ok(keyMatchesCertificate(read(outDir, "tls.crt"), read(outDir, "tls.key")));

    // Swap in another (valid) CA: it is kept, but the serving cert must be re-issued by it.
    const other = await generate();
    fs.copyFileSync(path.join(other.outDir, "ca.crt"), path.join(outDir, "ca.crt"));
    fs.copyFileSync(path.join(other.outDir, "ca.key"), path.join(outDir, "ca.key"));
    const { report: r2 } = await generate({ outDir });
    assert.equal(r2.ca.action, "kept");
    assert.equal(r2.serving.action, "renewed");
    assert.match(r2.serving.reason, /not signed by the CA/);
    assert.ok(new X509Certificate(read(outDir, "tls.crt")).checkIssued(new X509Certificate(read(outDir, "ca.crt"))));
  });

  test("renewing the CA cascades to the serving certificate", async () => {
    const { outDir, report: first } = await generate();
    const [oldCa, , oldCrt] = readAll(outDir);
    const now = new Date(first.ca.notAfter.getTime() - 10 * DAY);
    const { report } = await generate({ outDir, now });
    assert.equal(report.ca.action, "renewed");
    assert.match(report.ca.reason, /within 30 days/);
    assert.equal(report.serving.action, "renewed");
    assert.equal(report.serving.reason, "CA was renewed");
    const [newCa, , newCrt] = readAll(outDir);
    assert.notEqual(newCa, oldCa);
    assert.notEqual(newCrt, oldCrt);
    assert.ok(new X509Certificate(newCrt!).checkIssued(new X509Certificate(newCa!)));
    // The same clock again: everything is kept.
    const { report: again } = await generate({ outDir, now });
    assert.equal(again.ca.action, "kept");
    assert.equal(again.serving.action, "kept");
  });

  test("renews an unreadable CA or one whose key is missing", async () => {
    const { outDir } = await generate();
    fs.writeFileSync(path.join(outDir, "ca.crt"), "garbage");
    const { report } = await generate({ outDir });
    assert.equal(report.ca.action, "renewed");
    assert.match(report.ca.reason, /unreadable/);
    assert.equal(report.serving.action, "renewed");
    assert.ok(isCACertificate(read(outDir, "ca.crt")));

    fs.rmSync(path.join(outDir, "ca.key"));
    const { report: r2 } = await generate({ outDir });
    assert.equal(r2.ca.action, "renewed");
    assert.match(r2.ca.reason, /ca\.key missing/);
    assert.ok(keyMatchesCertificate(read(outDir, "ca.crt"), read(outDir, "ca.key")));
  });

  test("a serving certificate never outlives its CA", async () => {
    const { report } = await generate({ caValidityDays: 100, servingValidityDays: 365 });
    assert.equal(report.serving.notAfter.getTime(), report.ca.notAfter.getTime());
  });

  test("rejects validity periods that would renew on every run", async () => {
    await assert.rejects(generate({ servingValidityDays: 30 }), RangeError);
    await assert.rejects(generate({ renewWithinDays: -1 }), RangeError);
  });
});

describe("helpers", () => {
  test("isCACertificate: true for the CA, false for the serving cert and garbage", async () => {
    const { outDir } = await generate();
    assert.equal(isCACertificate(read(outDir, "ca.crt")), true);
    assert.equal(isCACertificate(read(outDir, "tls.crt")), false);
    assert.equal(isCACertificate("not a certificate"), false);
  });

  test("keyMatchesCertificate: true, false, and false on garbage", async () => {
    const { outDir } = await generate();
    assert.equal(keyMatchesCertificate(read(outDir, "tls.crt"), read(outDir, "tls.key")), true);
    assert.equal(keyMatchesCertificate(read(outDir, "ca.crt"), read(outDir, "ca.key")), true);
    assert.equal(keyMatchesCertificate(read(outDir, "tls.crt"), read(outDir, "ca.key")), false);
    assert.equal(keyMatchesCertificate("garbage", read(outDir, "tls.key")), false);
    assert.equal(keyMatchesCertificate(read(outDir, "tls.crt"), "garbage"), false);
  });

  test("readCertificateInfo reads the fields back", async () => {
    const { outDir } = await generate({ now: new Date("2030-01-01T00:00:00Z") });
    const info = readCertificateInfo(read(outDir, "tls.crt"));
    assert.equal(info.subject, "CN=cnp-webhook.cnp-system.svc");
    assert.equal(info.issuer, "CN=cnp-webhook-ca");
    assert.equal(info.isCA, false);
    assert.ok(info.notBefore <= new Date("2030-01-01T00:00:00Z"));
    assert.equal(info.notAfter.toISOString(), "2031-01-01T00:00:00.000Z");
    assert.deepEqual(info.ipAddresses, ["127.0.0.1"]);
    assert.ok(info.dnsNames.includes("cnp-webhook.cnp-system.svc.cluster.local"));
    assert.match(info.serialNumber, /^[0-9a-f]+$/);
    assert.equal(readCertificateInfo(read(outDir, "ca.crt")).isCA, true);
  });

  test("readCertificateInfo throws a clear error on garbage", () => {
    assert.throws(() => readCertificateInfo("hello"), /not a PEM certificate/);
    assert.throws(() => readCertificateInfo(""), /not a PEM certificate/);
    assert.throws(() => readCertificateInfo("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), /invalid PEM certificate/);
  });
});

describe("TLS handshake", () => {
  async function request(outDir: string, caPem: string): Promise<string> {
    const server = https.createServer({ cert: read(outDir, "tls.crt"), key: read(outDir, "tls.key") }, (_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    try {
      return await new Promise<string>((resolve, reject) => {
        const req = https.get({ host: "127.0.0.1", port, path: "/", ca: caPem, servername: "cnp-webhook.cnp-system.svc", agent: false }, (res) => {
          let body = "";
          res.on("data", (c: Buffer) => (body += c.toString()));
          res.on("end", () => resolve(body));
        });
        req.on("error", reject);
      });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  test("succeeds with ca.crt as trust anchor and the Service DNS name", async () => {
    const { outDir } = await generate();
    assert.equal(await request(outDir, read(outDir, "ca.crt")), "ok");
  });

  test("fails with a certificate error against another CA", async () => {
    const { outDir } = await generate();
    const other = await generate();
    await assert.rejects(request(outDir, read(other.outDir, "ca.crt")), (err: NodeJS.ErrnoException) => {
      assert.match(err.code ?? "", /CERT|SIGNATURE|VERIFY/);
      return true;
    });
  });
});
