// `make bench`: throughput and latency of the admission webhook against a bare HTTPS ceiling, with
// and without reference lookups, plus cold start, peak RSS, `validate` over 1,000 manifests and
// `make generate`. Prints a table and PASS/MISS per target; writes test/bench/results/latest.json.
//
// Environment:
//   BENCH_SECONDS      seconds of load per scenario (default 10)
//   BENCH_CONNECTIONS  concurrent keep-alive connections (default 20)
//   BENCH_ONLY         regular expression: run only the load scenarios whose name matches
//   BENCH_SKIP_EXTRA   1: skip cold start, validate and generate
//   BENCH_PROFILE      1: run the webhook under node --cpu-prof and summarize where the time goes
//                      (figures are then slower than without the profiler)
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { ensureCertificates } from "../../certs/tls.js";
import type { KindName } from "../../schemas/kinds.js";
import { NAME, NAMESPACE } from "../../webhook/deployment.js";
import { route, type Role } from "../../webhook/kinds.js";
import { CLI, REPO_ROOT } from "../testkit/paths.js";
import { admissionReview, credentialsSecret, deniedCluster, validBackup, validCluster, validScheduledBackup, type JsonObject } from "../fuzz/objects.js";
import {
  cpuMs,
  freePort,
  load,
  memory,
  request,
  startNode,
  startNodeWithHello,
  stop,
  waitReady,
  type Child,
  type LoadRequest,
  type LoadResult,
} from "./harness.js";
import { formatSummary, newestProfile, summarizeProfile, type ProfileSummary } from "./profile.js";

const RESULTS_DIR = path.join(REPO_ROOT, "tools/bench/results");

const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 10);
const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? 20);
const WARMUP_SECONDS = Math.max(1, Math.min(3, Math.round(SECONDS / 4)));
const ONLY = process.env["BENCH_ONLY"] ? new RegExp(process.env["BENCH_ONLY"]) : undefined;
const PROFILE = process.env["BENCH_PROFILE"] === "1";
const SKIP_EXTRA = process.env["BENCH_SKIP_EXTRA"] === "1";

const TARGETS = { ratio: 0.6, p99Ms: 10, coldStartMs: 1000, peakRssMiB: 150, validateMs: 3000 } as const;

// ---- what is sent ---------------------------------------------------------------------------

interface Expectation extends LoadRequest {
  readonly label: string;
  readonly allowed: boolean;
  /** The answer must not contain "could not verify" (lookups scenario: the Secret is found). */
  readonly verified?: boolean;
}

const body = (object: JsonObject, uid: string): string => JSON.stringify(admissionReview(object, { uid }));

const CLUSTER = body(validCluster("pg", "app", { lastApplied: true }), "11111111-1111-4111-8111-111111111111");
const DENIED = body(deniedCluster("pg-bad", "app"), "22222222-2222-4222-8222-222222222222");
const BACKUP = body(validBackup("pg-backup-1", "app", "pg"), "33333333-3333-4333-8333-333333333333");
const SCHEDULED = body(validScheduledBackup("pg-nightly", "app", "pg"), "44444444-4444-4444-8444-444444444444");

const req = (label: string, role: Role, kind: KindName, text: string, allowed: boolean, verified?: boolean): Expectation => ({
  label,
  path: route(role, kind).path,
  body: text,
  allowed,
  ...(verified !== undefined ? { verified } : {}),
});

type Target = "bare" | "webhook" | "webhook+lookups";

interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly target: Target;
  readonly requests: readonly Expectation[];
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: "ceiling",
    description: "bare node:https, fixed allowed AdmissionReview, 3 KB Cluster body",
    target: "bare",
    requests: [{ label: "bare", path: "/", body: CLUSTER, allowed: true }],
  },
  {
    name: "cluster-mutate",
    description: "Cluster with barmanObjectStore (3 KB), mutate path",
    target: "webhook",
    requests: [req("mutate cluster", "mutate", "Cluster", CLUSTER, true)],
  },
  {
    name: "cluster-validate",
    description: "Cluster with barmanObjectStore (3 KB), validate path",
    target: "webhook",
    requests: [req("validate cluster", "validate", "Cluster", CLUSTER, true)],
  },
  {
    name: "backup",
    description: "Backup, mutate and validate alternately",
    target: "webhook",
    requests: [req("mutate backup", "mutate", "Backup", BACKUP, true), req("validate backup", "validate", "Backup", BACKUP, true)],
  },
  {
    name: "scheduledbackup",
    description: "ScheduledBackup, mutate and validate alternately",
    target: "webhook",
    requests: [
      req("mutate scheduledbackup", "mutate", "ScheduledBackup", SCHEDULED, true),
      req("validate scheduledbackup", "validate", "ScheduledBackup", SCHEDULED, true),
    ],
  },
  {
    name: "mix-20%-denied",
    description: "Cluster mutate/validate, Backup, ScheduledBackup; 1 in 5 a denied Cluster",
    target: "webhook",
    requests: [
      req("mutate cluster", "mutate", "Cluster", CLUSTER, true),
      req("validate cluster", "validate", "Cluster", CLUSTER, true),
      req("validate backup", "validate", "Backup", BACKUP, true),
      req("validate scheduledbackup", "validate", "ScheduledBackup", SCHEDULED, true),
      req("validate denied cluster", "validate", "Cluster", DENIED, false),
    ],
  },
  {
    name: "cluster-validate+lookups",
    description: "Cluster validate, KubeResolver GETs the Secret from the local API server",
    target: "webhook+lookups",
    requests: [req("validate cluster (lookups)", "validate", "Cluster", CLUSTER, true, true)],
  },
];

// ---- running one scenario -------------------------------------------------------------------

interface Env {
  readonly tmp: string;
  readonly certDir: string;
  readonly ca: string;
  kubeconfig?: string;
}

interface ScenarioResult extends LoadResult {
  readonly name: string;
  readonly description: string;
  readonly bodyBytes: number[];
  readonly ratio?: number;
  readonly peakRssMiB: number;
  readonly serverCpuUsPerRequest: number;
  readonly profile?: ProfileSummary;
}

const webhookArgs = (env: Env, port: number, lookups: boolean): string[] => [
  CLI,
  "serve",
  "--host",
  "127.0.0.1",
  "--port",
  String(port),
  "--metrics-port",
  "0",
  "--tls-cert",
  path.join(env.certDir, "tls.crt"),
  "--tls-key",
  path.join(env.certDir, "tls.key"),
  ...(lookups ? ["--kubeconfig", env.kubeconfig!] : []),
];

async function startTarget(env: Env, scenario: Scenario, profileDir?: string): Promise<{ child: Child; port: number }> {
  const nodeFlags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  if (scenario.target === "bare") {
    const { child, hello } = await startNodeWithHello<{ port: number }>(
      [fileURLToPath(new URL("bare-server.js", import.meta.url)), path.join(env.certDir, "tls.crt"), path.join(env.certDir, "tls.key")],
      { nodeFlags },
    );
    return { child, port: hello.port };
  }
  const port = await freePort();
  // Logs at the default level (one JSON line per admission), as in production; to a file, not a pipe.
  const child = startNode(webhookArgs(env, port, scenario.target === "webhook+lookups"), { logFile: path.join(env.tmp, `${scenario.name}.log`), nodeFlags });
  await waitReady(port, env.ca, 30_000, 20, child);
  return { child, port };
}

/** One request per kind of request, with the certificate verified: the answers are what they should be. */
async function preflight(port: number, env: Env, scenario: Scenario): Promise<void> {
  for (const r of scenario.requests) {
    const answer = await request(port, env.ca, "POST", r.path, r.body);
    if (answer.status !== 200) throw new Error(`${scenario.name}/${r.label}: HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
    const review = JSON.parse(answer.body) as { response?: { uid?: string; allowed?: boolean; warnings?: string[]; status?: { message?: string } } };
    const uid = (JSON.parse(r.body) as { request: { uid: string } }).request.uid;
    if (scenario.target !== "bare" && review.response?.uid !== uid)
      throw new Error(`${scenario.name}/${r.label}: response.uid ${review.response?.uid} != ${uid}`);
    if (review.response?.allowed !== r.allowed)
      throw new Error(`${scenario.name}/${r.label}: allowed=${review.response?.allowed}, expected ${r.allowed}: ${answer.body.slice(0, 300)}`);
    if (r.verified && answer.body.includes("could not verify"))
      throw new Error(`${scenario.name}/${r.label}: lookups did not resolve: ${review.response?.warnings?.join("; ")}`);
  }
}

async function runScenario(env: Env, scenario: Scenario): Promise<ScenarioResult> {
  const profileDir = PROFILE ? path.join(RESULTS_DIR, "profiles", scenario.name) : undefined;
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  const { child, port } = await startTarget(env, scenario, profileDir);
  try {
    await preflight(port, env, scenario);
    await load(port, env.ca, scenario.requests, WARMUP_SECONDS, CONNECTIONS);
    const cpuBefore = cpuMs(child.pid);
    const result = await load(port, env.ca, scenario.requests, SECONDS, CONNECTIONS);
    const cpu = cpuMs(child.pid) - cpuBefore;
    const { peakRssMiB } = memory(child.pid);
    await stop(child);
    const profileFile = profileDir ? newestProfile(profileDir) : undefined;
    return {
      name: scenario.name,
      description: scenario.description,
      bodyBytes: [...new Set(scenario.requests.map((r) => Buffer.byteLength(r.body)))],
      ...result,
      peakRssMiB,
      serverCpuUsPerRequest: (cpu * 1000) / Math.max(1, result.requests),
      ...(profileFile
        ? {
            profile: summarizeProfile(profileFile, 30, [
              "express",
              "body-parser",
              "raw-body",
              "pino",
              "prom-client",
              "fast-json-patch",
              "ajv",
              "cnp-webhook",
              "@kubernetes/client-node",
              "node (built-in)",
            ]),
          }
        : {}),
    };
  } finally {
    await stop(child);
  }
}

// ---- cold start, validate, generate ---------------------------------------------------------

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

interface ColdStart {
  runsMs: number[];
  medianMs: number;
  profile?: ProfileSummary;
}

/** Process start to /readyz 200; with `lookups`, the server also loads @kubernetes/client-node for --kubeconfig. */
async function coldStart(env: Env, lookups: boolean, runs = 5): Promise<ColdStart> {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const t0 = performance.now();
    const child = startNode(webhookArgs(env, port, lookups), { logFile: path.join(env.tmp, "cold-start.log") });
    try {
      runsMs.push((await waitReady(port, env.ca, 30_000, 5, child)) - t0);
    } finally {
      await stop(child);
    }
  }
  let profile: ProfileSummary | undefined;
  if (PROFILE) {
    const dir = path.join(RESULTS_DIR, "profiles", lookups ? "cold-start-kubeconfig" : "cold-start");
    fs.rmSync(dir, { recursive: true, force: true });
    const port = await freePort();
    const child = startNode(webhookArgs(env, port, lookups), {
      logFile: path.join(env.tmp, "cold-start.log"),
      nodeFlags: ["--cpu-prof", `--cpu-prof-dir=${dir}`],
    });
    await waitReady(port, env.ca, 30_000, 5, child);
    await stop(child);
    const file = newestProfile(dir);
    if (file) profile = summarizeProfile(file, 30);
  }
  return { runsMs, medianMs: median(runsMs), ...(profile ? { profile } : {}) };
}

/** 1,000 manifests: 400 Clusters (each with its Secret in the same file), 300 Backups, 300 ScheduledBackups. */
function writeManifests(dir: string): number {
  fs.mkdirSync(dir, { recursive: true });
  let n = 0;
  for (let i = 0; i < 400; i++, n++) {
    const secret = `aws-creds-${i}`;
    const docs = [validCluster(`pg-${i}`, "app", { secret }), credentialsSecret(secret, "app")];
    fs.writeFileSync(path.join(dir, `cluster-${String(i).padStart(4, "0")}.yaml`), docs.map((d) => stringify(d)).join("---\n"));
  }
  for (let i = 0; i < 300; i++, n++)
    fs.writeFileSync(path.join(dir, `backup-${String(i).padStart(4, "0")}.yaml`), stringify(validBackup(`pg-${i}-backup`, "app", `pg-${i}`)));
  for (let i = 0; i < 300; i++, n++)
    fs.writeFileSync(path.join(dir, `scheduled-${String(i).padStart(4, "0")}.yaml`), stringify(validScheduledBackup(`pg-${i}-nightly`, "app", `pg-${i}`)));
  return n;
}

function validateManifests(env: Env, runs = 3): { manifests: number; runsMs: number[]; medianMs: number; exitCode: number; reported: number; denied: number } {
  const dir = path.join(env.tmp, "manifests");
  const manifests = writeManifests(dir);
  const runsMs: number[] = [];
  let exitCode = -1;
  let reported = 0;
  let denied = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, "validate", "--output", "json", dir], { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    runsMs.push(performance.now() - t0);
    exitCode = r.status ?? -1;
    if (r.error) throw r.error;
    try {
      const results = JSON.parse(r.stdout) as { allowed: boolean }[];
      reported = results.length;
      denied = results.filter((x) => !x.allowed).length;
    } catch {
      throw new Error(`validate printed no JSON (exit ${r.status}): ${r.stderr.slice(0, 500)}`);
    }
  }
  return { manifests, runsMs, medianMs: median(runsMs), exitCode, reported, denied };
}

function generateDuration(env: Env, runs = 3): { runsMs: number[]; medianMs: number } {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = path.join(env.tmp, `generated-${i}`);
    const t0 = performance.now();
    execFileSync(process.execPath, [path.join(REPO_ROOT, "dist/schemas/generate.js"), path.join(REPO_ROOT, "schemas"), out], { stdio: "ignore" });
    runsMs.push(performance.now() - t0);
  }
  return { runsMs, medianMs: median(runsMs) };
}

/**
 * The admission handler alone, in this process, without HTTP: parse, decode, defaults, rules (no
 * cluster), encode of the 3 KB Cluster. With the ceiling's CPU per request it bounds
 * the ratio any HTTP layer could reach: ceiling / (ceiling + pipeline).
 */
async function pipelineCost(): Promise<{ mutateUs: number; validateUs: number }> {
  const { handle } = await import("../../webhook/admission/handler.js");
  const { noCluster } = await import("../../webhook/references/resolver.js");
  const { RULES } = await import("../../webhook/rules/registry.js");
  const { DEFAULT_POSTGRES_IMAGE } = await import("../../webhook/deployment.js");
  const deps = { registry: RULES, options: { defaultImage: DEFAULT_POSTGRES_IMAGE, resolver: noCluster, strictReferences: false, lookupTimeoutMs: 2000 } };
  const body = Buffer.from(CLUSTER);
  const once = async (validate: boolean) => {
    await handle(route(validate ? "validate" : "mutate", "Cluster"), body, "application/json", deps);
  };
  const measure = async (validate: boolean): Promise<number> => {
    for (let i = 0; i < 3000; i++) await once(validate);
    const n = 20_000;
    const before = process.cpuUsage();
    for (let i = 0; i < n; i++) await once(validate);
    const used = process.cpuUsage(before);
    return (used.user + used.system) / n;
  };
  return { mutateUs: await measure(false), validateUs: await measure(true) };
}

// ---- reporting ------------------------------------------------------------------------------

function machine() {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? os.cpus()[0]?.model ?? "unknown";
  return {
    nproc: os.availableParallelism(),
    cpu,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
  };
}

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "-");
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");

function table(rows: readonly ScenarioResult[]): string {
  const head = ["scenario", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "× ceiling", "server CPU µs/req", "peak RSS MiB", "non-2xx", "errors"];
  const body = rows.map((r) => [
    r.name,
    r.rps.toFixed(0),
    f2(r.p50Ms),
    f2(r.p90Ms),
    f2(r.p99Ms),
    f1(r.maxMs),
    r.ratio === undefined ? "1.00" : f2(r.ratio),
    r.serverCpuUsPerRequest.toFixed(0),
    f1(r.peakRssMiB),
    String(r.non2xx),
    String(r.errors + r.timeouts),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}

interface TargetResult {
  readonly target: string;
  readonly value: string;
  readonly pass: boolean;
}

async function main(): Promise<void> {
  const started = new Date();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-bench-"));
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const loadBefore = os.loadavg();
  const info = machine();
  console.log(
    `cnp-webhook benchmarks: ${info.nproc} CPU (${info.cpu}), Node ${info.node}; ${SECONDS} s per scenario after ${WARMUP_SECONDS} s warm-up, ${CONNECTIONS} connections${PROFILE ? ", under --cpu-prof" : ""}`,
  );
  console.log(`load average before: ${loadBefore.map((l) => l.toFixed(2)).join(" ")}`);

  const certDir = path.join(tmp, "certs");
  await ensureCertificates({ service: NAME, namespace: NAMESPACE, outDir: certDir });
  const env: Env = { tmp, certDir, ca: fs.readFileSync(path.join(certDir, "ca.crt"), "utf8") };

  let api: Child | undefined;
  const results: ScenarioResult[] = [];
  let cold: ColdStart | undefined;
  let coldKube: ColdStart | undefined;
  let validate: ReturnType<typeof validateManifests> | undefined;
  let generate: ReturnType<typeof generateDuration> | undefined;
  try {
    const selected = SCENARIOS.filter((s) => !ONLY || ONLY.test(s.name) || s.name === "ceiling");
    if (selected.some((s) => s.target === "webhook+lookups") || !SKIP_EXTRA) {
      const started = await startNodeWithHello<{ kubeconfig: string; url: string }>([fileURLToPath(new URL("kube-api-child.js", import.meta.url)), tmp]);
      api = started.child;
      env.kubeconfig = started.hello.kubeconfig;
    }
    let ceiling: number | undefined;
    for (const scenario of selected) {
      process.stdout.write(`  ${scenario.name}: ${scenario.description} ... `);
      const r = await runScenario(env, scenario);
      if (scenario.name === "ceiling") ceiling = r.rps;
      const withRatio = { ...r, ...(scenario.name !== "ceiling" && ceiling ? { ratio: r.rps / ceiling } : {}) };
      results.push(withRatio);
      console.log(`${r.rps.toFixed(0)} req/s, p99 ${f2(r.p99Ms)} ms`);
    }
    if (!SKIP_EXTRA) {
      process.stdout.write("  cold start (serve → /readyz 200), 5 runs ... ");
      cold = await coldStart(env, false);
      console.log(`median ${cold.medianMs.toFixed(0)} ms`);
      process.stdout.write("  cold start with --kubeconfig (client-node loaded), 5 runs ... ");
      coldKube = await coldStart(env, true);
      console.log(`median ${coldKube.medianMs.toFixed(0)} ms`);
    }
  } finally {
    if (api) await stop(api);
  }

  if (!SKIP_EXTRA) {
    process.stdout.write("  validate 1,000 manifests, 3 runs ... ");
    validate = validateManifests(env);
    console.log(`median ${validate.medianMs.toFixed(0)} ms`);
    process.stdout.write("  generate (schemas → temp dir), 3 runs ... ");
    generate = generateDuration(env);
    console.log(`median ${generate.medianMs.toFixed(0)} ms`);
  }
  const pipeline = await pipelineCost();
  const loadAfter = os.loadavg();

  console.log("");
  console.log(table(results));
  console.log("");
  if (cold)
    console.log(
      `cold start (node dist/webhook/cli/bin.js serve → /readyz 200): median ${cold.medianMs.toFixed(0)} ms of ${cold.runsMs.map((x) => x.toFixed(0)).join(", ")}`,
    );
  if (coldKube)
    console.log(`cold start with --kubeconfig: median ${coldKube.medianMs.toFixed(0)} ms of ${coldKube.runsMs.map((x) => x.toFixed(0)).join(", ")}`);
  if (validate) {
    console.log(
      `validate ${validate.manifests} manifests (${validate.reported} reported, ${validate.denied} denied, exit ${validate.exitCode}): median ${validate.medianMs.toFixed(0)} ms of ${validate.runsMs.map((x) => x.toFixed(0)).join(", ")}`,
    );
  }
  if (generate)
    console.log(
      `generate (node dist/schemas/generate.js schemas TMP): median ${generate.medianMs.toFixed(0)} ms of ${generate.runsMs.map((x) => x.toFixed(0)).join(", ")}`,
    );
  const ceilingRow = results.find((r) => r.name === "ceiling");
  const bound = (us: number) => (ceilingRow ? ceilingRow.serverCpuUsPerRequest / (ceilingRow.serverCpuUsPerRequest + us) : NaN);
  console.log(
    `pipeline alone, in-process (parse + admit + encode, 3 KB Cluster): mutate ${pipeline.mutateUs.toFixed(0)} µs, validate ${pipeline.validateUs.toFixed(0)} µs CPU` +
      (ceilingRow
        ? `; with the ceiling's ${ceilingRow.serverCpuUsPerRequest.toFixed(0)} µs/request no HTTP layer can pass ${f2(bound(pipeline.mutateUs))}× (mutate) / ${f2(bound(pipeline.validateUs))}× (validate) of the ceiling`
        : ""),
  );
  console.log(`load average after: ${loadAfter.map((l) => l.toFixed(2)).join(" ")}`);

  const targets: TargetResult[] = [];
  const byName = new Map(results.map((r) => [r.name, r]));
  for (const name of ["cluster-mutate", "cluster-validate"]) {
    const r = byName.get(name);
    if (r?.ratio !== undefined) targets.push({ target: `${name} ≥ ${TARGETS.ratio}× ceiling`, value: `${f2(r.ratio)}×`, pass: r.ratio >= TARGETS.ratio });
  }
  for (const r of results) {
    if (r.name === "ceiling") continue;
    targets.push({ target: `${r.name} p99 ≤ ${TARGETS.p99Ms} ms at ${CONNECTIONS} connections`, value: `${f2(r.p99Ms)} ms`, pass: r.p99Ms <= TARGETS.p99Ms });
  }
  if (cold)
    targets.push({
      target: `cold start ≤ ${TARGETS.coldStartMs} ms (median of 5)`,
      value: `${cold.medianMs.toFixed(0)} ms`,
      pass: cold.medianMs <= TARGETS.coldStartMs,
    });
  if (coldKube)
    targets.push({
      target: `cold start with --kubeconfig ≤ ${TARGETS.coldStartMs} ms (median of 5)`,
      value: `${coldKube.medianMs.toFixed(0)} ms`,
      pass: coldKube.medianMs <= TARGETS.coldStartMs,
    });
  // Peak RSS (VmHWM) of the webhook process: without cluster access, and with KubeResolver (client-node).
  for (const [label, rows] of [
    ["no cluster access", results.filter((r) => r.name !== "ceiling" && !r.name.includes("lookups"))],
    ["with KubeResolver lookups", results.filter((r) => r.name.includes("lookups"))],
  ] as const) {
    if (!rows.length) continue;
    const peak = Math.max(...rows.map((r) => r.peakRssMiB));
    targets.push({ target: `peak RSS under load ≤ ${TARGETS.peakRssMiB} MiB, ${label} (VmHWM)`, value: `${f1(peak)} MiB`, pass: peak <= TARGETS.peakRssMiB });
  }
  if (validate) {
    const ok = validate.exitCode === 0 && validate.reported === validate.manifests;
    targets.push({
      target: `validate ${validate.manifests} manifests ≤ ${TARGETS.validateMs} ms`,
      value: `${validate.medianMs.toFixed(0)} ms${ok ? "" : ` (exit ${validate.exitCode}, ${validate.reported} reported)`}`,
      pass: ok && validate.medianMs <= TARGETS.validateMs,
    });
  }
  console.log("");
  for (const t of targets) console.log(`${t.pass ? "PASS" : "MISS"}  ${t.target}: ${t.value}`);

  for (const r of results) if (r.profile) console.log(`\n[${r.name}] ${formatSummary(r.profile)}`);
  if (cold?.profile) console.log(`\n[cold start] ${formatSummary(cold.profile)}`);

  const out = path.join(RESULTS_DIR, "latest.json");
  fs.writeFileSync(
    out,
    `${JSON.stringify(
      {
        started: started.toISOString(),
        machine: info,
        loadAverage: { before: loadBefore, after: loadAfter },
        settings: {
          seconds: SECONDS,
          warmupSeconds: WARMUP_SECONDS,
          connections: CONNECTIONS,
          pipelining: 1,
          profiler: PROFILE,
          generator: "autocannon 8 (HTTPS keep-alive)",
        },
        scenarios: results,
        coldStart: cold,
        coldStartWithKubeconfig: coldKube,
        pipelineInProcess: { ...pipeline, ratioBound: { mutate: bound(pipeline.mutateUs), validate: bound(pipeline.validateUs) } },
        validate,
        generate,
        targets,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
