// `cnp-webhook validate --kubeconfig F`: the files are the first source of cluster state, the live
// API the second (README "References"). Runs the built CLI as a child process against the local fake
// kube-apiserver; without --kubeconfig, what the files lack is "could not verify", not absent.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { API_VERSION } from "../schemas/kinds.js";
import { startKubeApiServer, type KubeApiServer } from "../tools/testkit/kube-api-server.js";
import { CLI } from "../tools/testkit/paths.js";
import type { JsonResult } from "../webhook/checker/output/json.js";
const NS = "app";

/** What `validate --output json` prints per object, as these tests compare it. */
interface Result {
  readonly kind: string;
  readonly name: string;
  readonly allowed: boolean;
  /** `field: message`. */
  readonly warnings: string[];
  readonly errors: { field: string; message: string }[];
}

const asResult = (r: JsonResult): Result => ({
  kind: r.kind,
  name: r.name,
  allowed: r.status === "admitted",
  warnings: r.warnings.map((w) => `${w.field}: ${w.message}`),
  errors: r.errors.map((e) => ({ field: e.field, message: e.message })),
});

let api: KubeApiServer;
let tmp: string;
let manifests: string;
let kubeconfig: string;

const creds = (name: string) => ({ accessKeyId: { name, key: "ACCESS_KEY_ID" }, secretAccessKey: { name, key: "ACCESS_SECRET_KEY" } });
const cluster = (name: string, secret: string) => ({
  apiVersion: API_VERSION,
  kind: "Cluster",
  metadata: { name, namespace: NS },
  spec: {
    instances: 1,
    imageName: "quay.io/enterprisedb/postgresql:13.2",
    storage: { size: "1Gi" },
    backup: { barmanObjectStore: { destinationPath: `s3://backups/${name}`, s3Credentials: creds(secret) } },
  },
});
const backup = (name: string, clusterName: string) => ({
  apiVersion: API_VERSION,
  kind: "Backup",
  metadata: { name, namespace: NS },
  spec: { cluster: { name: clusterName } },
});
const secret = (name: string, keys: string[]) => ({
  apiVersion: "v1",
  kind: "Secret",
  metadata: { name, namespace: NS },
  data: Object.fromEntries(keys.map((k) => [k, Buffer.from(`value-of-${k}`).toString("base64")])),
});

/** JSON is YAML: one document per file keeps the test independent of the YAML emitter. */
const write = (dir: string, file: string, ...docs: unknown[]) =>
  fs.writeFileSync(path.join(dir, file), docs.map((d) => `---\n${JSON.stringify(d, null, 2)}\n`).join(""));

/**
 * The CLI as a child process. `ms` is its whole run, start-up included; `lingerMs` the time from its
 * last output to its exit: what open handles (a hung GET) would stretch, and a loaded machine does not.
 */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number; lingerMs: number }> {
  const started = performance.now();
  let lastOutput = started;
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env["KUBECONFIG"];
    delete env["KUBERNETES_SERVICE_HOST"];
    // Asynchronous on purpose: the fake API server answers from this very process.
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      lastOutput = performance.now();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      lastOutput = performance.now();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const now = performance.now();
      resolve({ code, stdout, stderr, ms: now - started, lingerMs: now - lastOutput });
    });
  });
}

async function validate(args: string[]): Promise<{ code: number | null; results: Map<string, Result>; ms: number; lingerMs: number; stderr: string }> {
  const run = await runCli(["validate", "--output", "json", ...args]);
  let parsed: Result[];
  try {
    parsed = (JSON.parse(run.stdout) as { results: JsonResult[] }).results.map(asResult);
  } catch {
    assert.fail(`validate printed no JSON (exit ${run.code}): ${run.stdout}\n${run.stderr}`);
  }
  return { code: run.code, results: new Map(parsed.map((r) => [`${r.kind}/${r.name}`, r])), ms: run.ms, lingerMs: run.lingerMs, stderr: run.stderr };
}

function get(results: Map<string, Result>, key: string): Result {
  const r = results.get(key);
  assert.ok(r, `no result for ${key} in ${[...results.keys()].join(", ")}`);
  return r;
}

before(async () => {
  api = await startKubeApiServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-validate-live-"));
  kubeconfig = api.writeKubeconfig(tmp);
  manifests = path.join(tmp, "manifests");
  fs.mkdirSync(manifests);

  // Only in the live cluster.
  api.put(secret("live-only-creds", ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"]));
  api.put({ ...cluster("live-cluster", "live-only-creds"), status: { targetPrimary: "live-cluster-1" } });
  // In both; the files' copy is complete, the live one lacks a key: the files win.
  api.put(secret("shadowed-creds", ["ACCESS_KEY_ID"]));

  write(manifests, "01-cluster-live-secret.yaml", cluster("pg-live-secret", "live-only-creds"));
  write(manifests, "02-backup-live-cluster.yaml", backup("b-live", "live-cluster"));
  write(manifests, "03-cluster-file-secret.yaml", secret("file-creds", ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"]), cluster("pg-file-secret", "file-creds"));
  write(manifests, "04-cluster-shadowed.yaml", secret("shadowed-creds", ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"]), cluster("pg-shadowed", "shadowed-creds"));
  write(manifests, "05-missing.yaml", cluster("pg-missing", "nowhere-creds"), backup("b-missing", "nowhere-cluster"));
});

after(async () => {
  await api?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("validate --kubeconfig: the live cluster after the files", () => {
  let run: Awaited<ReturnType<typeof validate>>;
  let paths: string[];

  before(async () => {
    const mark = api.requests.length;
    run = await validate(["--kubeconfig", kubeconfig, manifests]);
    paths = api.requests.slice(mark).map((r) => r.path);
  });

  it("a Cluster whose Secret is only in the live API → admitted, no 'could not verify'", () => {
    const r = get(run.results, "Cluster/pg-live-secret");
    assert.equal(r.allowed, true);
    assert.deepEqual(r.warnings, []);
  });

  it("a Backup whose Cluster is only in the live API → admitted", () => {
    const r = get(run.results, "Backup/b-live");
    assert.equal(r.allowed, true);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.errors, []);
  });

  it("absent in both: absent means absent (Backup denied, Secret warns 'not found'), exit 1", () => {
    assert.equal(run.code, 1, run.stderr);
    const b = get(run.results, "Backup/b-missing");
    assert.equal(b.allowed, false);
    assert.deepEqual(b.errors, [
      { field: "spec.cluster.name", message: `Not found: "nowhere-cluster": Cluster "nowhere-cluster" not found in namespace "app"` },
    ]);
    const c = get(run.results, "Cluster/pg-missing");
    assert.equal(c.allowed, true);
    assert.deepEqual(c.warnings, [`spec.backup.barmanObjectStore.s3Credentials.accessKeyId.name: Secret "nowhere-creds" not found in namespace "app"`]);
  });

  it("what the files hold is not asked of the live API, and the files win over it", () => {
    assert.deepEqual(get(run.results, "Cluster/pg-file-secret").warnings, []);
    // The live copy of shadowed-creds lacks ACCESS_SECRET_KEY; the files' copy has it.
    const shadowed = get(run.results, "Cluster/pg-shadowed");
    assert.equal(shadowed.allowed, true);
    assert.deepEqual(shadowed.warnings, []);
    // Clusters and Backups are listed once (the WAL-archive rule compares with all of them); the
    // live Cluster comes from that list, a name it lacks is still asked for, and Secrets are read by name;
    // one GET of /version first says whether the API server answers at all.
    assert.deepEqual(
      [...paths].sort(),
      [
        "/version", // is the API server there at all (README "Checking manifests in CI")
        `/api/v1/namespaces/${NS}/secrets/live-only-creds`,
        `/api/v1/namespaces/${NS}/secrets/nowhere-creds`,
        `/apis/${API_VERSION}/backups`,
        `/apis/${API_VERSION}/clusters`,
        `/apis/${API_VERSION}/namespaces/${NS}/clusters/nowhere-cluster`,
      ].sort(),
    );
  });

  it("--strict-references: absent in both → denied", async () => {
    const strict = await validate(["--kubeconfig", kubeconfig, "--strict-references", manifests]);
    assert.equal(strict.code, 1);
    const c = get(strict.results, "Cluster/pg-missing");
    assert.equal(c.allowed, false);
    assert.deepEqual(
      c.errors.map((e) => e.field),
      ["spec.backup.barmanObjectStore.s3Credentials.accessKeyId.name"],
    );
    assert.equal(get(strict.results, "Cluster/pg-live-secret").allowed, true);
    assert.equal(get(strict.results, "Backup/b-live").allowed, true);
  });
});

describe("validate without --kubeconfig: what the files lack is unverified", () => {
  it("'could not verify' warnings instead of verdicts on absence; nothing is asked of any API", async () => {
    const mark = api.requests.length;
    const run = await validate([manifests]);
    assert.equal(api.requests.length, mark);
    assert.equal(run.code, 0, "nothing denied: absence cannot be known from files");
    const [w, ...more] = get(run.results, "Cluster/pg-live-secret").warnings;
    assert.deepEqual(more, []);
    assert.match(w ?? "", /^spec\.backup\.barmanObjectStore\.s3Credentials\.accessKeyId\.name: could not verify Secret "live-only-creds"/);
    const b = get(run.results, "Backup/b-live");
    assert.equal(b.allowed, true);
    assert.equal(b.warnings.length, 1);
    assert.match(b.warnings[0]!, /^spec\.cluster\.name: could not verify Cluster "live-cluster": not in the /);
    const missing = get(run.results, "Backup/b-missing");
    assert.equal(missing.allowed, true);
    assert.equal(missing.warnings.length, 1);
    assert.match(missing.warnings[0]!, /^spec\.cluster\.name: could not verify Cluster "nowhere-cluster": not in the /);
    assert.match(get(run.results, "Cluster/pg-missing").warnings.join("\n"), /could not verify Secret "nowhere-creds"/);
    // The files' own Secrets still count.
    assert.deepEqual(get(run.results, "Cluster/pg-file-secret").warnings, []);
  });
});

describe("validate --kubeconfig with an unreachable or hanging API", () => {
  let small: string;
  before(() => {
    small = path.join(tmp, "small");
    fs.mkdirSync(small);
    write(small, "objects.yaml", cluster("pg-live-secret", "live-only-creds"), backup("b-live", "live-cluster"));
  });

  it("Secrets hang, Clusters 403 → 'could not verify' after --lookup-timeout, and the process exits", async (t) => {
    api.faultFor("/api/v1/", "hang");
    api.faultFor(`/apis/${API_VERSION}/`, "forbidden");
    try {
      const run = await validate(["--kubeconfig", kubeconfig, "--lookup-timeout", "500ms", small]);
      t.diagnostic(`validate exited ${run.code} after ${run.ms.toFixed(0)} ms (process start included), ${run.lingerMs.toFixed(0)} ms after its output`);
      assert.equal(run.code, 0, run.stderr);
      assert.match(get(run.results, "Cluster/pg-live-secret").warnings.join("\n"), /could not verify Secret "live-only-creds": timed out/);
      assert.match(get(run.results, "Backup/b-live").warnings.join("\n"), /could not verify Cluster "live-cluster": forbidden/);
      // The hung GETs stay open at the API server: the process exits anyway, at once after its report.
      assert.ok(run.lingerMs < 5000, `exited ${run.lingerMs.toFixed(0)} ms after its output`);
    } finally {
      api.faultFor("/api/v1/", undefined);
      api.faultFor(`/apis/${API_VERSION}/`, undefined);
    }
  });

  it("an unusable kubeconfig file → exit 2 naming the file", async () => {
    const missing = path.join(tmp, "no-such-kubeconfig");
    const run = await runCli(["validate", "--kubeconfig", missing, small]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, new RegExp(`error: cannot load kubeconfig ${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: no such file`));
  });
});

// objectstore/wal-archive-shared in `validate`: every Cluster against every other Cluster and Backup
// of the files, and of the live cluster with --kubeconfig (README "References").
describe("validate: one writer per WAL archive, across the files and the live cluster", () => {
  const shared = (name: string, namespace: string, serverName?: string) => {
    const c = cluster(name, "file-creds");
    return {
      ...c,
      metadata: { name, namespace },
      spec: {
        ...c.spec,
        backup: { barmanObjectStore: { ...c.spec.backup.barmanObjectStore, destinationPath: "s3://backups/shared", ...(serverName ? { serverName } : {}) } },
      },
    };
  };
  let dir: string;

  before(() => {
    dir = path.join(tmp, "archives");
    fs.mkdirSync(dir);
    // Live only: another team's Cluster writing s3://backups/shared/pg-live-twin/.
    api.put(shared("other-team", "team-b", "pg-live-twin"));
    write(dir, "01-secret.yaml", secret("file-creds", ["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"]));
    write(dir, "02-live-twin.yaml", shared("pg-live-twin", NS));
    // The same Cluster in two files of one batch (an overlay applied twice), and a lone one.
    write(dir, "03-twice-a.yaml", shared("pg-twice", NS));
    write(dir, "04-twice-b.yaml", shared("pg-twice", NS));
    write(dir, "05-alone.yaml", shared("pg-alone", NS));
  });

  const byName = async (args: string[]) => {
    const run = await runCli(["validate", "--output", "json", ...args]);
    const results = (JSON.parse(run.stdout) as { results: JsonResult[] }).results.map(asResult);
    return { code: run.code, results, named: (name: string) => results.filter((r) => r.name === name) };
  };
  const archiveErrors = (r: Result) => r.errors.filter((e) => /already uses the WAL archive/.test(e.message));

  it("a Cluster twice in one batch: both documents denied; a Cluster alone admitted", async () => {
    const { code, named } = await byName([dir]);
    assert.equal(code, 1);
    const twice = named("pg-twice");
    assert.equal(twice.length, 2);
    for (const r of twice) {
      assert.equal(r.allowed, false);
      assert.deepEqual(
        archiveErrors(r).map((e) => e.field),
        ["spec.backup.barmanObjectStore.destinationPath"],
      );
      assert.match(archiveErrors(r)[0]!.message, /Cluster "pg-twice" already uses the WAL archive s3:\/\/backups\/shared\/pg-twice\//);
    }
    assert.deepEqual(named("pg-alone")[0]?.errors, []);
    // Without --kubeconfig the files are all there is to compare: no could-not-verify for the archive.
    assert.deepEqual(named("pg-live-twin")[0]?.errors, []);
    assert.ok(!named("pg-live-twin")[0]?.warnings.some((w) => w.includes("WAL archive")));
  });

  it("with --kubeconfig: a Cluster in another namespace of the live cluster with the same archive → denied, naming it", async () => {
    const { named } = await byName(["--kubeconfig", kubeconfig, dir]);
    const [twin] = named("pg-live-twin");
    assert.equal(twin?.allowed, false);
    assert.deepEqual(
      archiveErrors(twin!).map((e) => e.message),
      [
        'Duplicate value: "s3://backups/shared": Cluster "other-team" in namespace "team-b" already uses the WAL archive s3://backups/shared/pg-live-twin/: release 0.5 would archive on top of it and the backups there could no longer be restored; set spec.backup.barmanObjectStore.serverName or another destinationPath',
      ],
    );
    assert.deepEqual(named("pg-alone")[0]?.errors, []);
  });
});
