// `make hostile`: the probes of an attacker and of a careless user, each bounded in time, against the
// real server as the container runs it (a child process, its heap capped as the Deployment's memory
// limit caps it). Prints a table of figures and writes tools/hostile/results/latest.json.
//   HOSTILE_SECONDS  length of the hostile load (default 60)
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import tls from "node:tls";
import { ensureCertificates } from "../../certs/tls.js";
import { MEMORY, NAME, NAMESPACE, NODE_OPTIONS } from "../../webhook/deployment.js";
import { route } from "../../webhook/routes.js";
import { cpuMs, freePort, memory, serveArgs, startNode, stop, waitReady, type Child } from "../bench/harness.js";
import { validCluster } from "../testkit/admission.js";
import { SERVER_NAME } from "../testkit/certs.js";
import { startKubeApiServer, type Fault } from "../testkit/kube-api-server.js";
import { changeOutageWorld, isFalse, OUTAGE_PROBES, seedOutageWorld, verdictOf, type Verdict } from "../testkit/outage.js";
import { CLI, REPO_ROOT } from "../testkit/paths.js";
import { admissionReview } from "../testkit/review.js";

const SECONDS = Number(process.env["HOSTILE_SECONDS"] ?? 60);
const HOSTILE_PER_SECOND = 10;
const ORDINARY_EVERY_MS = 50;
/** The Deployment's memory limit (webhook/deployment.ts), in MiB. */
const LIMIT_MIB = Number.parseInt(MEMORY.limit, 10);
/** The server runs with the Deployment's node flags (its heap bound among them), as in a Pod. */
const NODE_FLAGS = NODE_OPTIONS.split(" ").filter(Boolean);
const RESULTS = path.join(REPO_ROOT, "tools/hostile/results");
const VALIDATE = route("validate", "Cluster").path;
const MUTATE = route("mutate", "Cluster").path;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const p = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil((q / 100) * sorted.length) - 1)] ?? NaN;

interface Env {
  dir: string;
  ca: string;
}

async function serve(env: Env, extra: string[] = [], shell?: string): Promise<{ child: Child; port: number; metricsPort: number }> {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const args = serveArgs({ port, metricsPort, cert: path.join(env.dir, "tls.crt"), key: path.join(env.dir, "tls.key") }, "--log-level", "warn", ...extra);
  let child: Child;
  if (shell) {
    // A shell line around node, for limits such as `ulimit -n`.
    const proc = spawn("bash", ["-c", `${shell}; exec "$0" "$@"`, process.execPath, ...NODE_FLAGS, ...args], { stdio: "ignore" });
    const exited = new Promise<number | string>((resolve) => proc.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
    child = { proc, pid: proc.pid ?? -1, exited };
  } else child = startNode(args, { nodeFlags: NODE_FLAGS, logFile: path.join(env.dir, "server.log") });
  await waitReady(port, env.ca, 30_000, 20, child);
  return { child, port, metricsPort };
}

const alive = (child: Child) => child.proc.exitCode === null && child.proc.signalCode === null;

function post(port: number, ca: string, agent: https.Agent, pathname: string, body: Buffer): Promise<{ status: number; ms: number; text: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        path: pathname,
        method: "POST",
        ca,
        servername: SERVER_NAME,
        agent,
        headers: { "content-type": "application/json", "content-length": body.length },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, text: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", () => resolve({ status: -1, ms: performance.now() - started, text: "" }));
    req.on("timeout", () => req.destroy());
    req.end(body);
  });
}

/** The most expensive requests the limits let through, and some they stop. */
function hostileBodies(): { name: string; body: Buffer }[] {
  const review = (object: unknown, opts: Parameters<typeof admissionReview>[2] = {}) => Buffer.from(JSON.stringify(admissionReview("Cluster", object, opts)));
  const base = validCluster();
  const params = (n: number) => ({
    ...base,
    spec: { ...base.spec, postgresql: { parameters: Object.fromEntries(Array.from({ length: n }, (_, i) => [`param_${i}`, "v".repeat(60)])) } },
  });
  const string = (bytes: number) => ({ ...base, metadata: { name: "pg", annotations: { junk: "x".repeat(bytes) } } });
  const resources = (n: number) => ({ ...base, spec: { ...base.spec, resources: { junk: Array.from({ length: n }, (_, i) => i) } } });
  return [
    { name: "7 MiB body, one string (just under 413)", body: review(string(7 * 2 ** 20 - 2048)) },
    { name: "3 MiB object under spec.resources (array)", body: review(resources(400_000)) },
    { name: "UPDATE, both objects at 9,990 parameters", body: review(params(9_990), { operation: "UPDATE", oldObject: params(9_990) }) },
    { name: "CREATE, 1.4 MiB annotation", body: review(string(1.4 * 2 ** 20)) },
    { name: "4,000 schema errors", body: review({ ...base, spec: { ...base.spec, imagePullSecrets: Array.from({ length: 4_000 }, () => ({ name: 7 })) } }) },
  ];
}

async function underAttack(env: Env) {
  const server = await serve(env);
  const ordinaryAgent = new https.Agent({ keepAlive: true, maxSockets: 2 });
  const hostileAgent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  const ordinary = Buffer.from(JSON.stringify(admissionReview("Cluster", validCluster())));
  const bodies = hostileBodies();
  const measureOrdinary = async (ms: number) => {
    const lat: number[] = [];
    let bad = 0;
    const until = performance.now() + ms;
    while (performance.now() < until) {
      const r = await post(server.port, env.ca, ordinaryAgent, VALIDATE, ordinary);
      if (r.status === 200) lat.push(r.ms);
      else bad++;
      await sleep(ORDINARY_EVERY_MS);
    }
    lat.sort((a, b) => a - b);
    return { n: lat.length, bad, p50: p(lat, 50), p99: p(lat, 99), max: lat.at(-1) ?? NaN };
  };
  const baseline = await measureOrdinary(5_000);
  const cpuBefore = cpuMs(server.child.pid);
  let sent = 0;
  const statuses = new Map<number, number>();
  const hostileCost: number[] = [];
  const rss: number[] = [];
  const sampler = setInterval(() => rss.push(memory(server.child.pid).rssMiB), 1000);
  const attack = (async () => {
    const until = performance.now() + SECONDS * 1000;
    const inFlight: Promise<void>[] = [];
    while (performance.now() < until) {
      const { body } = bodies[sent % bodies.length]!;
      sent++;
      inFlight.push(
        post(server.port, env.ca, hostileAgent, sent % 2 ? VALIDATE : MUTATE, body).then((r) => {
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          hostileCost.push(r.ms);
        }),
      );
      await sleep(1000 / HOSTILE_PER_SECOND);
    }
    await Promise.all(inFlight);
  })();
  const during = await measureOrdinary(SECONDS * 1000);
  await attack;
  clearInterval(sampler);
  const cpu = cpuMs(server.child.pid) - cpuBefore;
  const peak = memory(server.child.pid).peakRssMiB;
  const survived = alive(server.child);
  hostileCost.sort((a, b) => a - b);
  ordinaryAgent.destroy();
  hostileAgent.destroy();
  await stop(server.child);
  return {
    baseline,
    during,
    hostile: {
      sent,
      perSecond: HOSTILE_PER_SECOND,
      statuses: Object.fromEntries(statuses),
      p50Ms: p(hostileCost, 50),
      p99Ms: p(hostileCost, 99),
      serverCpuMsPerSecond: cpu / SECONDS,
    },
    rssMiB: { max: Math.max(...rss), last: rss.at(-1), peak },
    survived,
    bodies: bodies.map((b) => ({ name: b.name, MiB: +(b.body.length / 2 ** 20).toFixed(2) })),
  };
}

const SLOW_CLIENTS = ["nothing (no TLS hello)", "headers slowly", "a body slowly", "a body that stalls"] as const;
type SlowClient = (typeof SLOW_CLIENTS)[number];

/** How long the server keeps a client that sends `what`: nothing, a byte a second, or the headers and one byte of the body. */
function heldFor(port: number, ca: string, what: SlowClient): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    const done = () => resolve((performance.now() - started) / 1000);
    if (what === "nothing (no TLS hello)") {
      const s = net.connect(port, "127.0.0.1");
      s.on("error", () => {});
      s.on("close", done);
      return;
    }
    const s = tls.connect({ host: "127.0.0.1", port, ca, servername: SERVER_NAME }, () => {
      s.write(`POST ${VALIDATE} HTTP/1.1\r\nHost: x\r\n`);
      if (what !== "headers slowly") s.write("content-type: application/json\r\ncontent-length: 100000\r\n\r\n{");
      if (what === "a body that stalls") return;
      // One byte every second keeps Node's own idle socket timers from firing.
      const drip = setInterval(() => s.write(what === "headers slowly" ? "X" : " "), 1000);
      s.on("close", () => clearInterval(drip));
    });
    s.on("error", () => {});
    s.resume();
    s.on("close", done);
  });
}

async function slowClients(env: Env) {
  const server = await serve(env);
  const held = await Promise.all(SLOW_CLIENTS.map((k) => heldFor(server.port, env.ca, k)));
  await stop(server.child);
  return Object.fromEntries(SLOW_CLIENTS.map((k, i) => [k, +held[i]!.toFixed(1)]));
}

/** RSS per kept-alive connection, and what happens past maxConnections. */
async function idleConnections(env: Env, count = 1_000) {
  const server = await serve(env);
  const before = memory(server.child.pid).rssMiB;
  const sockets: tls.TLSSocket[] = [];
  let refused = 0;
  for (let i = 0; i < count + 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = tls.connect({ host: "127.0.0.1", port: server.port, ca: env.ca, servername: SERVER_NAME }, () => {
        s.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        s.once("data", () => resolve(true));
      });
      s.on("error", () => resolve(false));
      s.on("close", () => resolve(false));
      sockets.push(s);
    });
    if (!ok) refused++;
  }
  await sleep(500);
  const after = memory(server.child.pid).rssMiB;
  for (const s of sockets) s.destroy();
  await stop(server.child);
  return { connections: count, perConnectionKiB: +(((after - before) * 1024) / count).toFixed(1), refusedPastLimit: refused };
}

/**
 * With every file descriptor taken (ulimit -n 64, connections held open past a certificate poll), the
 * server keeps running, counts it as such, and does not call it a broken certificate.
 */
async function outOfFiles(env: Env) {
  const server = await serve(env, [], "ulimit -n 64");
  const sockets: net.Socket[] = [];
  for (let i = 0; i < 150; i++) {
    const s = net.connect(server.port, "127.0.0.1");
    s.on("error", () => {});
    sockets.push(s);
  }
  await sleep(4000); // the certificate files are read every 3 s
  for (const s of sockets) s.destroy();
  await sleep(500);
  const metric = (text: string, name: string) =>
    text
      .split("\n")
      .filter((l) => l.startsWith(name))
      .join("; ") || "none";
  let exhausted = "metrics unreachable";
  let reloadFailures = "metrics unreachable";
  try {
    const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
    exhausted = metric(text, "cnp_webhook_file_descriptors_exhausted_total");
    reloadFailures = metric(text, 'cnp_webhook_certificate_reloads_total{outcome="failure"}');
  } catch {
    // reported as unreachable
  }
  const survived = alive(server.child);
  const ready = survived
    ? await waitReady(server.port, env.ca, 5000, 50, server.child).then(
        () => true,
        () => false,
      )
    : false;
  await stop(server.child);
  return { survived, readyAfter: ready, exhausted, reloadFailures };
}

/** Every TLS 1.2 suite OpenSSL knows, and those the server accepts; and whether TLS 1.3 works. */
async function suites(env: Env) {
  const server = await serve(env);
  const accepted: string[] = [];
  for (const cipher of tls.getCiphers().map((c) => c.toUpperCase())) {
    const ok = await new Promise<boolean>((resolve) => {
      try {
        const options = {
          host: "127.0.0.1",
          port: server.port,
          ca: env.ca,
          servername: SERVER_NAME,
          maxVersion: "TLSv1.2",
          ciphers: `${cipher}@SECLEVEL=0`,
        } as const;
        const s = tls.connect(options, () => {
          s.end();
          resolve(true);
        });
        s.on("error", () => resolve(false));
      } catch {
        resolve(false); // a suite this client cannot offer at all
      }
    });
    if (ok) accepted.push(cipher);
  }
  const tls13 = await new Promise<string>((resolve) => {
    const s = tls.connect({ host: "127.0.0.1", port: server.port, ca: env.ca, servername: SERVER_NAME, minVersion: "TLSv1.3" }, () => {
      resolve(`${s.getProtocol()} ${s.getCipher().name}`);
      s.end();
    });
    s.on("error", (e) => resolve(`refused: ${e.message}`));
  });
  await stop(server.child);
  return { tls12Accepted: accepted, tls13 };
}

/**
 * `validate` over a tree a careless user or an attacker could hand it: a FIFO and a /dev/zero link named
 * *.yaml, a 200 MB file, a 5 MiB JSON List, a million empty documents, names built to forge output.
 */
async function validateTree(env: Env) {
  const tree = path.join(env.dir, "tree");
  fs.mkdirSync(tree);
  execFileSync("mkfifo", [path.join(tree, "fifo.yaml")]);
  fs.symlinkSync("/dev/zero", path.join(tree, "zero.yaml"));
  fs.writeFileSync(path.join(tree, "big.yaml"), "");
  fs.truncateSync(path.join(tree, "big.yaml"), 200 * 1024 * 1024);
  const items: unknown[] = [];
  for (let i = 0; JSON.stringify(items).length < 5 * 1024 * 1024; i++) items.push(validCluster(`pg-${i}`));
  fs.writeFileSync(path.join(tree, "five-mib.json"), JSON.stringify({ apiVersion: "v1", kind: "List", items }));
  fs.writeFileSync(path.join(tree, "empty-docs.yaml"), "---\n".repeat(1_000_000));
  const forged = validCluster("x");
  forged.metadata = { name: "pg\u001b[2J\n::error file=README.md::forged\r\n1 objects checked: 1 admitted", namespace: "default" };
  fs.writeFileSync(path.join(tree, "forged.json"), JSON.stringify(forged));

  const started = performance.now();
  const child = spawn(process.execPath, [CLI, "validate", "--output", "github", tree], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (out += c.toString()));
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      // An exited process not yet reaped has no VmHWM: that sample is NaN, and would poison the maximum.
      const sample = memory(child.pid!).peakRssMiB;
      if (Number.isFinite(sample)) peak = Math.max(peak, sample);
    } catch {}
  }, 20);
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearInterval(sampler);
  clearTimeout(killer);
  const seconds = (performance.now() - started) / 1000;
  // Raw ESC or a line that starts a workflow command other than ours would be forged output.
  const forgedLines = out.split("\n").filter((l) => l.includes("forged") && (/^::error file=README/.test(l) || l.includes("\u001b")));
  return { exitCode: code, seconds: Number(seconds.toFixed(2)), peakRssMiB: Math.round(peak), forgedLines: forgedLines.length, lines: out.split("\n").length };
}

/**
 * The API server answers `fault` (HTML 200s, 500s) for `seconds`, its watches cut; half-way through, a
 * Backup and a Cluster are deleted and a Cluster created (tools/testkit/outage.ts). Three CREATEs whose
 * verdict those changes turn round are sent every 200 ms, during the outage and for 10 s after. A false
 * verdict is one that claims something ("admitted", "denied") other than what the cluster as it is then
 * calls for; "could not verify" claims nothing. Staleness: from the recovery until every verdict is the
 * truth again.
 */
async function outage(env: Env, seconds: number, fault: Fault) {
  const api = await startKubeApiServer();
  seedOutageWorld(api);
  const server = await serve(env, ["--kubeconfig", api.writeKubeconfig(env.dir, { file: `kubeconfig-outage-${seconds}` })]);
  const agent = new https.Agent({ keepAlive: true, maxSockets: OUTAGE_PROBES.length });
  const bodies = OUTAGE_PROBES.map((p) => Buffer.from(JSON.stringify(admissionReview("Cluster", p.object))));
  const probe = () =>
    Promise.all(
      bodies.map(async (body) => {
        const { text } = await post(server.port, env.ca, agent, VALIDATE, body);
        try {
          return verdictOf((JSON.parse(text) as { response?: { allowed: boolean; warnings?: string[] } }).response);
        } catch {
          return "no answer" as const;
        }
      }),
    );
  const before = await probe();
  const samples: { at: number; changed: boolean; verdicts: Verdict[] }[] = [];
  const started = performance.now();
  api.fault = fault;
  api.cutWatches();
  let changed = false;
  const change = setTimeout(
    () => {
      changeOutageWorld(api);
      changed = true;
    },
    (seconds * 1000) / 2,
  );
  const recover = setTimeout(() => (api.fault = "none"), seconds * 1000);
  while (performance.now() - started < (seconds + 10) * 1000) {
    const at = performance.now() - started;
    const wasChanged = changed;
    samples.push({ at, changed: wasChanged, verdicts: await probe() });
    await sleep(200);
  }
  clearTimeout(change);
  clearTimeout(recover);
  const truth = await probe();
  agent.destroy();
  await stop(server.child);
  await api.close();
  const recoveredAt = seconds * 1000;
  const falseIn = (list: typeof samples) => list.reduce((n, s) => n + s.verdicts.filter((v, i) => isFalse(v, (s.changed ? truth : before)[i]!)).length, 0);
  const during = samples.filter((s) => s.at < recoveredAt);
  const after = samples.filter((s) => s.at >= recoveredAt);
  // The first sample after the recovery from which every verdict is the truth.
  let settled = after.length;
  while (settled > 0 && after[settled - 1]!.verdicts.every((v, i) => v === truth[i])) settled--;
  const stalenessMs = settled < after.length ? Math.round(after[settled]!.at - recoveredAt) : Number.NaN;
  const unverified = (list: typeof samples) => list.reduce((n, s) => n + s.verdicts.filter((v) => v === "unverified").length, 0);
  return {
    seconds,
    fault,
    before,
    truth,
    verdicts: samples.length * OUTAGE_PROBES.length,
    falseDuring: falseIn(during),
    falseAfter: falseIn(after),
    unverifiedDuring: unverified(during),
    unverifiedAfter: unverified(after),
    stalenessMs,
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-hostile-"));
  await ensureCertificates({ service: NAME, namespace: NAMESPACE, outDir: dir });
  const env: Env = { dir, ca: fs.readFileSync(path.join(dir, "ca.crt"), "utf8") };
  console.log(
    `cnp-webhook hostile probes: ${os.availableParallelism()} CPU, Node ${process.version}; hostile load ${HOSTILE_PER_SECOND}/s for ${SECONDS} s; the Deployment's node flags (${NODE_FLAGS.join(" ")})`,
  );
  const results = {
    machine: { nproc: os.availableParallelism(), node: process.version, loadBefore: os.loadavg() },
    attack: await underAttack(env),
    slowClients: await slowClients(env),
    idle: await idleConnections(env),
    outOfFiles: await outOfFiles(env),
    tls: await suites(env),
    outages: [await outage(env, 20, "html"), await outage(env, 45, "error")],
    validateTree: await validateTree(env),
  };
  fs.mkdirSync(RESULTS, { recursive: true });
  fs.writeFileSync(path.join(RESULTS, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
  fs.rmSync(dir, { recursive: true, force: true });

  const a = results.attack;
  const targets: [string, string, boolean][] = [
    [
      "ordinary admissions p99 ≤ 50 ms under 10 hostile/s",
      `${a.during.p99.toFixed(1)} ms (baseline ${a.baseline.p99.toFixed(1)} ms, ${a.during.n} requests, ${a.during.bad} not 200)`,
      a.during.p99 <= 50 && a.during.bad === 0,
    ],
    ["the process stays alive", String(a.survived), a.survived],
    [`RSS under the shipped ${MEMORY.limit} limit`, `peak ${a.rssMiB.peak.toFixed(0)} MiB`, a.rssMiB.peak < LIMIT_MIB],
    ["no 5xx to hostile requests", JSON.stringify(a.hostile.statuses), !Object.keys(a.hostile.statuses).some((s) => Number(s) >= 500 || Number(s) < 0)],
    ["slow, stalled and silent clients cut off within 30 s", JSON.stringify(results.slowClients), Object.values(results.slowClients).every((s) => s <= 31)],
    [
      "out of file descriptors: alive, counted, not a certificate failure",
      `${results.outOfFiles.survived ? "alive" : "DEAD"}, ready again ${results.outOfFiles.readyAfter}; ${results.outOfFiles.exhausted}; reload failures: ${results.outOfFiles.reloadFailures}`,
      results.outOfFiles.survived &&
        results.outOfFiles.readyAfter &&
        results.outOfFiles.exhausted.includes("certificate-reload") &&
        results.outOfFiles.reloadFailures === "none",
    ],
    [
      "TLS 1.2: ECDHE with AES-GCM or ChaCha20-Poly1305 only; TLS 1.3",
      `${results.tls.tls12Accepted.join(", ")}; ${results.tls.tls13}`,
      results.tls.tls12Accepted.every((c) => /^ECDHE-(ECDSA|RSA)-(AES(128|256)-GCM-SHA(256|384)|CHACHA20-POLY1305)$/.test(c)) &&
        results.tls.tls13.startsWith("TLSv1.3"),
    ],
    ...results.outages.map((o): [string, string, boolean] => [
      `API outage of ${o.seconds} s (${o.fault === "html" ? "HTML 200s" : "500s"}), changes half-way: no false verdict; the truth within 1 s of recovery`,
      `false verdicts ${o.falseDuring} during, ${o.falseAfter} after (of ${o.verdicts}; ${o.unverifiedDuring} + ${o.unverifiedAfter} 'could not verify'); the truth ${o.stalenessMs} ms after recovery`,
      o.falseDuring === 0 && o.falseAfter === 0 && o.stalenessMs <= 1000 && o.truth.every((v, i) => v !== o.before[i]),
    ]),
    [
      "validate on a hostile tree: exit 2 (not a crash), within 10 s, no forged line",
      `exit ${results.validateTree.exitCode} after ${results.validateTree.seconds} s, peak RSS ${results.validateTree.peakRssMiB} MiB, ${results.validateTree.forgedLines} forged lines`,
      results.validateTree.exitCode === 2 && results.validateTree.seconds <= 10 && results.validateTree.forgedLines === 0,
    ],
  ];
  console.log("\n| probe | figure | |\n|---|---|---|");
  for (const [what, figure, ok] of targets) console.log(`| ${what} | ${figure} | ${ok ? "PASS" : "MISS"} |`);
  console.log(
    `\nhostile requests: ${a.hostile.sent} sent (${a.bodies.map((b) => `${b.name}: ${b.MiB} MiB`).join("; ")}); answered p50 ${a.hostile.p50Ms.toFixed(1)} ms, p99 ${a.hostile.p99Ms.toFixed(1)} ms; server CPU ${a.hostile.serverCpuMsPerSecond.toFixed(0)} ms per second`,
  );
  console.log(
    `idle kept-alive connections: ${results.idle.perConnectionKiB} KiB each (${results.idle.connections}); past maxConnections: ${results.idle.refusedPastLimit} of 100 refused`,
  );
}

await main();
