// What a stranger on port 9443 learns (README "Who may ask"; issue 20 point 5): the real HTTPS server,
// once without --client-ca (anyone may ask: restricted messages) and once with it (only the apiserver
// reaches the admission paths: full detail), answering the same AdmissionReviews over the same cluster
// state. The verdicts are the same; the stranger's answers name nothing of another namespace, quote no
// error a Backup stored and no key of a Secret.
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Cluster } from "../generated/types/index.js";
import type { KindName } from "../schemas/kinds.js";
import { issueClientCertificate } from "../certs/tls.js";
import { completedBackup, CREDS_KEYS, CREDS_SECRET, stateResolver, validCluster, withField } from "../tools/testkit/admission.js";
import { makeCerts, type CertFiles } from "../tools/testkit/certs.js";
import { request } from "../tools/testkit/https.js";
import { admissionReview } from "../tools/testkit/review.js";
import { startWebhook, type AdmissionResponse, type TestWebhook } from "../tools/testkit/webhook.js";
import { route } from "../webhook/routes.js";

/** barman-cloud-backup's error when S3 refuses it, as the operator stores it in status.error. */
const STORED_ERROR = "AccessDenied: User: arn:aws:sts::123456789012:assumed-role/pg-backup/i-0abc is not authorized to perform: s3:PutObject";

/** Another team's Cluster, in namespace "payments", writing where the request's Cluster would. */
const payments = withField(withField(validCluster("ledger-db"), "metadata.namespace", "payments"), "spec.backup.barmanObjectStore.serverName", "pg");
const state = {
  secrets: { [CREDS_SECRET]: ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY_OLD"], minio: CREDS_KEYS },
  clusters: [payments],
  backups: [withField(completedBackup("nightly"), "status", { phase: "failed", error: STORED_ERROR })],
};

const restoring = (): Cluster =>
  withField(withField(validCluster("restored"), "spec.bootstrap", { fullRecovery: { backup: { name: "nightly" } } }), "spec.backup", undefined);

/** What a stranger must not learn, per review: text that only a looked-up object holds. */
const reviews: { what: string; kind: KindName; object: unknown; hidden: string[] }[] = [
  { what: "recovery from a failed Backup", kind: "Cluster", object: restoring(), hidden: ["123456789012", "arn:aws", "AccessDenied"] },
  {
    what: "an archive another namespace's Cluster writes (and a Secret without the key)",
    kind: "Cluster",
    object: validCluster("pg"),
    hidden: ["payments", "ledger-db", "ACCESS_SECRET_KEY_OLD"],
  },
];

let certs: CertFiles;
let stranger: TestWebhook;
let apiserver: TestWebhook;
let identity: { cert: string; key: string };

before(async () => {
  certs = await makeCerts("cnp-disclosure-");
  const issued = await issueClientCertificate({ dir: certs.dir, commonName: "kube-apiserver" });
  identity = { cert: fs.readFileSync(issued.certFile, "utf8"), key: fs.readFileSync(issued.keyFile, "utf8") };
  const common = { certs, tlsCert: certs.cert, tlsKey: certs.key, logLevel: "silent" as const, resolver: stateResolver(state) };
  [stranger, apiserver] = await Promise.all([startWebhook(common), startWebhook({ ...common, clientCa: path.join(certs.dir, "ca.crt") })]);
});
after(async () => {
  await Promise.all([stranger?.close(), apiserver?.close()]);
  fs.rmSync(certs.dir, { recursive: true, force: true });
});

/** One review posted to a server, with the apiserver's client certificate or none; the raw body and its response. */
async function ask(webhook: TestWebhook, kind: KindName, object: unknown, withCertificate: boolean): Promise<{ text: string; response: AdmissionResponse }> {
  const reply = await request(webhook.port, certs.caPem, {
    path: route("validate", kind).path,
    body: admissionReview(kind, object, { uid: "same-review" }),
    ...(withCertificate ? { identity } : {}),
  });
  assert.equal(reply.status, 200, reply.body);
  return { text: reply.body, response: (JSON.parse(reply.body) as { response: AdmissionResponse }).response };
}

/** The verdict without its wording: allowed, code, reason, and each cause's field and reason. */
const verdictOf = (r: AdmissionResponse) => ({
  allowed: r.allowed,
  code: r.status?.code,
  reason: r.status?.reason,
  causes: r.status?.details?.causes?.map((c) => [c.field, c.reason]),
  warnings: r.warnings?.length ?? 0,
});

describe("without --client-ca a stranger gets the verdict, not what the lookups found; with it, the apiserver gets everything", () => {
  for (const { what, kind, object, hidden } of reviews) {
    it(what, async () => {
      const told = await ask(stranger, kind, object, false);
      const full = await ask(apiserver, kind, object, true);
      assert.equal(told.response.allowed, false);
      assert.deepEqual(verdictOf(told.response), verdictOf(full.response));
      for (const text of hidden) {
        assert.ok(full.text.includes(text), `the apiserver is told ${text}: ${full.text}`);
        assert.ok(!told.text.includes(text), `a stranger is not told ${text}: ${told.text}`);
      }
    });
  }

  it("the stranger's answers say where the user can look, and what of its own request is wrong", async () => {
    const failed = (await ask(stranger, "Cluster", restoring(), false)).response.status?.message ?? "";
    assert.match(failed, /Backup "nightly" failed; see `kubectl describe backup nightly`; recover from a completed backup/);
    const shared = (await ask(stranger, "Cluster", validCluster("pg"), false)).response.status?.message ?? "";
    assert.match(shared, /a Cluster or Backup in another namespace already uses the WAL archive s3:\/\/backups\/pg\/pg\//);
    assert.match(shared, /Secret "aws-creds" has no key "ACCESS_SECRET_KEY"(?!;)/);
  });

  it("with --client-ca, a caller without the apiserver's certificate is not answered at all", async () => {
    const reply = await request(apiserver.port, certs.caPem, { path: route("validate", "Cluster").path, body: admissionReview("Cluster", restoring()) });
    assert.equal(reply.status, 403);
    assert.ok(!reply.body.includes("123456789012"));
  });
});
