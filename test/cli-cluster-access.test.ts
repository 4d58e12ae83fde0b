// The commands that read a cluster and end (`audit`, `validate --kubeconfig`) when the cluster cannot be
// read: an API server that refuses connections, one that never answers, one whose lists fail. Each is
// said once, on stderr, within seconds, and stdout holds the report and nothing else (README "Auditing
// a cluster"); the same holds for every command whose stdout is a report.
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { GROUP } from "../schemas/kinds.js";
import { runCli, runMain } from "../tools/testkit/cli.js";
import { connectionRefusedKubeconfig, startKubeApiServer, type KubeApiServer } from "../tools/testkit/kube-api-server.js";
import { REACH_TIMEOUT_MS } from "../webhook/references/connect.js";
import type { JsonResult } from "../webhook/checker/output/json.js";

let tmp: string;
let api: KubeApiServer;
let refused: string;
let silent: net.Server;
let silentKubeconfig: string;
let neverAnswered: ReturnType<typeof timed>;
const sockets: net.Socket[] = [];

const CLUSTER = `apiVersion: ${GROUP}/v1alpha1
kind: Cluster
metadata: {name: pg, namespace: default}
spec:
  instances: 1
  storage: {size: 1Gi}
  backup:
    barmanObjectStore:
      destinationPath: s3://acme-backups/pg
      s3Credentials:
        accessKeyId: {name: aws-creds, key: ID}
        secretAccessKey: {name: aws-creds, key: KEY}
`;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-cluster-access-"));
  api = await startKubeApiServer();
  refused = await connectionRefusedKubeconfig(tmp);
  // Accepts connections and never says a word: a firewall that drops, an API server that hangs.
  silent = net.createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentKubeconfig = api.writeKubeconfig(tmp, { server: `https://127.0.0.1:${(silent.address() as net.AddressInfo).port}`, file: "kubeconfig-silent" });
  // It waits out the reach timeout: started first, it waits while the other tests run.
  neverAnswered = timed(["audit", "--kubeconfig", silentKubeconfig]);
  neverAnswered.catch(() => {}); // awaited, and so reported, by its own test
});

after(async () => {
  await api?.close();
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent?.close(() => resolve()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * Runs the CLI as a user does (a child process: stdout and stderr are the process's own, whatever a
 * library prints) and, at the same time, in-process, where `ms` is timed: the command's own time, without
 * the process start-up a loaded machine stretches. Both must say the same.
 */
async function timed(args: string[], stdin?: string) {
  const own = async () => {
    const started = performance.now();
    const r = await runMain(args, stdin !== undefined ? { stdin } : {});
    return { ...r, ms: performance.now() - started };
  };
  const [child, inProcess] = await Promise.all([runCli(args, { ...(stdin !== undefined ? { stdin } : {}), timeoutMs: 60_000 }), own()]);
  assert.deepEqual([inProcess.code, inProcess.stdout, inProcess.stderr], [child.code, child.stdout, child.stderr], "in-process as in a process");
  return { ...child, ms: inProcess.ms };
}

const lines = (text: string) => text.split("\n").filter((l) => l !== "");

describe("validate --kubeconfig to a cluster that cannot be reached", () => {
  it("says why once on stderr; references not in the files are 'could not verify ...: connection refused', at once", async () => {
    const r = await timed(["validate", "--kubeconfig", refused, "-o", "json", "-"], CLUSTER);
    assert.equal(r.code, 0);
    assert.match(r.stderr, /^warning: cannot reach the Kubernetes API at .*: connection refused; references not in the files are reported as not verified\n$/);
    const [result] = (JSON.parse(r.stdout) as { results: JsonResult[] }).results;
    assert.deepEqual(
      result?.warnings.map((w) => [w.rule, w.message]),
      [["objectstore/credential-secrets", 'could not verify Secret "aws-creds": connection refused']],
    );
    assert.ok(r.ms < 5000, `exited after ${r.ms.toFixed(0)} ms`);
  });
});

describe("stdout of a report command is the report alone", () => {
  const reports: { args: string[]; parse: (stdout: string) => unknown }[] = [
    { args: ["validate", "-o", "json", "--kubeconfig", "REFUSED", "-"], parse: JSON.parse },
    { args: ["audit", "-o", "json", "--kubeconfig", "LIVE"], parse: JSON.parse },
    { args: ["rules", "-o", "json"], parse: JSON.parse },
    { args: ["schedule", "-o", "json", "0 0 0 * * *"], parse: JSON.parse },
    {
      args: ["manifests"],
      parse: (text) =>
        parseAllDocuments(text).map((d) => {
          if (d.errors.length > 0) throw d.errors[0];
          return d.toJS();
        }),
    },
  ];
  for (const { args, parse } of reports) {
    it(args.filter((a) => a === a.toLowerCase()).join(" "), async () => {
      const resolved = args.map((a) => (a === "REFUSED" ? refused : a === "LIVE" ? api.writeKubeconfig(tmp) : a));
      const r = await runCli(resolved, { stdin: CLUSTER });
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
      assert.doesNotThrow(() => parse(r.stdout), r.stdout.slice(0, 500));
      assert.doesNotMatch(r.stdout, /"level":|"msg":/, "no log line on stdout");
    });
  }
});

describe("audit against a cluster it cannot read: one line on stderr, exit 2, within seconds, nothing on stdout", () => {
  it("connection refused", async () => {
    const r = await timed(["audit", "--kubeconfig", refused, "-o", "json"]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.deepEqual(lines(r.stderr).length, 1, r.stderr);
    assert.match(r.stderr, /^error: cannot reach the Kubernetes API at https:\/\/127\.0\.0\.1:\d+ \(kubeconfig .*kubeconfig-refused\): connection refused\n$/);
    assert.ok(r.ms < 5000, `exited after ${r.ms.toFixed(0)} ms`);
  });

  it("credentials the API server refuses", async () => {
    const r = await timed(["audit", "--kubeconfig", api.writeKubeconfig(tmp, { token: "wrong", file: "kubeconfig-wrong-token" }), "-o", "json"]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^error: cannot reach the Kubernetes API at .*: the API server refused the credentials \(401 Unauthorized\)\n$/);
  });

  it("an API server that answers, but fails the list of Clusters: the list named with its Status, at once", async () => {
    api.faultFor(`/apis/${GROUP}/v1alpha1/clusters`, "error");
    try {
      const r = await timed(["audit", "--kubeconfig", api.writeKubeconfig(tmp), "-o", "json"]);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "");
      assert.deepEqual(lines(r.stderr).length, 1, r.stderr);
      assert.match(r.stderr, /^error: cannot list clusters: 500 InternalError: /);
      assert.ok(r.ms < 5000, `exited after ${r.ms.toFixed(0)} ms`);
    } finally {
      api.faultFor(`/apis/${GROUP}/v1alpha1/clusters`, undefined);
    }
  });

  it("an API server that accepts the connection and never answers", async () => {
    const r = await neverAnswered;
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, new RegExp(`^error: cannot reach the Kubernetes API at .*: no answer within ${REACH_TIMEOUT_MS / 1000} s\\n$`));
    assert.ok(r.ms >= REACH_TIMEOUT_MS && r.ms < REACH_TIMEOUT_MS + 5000, `exited after ${r.ms.toFixed(0)} ms`);
  });
});
