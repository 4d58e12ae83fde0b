// One judgement, four faces (README "HTTP API"): the server, `validate`, `audit` and the in-memory test
// kit all call the one `judge`, so for the same object and the same cluster state they give the same
// verdict, the same warnings and the same patch, under the ignore annotation and in warn mode alike.
// Each face is driven as its users drive it: AdmissionReviews over HTTPS to the real server whose
// caches list and watch the local API server, the `validate` and `audit` commands with JSON output,
// and `check` of the test kit.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { KindName } from "../schemas/kinds.js";
import { CREDS_KEYS, CREDS_SECRET, check, validBackup, validCluster, validScheduledBackup, withField } from "../tools/testkit/admission.js";
import { runMain } from "../tools/testkit/cli.js";
import { startKubeApiServer, type KubeApiServer, type KubeObject } from "../tools/testkit/kube-api-server.js";
import { startWebhook, type TestWebhook } from "../tools/testkit/webhook.js";
import type { Enforcement } from "../webhook/admission/enforcement.js";
import { warningText } from "../webhook/admission/field.js";
import { IGNORE_ANNOTATION } from "../webhook/admission/ignore.js";

const NAMESPACE = "default";

/** The objects judged; each is also part of the cluster state of the others. */
const judged: { kind: KindName; name: string; object: Record<string, unknown> }[] = (() => {
  const bad = withField(withField(validCluster("bad"), "spec.instances", 0), "spec.backup.barmanObjectStore.wal.encryption", "SHA256");
  const withToken = withField(bad, "spec.backup.barmanObjectStore.s3Credentials.sessionToken", { name: CREDS_SECRET });
  const placeholder = withField(validCluster("waived"), "spec.backup.barmanObjectStore.destinationPath", "s3://BUCKET_NAME/waived");
  const waived = withField(placeholder, "metadata.annotations", { [IGNORE_ANNOTATION]: "objectstore/bucket-name" });
  const hourly = validScheduledBackup("hourly", "pg", "0 0 * * *");
  return [
    // Bootstrapped: a Backup of it runs (the API has its status; the files given to validate never say).
    { kind: "Cluster" as const, name: "pg", object: withField(validCluster("pg"), "status", { targetPrimary: "pg-1" }) },
    { kind: "Cluster" as const, name: "bad", object: withToken },
    { kind: "Cluster" as const, name: "waived", object: waived },
    { kind: "ScheduledBackup" as const, name: "hourly", object: hourly },
    { kind: "Backup" as const, name: "orphan", object: validBackup("orphan", "no-such-cluster") },
    { kind: "Backup" as const, name: "of-pg", object: validBackup("of-pg", "pg") },
  ].map((o) => ({ ...o, object: o.object as unknown as Record<string, unknown> }));
})();

const secret = {
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name: CREDS_SECRET, namespace: NAMESPACE },
  stringData: Object.fromEntries(CREDS_KEYS.map((k) => [k, "x"])),
};

/** What every face is reduced to: the server's own shape of an answer. */
interface Answer {
  allowed: boolean;
  /** `field: message` per denial, in order. */
  errors: string[];
  /** As the server sends them: `[would deny: ]field: message`, at most 120 characters. */
  warnings: string[];
  patch: unknown[];
}

interface Finding {
  rule: string;
  field: string;
  message: string;
}

const WOULD_DENY = "would deny: ";
/** A report's warning (the prefix in its message) as the server words it (the prefix before the field). */
const asSent = (w: Finding): string =>
  w.message.startsWith(WOULD_DENY) ? warningText(`${WOULD_DENY}${w.field}`, w.message.slice(WOULD_DENY.length)) : warningText(w.field, w.message);

/** The faces of one enforcement setting. */
interface Setting {
  readonly title: string;
  readonly enforcement: Enforcement;
  readonly flags: string[];
}

const SETTINGS: Setting[] = [
  { title: "deny mode, ignore annotation honoured", enforcement: { mode: "deny", warnOnly: new Set() }, flags: [] },
  { title: "warn mode", enforcement: { mode: "warn", warnOnly: new Set() }, flags: ["--enforcement", "warn"] },
  {
    title: "deny mode with one rule warn-only",
    enforcement: { mode: "deny", warnOnly: new Set(["schedule/five-fields"]) },
    flags: ["--warn-only", "schedule/five-fields"],
  },
];

let api: KubeApiServer;
let tmp: string;
let kubeconfig: string;
let manifests: string;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-faces-"));
  api = await startKubeApiServer();
  api.put(secret as KubeObject);
  for (const { object } of judged) api.put(structuredClone(object) as unknown as KubeObject);
  kubeconfig = api.writeKubeconfig(tmp);
  manifests = path.join(tmp, "manifests.yaml");
  fs.writeFileSync(manifests, [secret, ...judged.map((j) => j.object)].map((o) => JSON.stringify(o)).join("\n---\n"));
});

after(async () => {
  await api?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function serverAnswers(setting: Setting): Promise<Map<string, Answer>> {
  const webhook: TestWebhook = await startWebhook({ kubeconfig, enforcement: setting.enforcement, allowIgnoreAnnotation: true });
  try {
    const answers = new Map<string, Answer>();
    for (const { kind, name, object } of judged) {
      const validated = (await webhook.review(kind, object, { namespace: NAMESPACE })).response;
      const mutated = (await webhook.review(kind, object, { namespace: NAMESPACE, role: "mutate" })).response;
      assert.ok(validated && mutated, `${kind} ${name}: both webhooks answer`);
      answers.set(`${kind}/${name}`, {
        allowed: validated.allowed,
        errors: (validated.status?.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`),
        warnings: validated.warnings ?? [],
        patch: mutated.patch ? (JSON.parse(Buffer.from(mutated.patch, "base64").toString("utf8")) as unknown[]) : [],
      });
    }
    return answers;
  } finally {
    await webhook.close();
  }
}

interface ReportResult {
  kind: string;
  name: string;
  status: string;
  errors: Finding[];
  warnings: Finding[];
  patch: unknown[];
}

const fromReport = (results: ReportResult[]): Map<string, Answer> =>
  new Map(
    results
      .filter((r) => judged.some((j) => j.kind === r.kind && j.name === r.name))
      .map((r) => [
        `${r.kind}/${r.name}`,
        {
          allowed: r.status === "admitted",
          errors: r.errors.map((e) => `${e.field}: ${e.message}`),
          warnings: [...new Set(r.warnings.map(asSent))],
          patch: r.patch,
        },
      ]),
  );

async function validateAnswers(setting: Setting): Promise<Map<string, Answer>> {
  // With the live cluster as well as the files: an object missing from the files is then absent, not unverified.
  const { stdout } = await runMain(["validate", "-o", "json", "--kubeconfig", kubeconfig, ...setting.flags, manifests]);
  return fromReport((JSON.parse(stdout) as { results: ReportResult[] }).results);
}

async function auditAnswers(setting: Setting): Promise<Map<string, Answer>> {
  const { stdout, stderr } = await runMain(["audit", "--kubeconfig", kubeconfig, "-o", "json", "--allow-ignore-annotation", ...setting.flags]);
  assert.equal(stderr, "");
  return fromReport((JSON.parse(stdout) as { results: ReportResult[] }).results);
}

async function testkitAnswers(setting: Setting): Promise<Map<string, Answer>> {
  const state = {
    secrets: { [CREDS_SECRET]: CREDS_KEYS },
    clusters: judged.filter((j) => j.kind === "Cluster").map((j) => j.object as never),
    backups: judged.filter((j) => j.kind === "Backup").map((j) => j.object as never),
  };
  const answers = new Map<string, Answer>();
  for (const { kind, name, object } of judged) {
    const c = await check(kind, object, { state, enforcement: setting.enforcement, honourIgnoreAnnotation: true });
    answers.set(`${kind}/${name}`, {
      allowed: c.allowed,
      errors: [...c.errors],
      warnings: [...new Set(c.verdict.warnings.map((w) => warningText(w.wouldDeny ? `${WOULD_DENY}${w.field}` : w.field, w.message)))],
      patch: [...c.patch],
    });
  }
  return answers;
}

describe("the four faces judge alike", () => {
  for (const setting of SETTINGS) {
    it(`${setting.title}: the server, validate, audit and the test kit give the same verdict, warnings and patch`, async () => {
      const server = await serverAnswers(setting);
      const faces = { validate: await validateAnswers(setting), audit: await auditAnswers(setting), testkit: await testkitAnswers(setting) };
      for (const { kind, name } of judged) {
        const key = `${kind}/${name}`;
        const expected = server.get(key);
        assert.ok(expected, key);
        // `validate` lists findings in the order of their lines in the file: compared as sets.
        const sorted = (a: Answer | undefined) => a && { ...a, errors: [...a.errors].sort(), warnings: [...a.warnings].sort() };
        for (const [face, answers] of Object.entries(faces)) assert.deepEqual(sorted(answers.get(key)), sorted(expected), `${face} on ${key}`);
      }
      // The cases are not vacuous: each setting denies, warns and patches somewhere.
      const all = [...server.values()];
      assert.ok(all.some((a) => a.patch.length > 0));
      assert.ok(all.some((a) => a.warnings.length > 0));
      if (setting.enforcement.mode === "warn") assert.ok(all.every((a) => a.allowed) && all.some((a) => a.warnings.some((w) => w.startsWith(WOULD_DENY))));
      else assert.ok(all.some((a) => !a.allowed));
      assert.equal(server.get("Cluster/waived")?.allowed, true, "the annotation waived the only denial");
    });
  }
});
