// `make bench`: throughput and latency of the admission webhook against a bare HTTPS ceiling, without
// a cluster and in production mode (README "Performance": `--kubeconfig` against the local API server
// holding 10,000 Clusters, 10,000 Backups and their Secrets, caches warm), plus cache sync time, API
// requests per admission, a burst while the API is slow, cold start, peak RSS, `validate` over 1,000
// manifests and `make generate`. Prints a table and PASS/MISS per target; writes
// tools/bench/results/latest.json.
//
// Environment:
//   BENCH_SECONDS      seconds of load per scenario (default 10)
//   BENCH_CONNECTIONS  concurrent keep-alive connections (default 20)
//   BENCH_ONLY         regular expression: run only the load scenarios and the other parts (burst,
//                      cold-start, steady, hot-path, validate, generate) whose name matches; the ceiling runs with any scenario
//   BENCH_RATE         admissions per second of the steady-rate runs (default 200)
//   BENCH_OBJECTS      Clusters (and as many Backups and Secrets) in the API server (default 10000)
//   BENCH_SOAK         1: also the production-mode soak, 3 × 60 s of load, RSS each minute
//   BENCH_SOAK_MINUTES minutes of the soak (default 3)
//   BENCH_SKIP_EXTRA   1: skip cold start, the slow-API burst, validate and generate
//   BENCH_NODE_FLAGS   node flags of the webhook process (default: the Deployment's NODE_OPTIONS)
//   BENCH_PROFILE      1: run the webhook under node --cpu-prof and summarize where the time goes
//                      (figures are then slower than without the profiler)
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ensureCertificates } from "../../certs/tls.js";
import type { KindName } from "../../schemas/kinds.js";
import { NAME, NAMESPACE, NODE_OPTIONS } from "../../webhook/deployment.js";
import { route, type Role } from "../../webhook/routes.js";
import { REPO_ROOT } from "../testkit/paths.js";
import { admissionReview, deniedCluster, validBackup, validCluster, validScheduledBackup, type JsonObject } from "../fuzz/objects.js";
import {
  cpuMs,
  freePort,
  load,
  memory,
  request,
  startNode,
  startNodeWithHello,
  serveArgs,
  startApiChild,
  stop,
  waitReady,
  type ApiChild,
  type Child,
  type LoadRequest,
  type LoadResult,
  steadyLoad,
} from "./harness.js";
import { formatSummary, newestProfile, STAGES, stageSplit, summarizeProfile, type ProfileSummary, type Stage } from "./profile.js";
import { validateCases, validateTable, type ValidateCase } from "./validate.js";

const RESULTS_DIR = path.join(REPO_ROOT, "tools/bench/results");

const SECONDS = Number(process.env["BENCH_SECONDS"] ?? 10);
const CONNECTIONS = Number(process.env["BENCH_CONNECTIONS"] ?? 20);
const WARMUP_SECONDS = Math.max(1, Math.min(3, Math.round(SECONDS / 4)));
const ONLY = process.env["BENCH_ONLY"] ? new RegExp(process.env["BENCH_ONLY"]) : undefined;
const PROFILE = process.env["BENCH_PROFILE"] === "1";
const SKIP_EXTRA = process.env["BENCH_SKIP_EXTRA"] === "1";
/** Whether a part other than the load scenarios runs. */
const extra = (part: "burst" | "cold-start" | "steady" | "hot-path" | "validate" | "generate"): boolean => !SKIP_EXTRA && (!ONLY || ONLY.test(part));
const OBJECTS = Number(process.env["BENCH_OBJECTS"] ?? 10_000);
const SOAK = process.env["BENCH_SOAK"] === "1";
const SOAK_MINUTES = Number(process.env["BENCH_SOAK_MINUTES"] ?? 3);
/** The webhook runs with the flags it has in the Deployment, so that RSS is measured as it will be there. */
const WEBHOOK_NODE_FLAGS = (process.env["BENCH_NODE_FLAGS"] ?? NODE_OPTIONS).split(" ").filter(Boolean);

// Issue targets: no-cluster mutate/validate against the ceiling, production against no-cluster.
const TARGETS = {
  mutateRatio: 0.5,
  validateRatio: 0.4,
  productionRatio: 0.8,
  apiRequestsPerAdmission: 0.05,
  // At a steady rate well below saturation (200/s): what one `kubectl apply` feels.
  steadyP99Ms: 3,
  steadyP99ProductionMs: 5,
  p99Ms: 10,
  coldStartMs: 1000,
  peakRssMiB: 150,
  cacheSyncMs: 3000,
  // validate, process start included: 1,000 manifests; 5 MiB of small documents, and its peak RSS.
  validateManifestsMs: 1000,
  validateLargeMs: 1500,
  validateLargePeakMiB: 200,
} as const;

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

/** bare node:https; the webhook without a cluster; the webhook with --kubeconfig (production mode). */
type Target = "bare" | "webhook" | "webhook+cluster";

interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly target: Target;
  readonly requests: readonly Expectation[];
  /** Production mode: the no-cluster scenario with the same requests, for the ratio. */
  readonly baseline?: string;
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
    name: "prod-cluster-mutate",
    description: "production mode: Cluster mutate (3 KB), caches warm",
    target: "webhook+cluster",
    baseline: "cluster-mutate",
    requests: [req("mutate cluster (cluster)", "mutate", "Cluster", CLUSTER, true)],
  },
  {
    name: "prod-cluster-validate",
    description: "production mode: Cluster validate, its Secret read by GET",
    target: "webhook+cluster",
    baseline: "cluster-validate",
    requests: [req("validate cluster (cluster)", "validate", "Cluster", CLUSTER, true, true)],
  },
  {
    name: "prod-backup",
    description: "production mode: Backup mutate and validate, its Cluster from the cache",
    target: "webhook+cluster",
    baseline: "backup",
    requests: [
      req("mutate backup (cluster)", "mutate", "Backup", BACKUP, true, true),
      req("validate backup (cluster)", "validate", "Backup", BACKUP, true, true),
    ],
  },
  {
    name: "prod-mix-20%-denied",
    description: "production mode: the mix above, references from the API server",
    target: "webhook+cluster",
    baseline: "mix-20%-denied",
    requests: [
      req("mutate cluster", "mutate", "Cluster", CLUSTER, true),
      req("validate cluster", "validate", "Cluster", CLUSTER, true, true),
      req("validate backup", "validate", "Backup", BACKUP, true, true),
      req("validate scheduledbackup", "validate", "ScheduledBackup", SCHEDULED, true, true),
      req("validate denied cluster", "validate", "Cluster", DENIED, false),
    ],
  },
];

// ---- running one scenario -------------------------------------------------------------------

/** The local API server child: its state (requests by type) and faults over IPC. */

interface Env {
  readonly tmp: string;
  readonly certDir: string;
  readonly ca: string;
  api?: ApiChild;
}

/** What the production-mode webhook's log says of its caches' first sync, and when /readyz turned 200. */
interface CacheSync {
  /** Process start to /readyz 200 (the caches have synced by then). */
  readonly readyMs: number;
  /** The first sync of each cache, as the webhook logged it: objects and list duration. */
  readonly kinds: { kind: string; objects: number; durationMs: number }[];
}

interface ApiUse {
  /** Admissions answered during the measured load. */
  readonly admissions: number;
  readonly gets: number;
  readonly lists: number;
  readonly watches: number;
  readonly getsPerAdmission: number;
}

interface ScenarioResult extends LoadResult {
  readonly name: string;
  readonly description: string;
  readonly bodyBytes: number[];
  readonly ratio?: number;
  readonly peakRssMiB: number;
  readonly serverCpuUsPerRequest: number;
  readonly profile?: ProfileSummary;
  readonly baseline?: string;
  readonly cacheSync?: CacheSync;
  readonly api?: ApiUse;
}

const webhookArgs = (env: Env, port: number, cluster: boolean): string[] =>
  serveArgs(
    { port, cert: path.join(env.certDir, "tls.crt"), key: path.join(env.certDir, "tls.key") },
    ...(cluster ? ["--kubeconfig", env.api!.kubeconfig] : []),
  );

/** The "cache synced" lines of a webhook log (logInformerEvent in webhook/references/connect.ts). */
function cacheSyncsIn(logFile: string): CacheSync["kinds"] {
  const kinds: CacheSync["kinds"] = [];
  for (const line of fs.readFileSync(logFile, "utf8").split("\n")) {
    if (!line.includes('"cache synced"')) continue;
    const entry = JSON.parse(line) as { kind: string; objects: number; durationMs: number };
    kinds.push({ kind: entry.kind, objects: entry.objects, durationMs: entry.durationMs });
  }
  return kinds;
}

/** The target, ready; in production mode also when it turned ready and a reader of its caches' first sync (log lines are written in batches: read them once the process has ended). */
async function startTarget(
  env: Env,
  scenario: Scenario,
  profileDir?: string,
): Promise<{ child: Child; port: number; cacheSync?: (stopped: Child) => Promise<CacheSync> }> {
  const nodeFlags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  if (scenario.target === "bare") {
    const { child, hello } = await startNodeWithHello<{ port: number }>(
      [fileURLToPath(new URL("bare-server.js", import.meta.url)), path.join(env.certDir, "tls.crt"), path.join(env.certDir, "tls.key")],
      { nodeFlags },
    );
    return { child, port: hello.port };
  }
  const port = await freePort();
  const cluster = scenario.target === "webhook+cluster";
  const logFile = path.join(env.tmp, `${scenario.name}.log`);
  // Logs at the default level (one JSON line per admission), as in production; to a file, not a pipe.
  const t0 = performance.now();
  const child = startNode(webhookArgs(env, port, cluster), { logFile, nodeFlags: [...WEBHOOK_NODE_FLAGS, ...nodeFlags] });
  const readyAt = await waitReady(port, env.ca, 60_000, 20, child);
  const cacheSync = async (stopped: Child): Promise<CacheSync> => {
    await stop(stopped);
    return { readyMs: readyAt - t0, kinds: cacheSyncsIn(logFile) };
  };
  return { child, port, ...(cluster ? { cacheSync } : {}) };
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

async function runScenario(env: Env, scenario: Scenario, profile = PROFILE): Promise<ScenarioResult> {
  const profileDir = profile ? path.join(RESULTS_DIR, "profiles", scenario.name) : undefined;
  if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  const { child, port, cacheSync } = await startTarget(env, scenario, profileDir);
  try {
    await preflight(port, env, scenario);
    await load(port, env.ca, scenario.requests, WARMUP_SECONDS, CONNECTIONS);
    const apiBefore = cacheSync ? await env.api!.state() : undefined;
    const cpuBefore = cpuMs(child.pid);
    const result = await load(port, env.ca, scenario.requests, SECONDS, CONNECTIONS);
    const cpu = cpuMs(child.pid) - cpuBefore;
    const apiAfter = cacheSync ? await env.api!.state() : undefined;
    const { peakRssMiB } = memory(child.pid);
    const sync = cacheSync ? await cacheSync(child) : undefined;
    const admissions = result.requests + result.non2xx;
    const api =
      apiBefore && apiAfter
        ? {
            admissions,
            gets: apiAfter.gets - apiBefore.gets,
            lists: apiAfter.lists - apiBefore.lists,
            watches: apiAfter.watches - apiBefore.watches,
            getsPerAdmission: (apiAfter.gets - apiBefore.gets) / Math.max(1, admissions),
          }
        : undefined;
    await stop(child);
    const profileFile = profileDir ? newestProfile(profileDir) : undefined;
    return {
      name: scenario.name,
      description: scenario.description,
      bodyBytes: [...new Set(scenario.requests.map((r) => Buffer.byteLength(r.body)))],
      ...result,
      peakRssMiB,
      serverCpuUsPerRequest: (cpu * 1000) / Math.max(1, result.requests),
      ...(scenario.baseline ? { baseline: scenario.baseline } : {}),
      ...(sync ? { cacheSync: sync } : {}),
      ...(api ? { api } : {}),
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

// ---- production mode: the API server, a burst while it is slow, the soak ----------------------

interface SlowApiBurst {
  readonly slowMs: number;
  /** Backups (their Cluster from the cache) while every API request takes `slowMs`. */
  readonly cached: LoadResult;
  /** The same requests with the API healthy, just before. */
  readonly healthy: LoadResult;
}

/**
 * A burst while the API server is slow (every request answered after `slowMs`, beyond the lookup
 * timeout): admissions whose references are in the caches do not wait for it.
 */
async function slowApiBurst(env: Env, slowMs = 5000, seconds = 5): Promise<SlowApiBurst> {
  const scenario = SCENARIOS.find((s) => s.name === "prod-backup")!;
  const { child, port } = await startTarget(env, scenario);
  try {
    await preflight(port, env, scenario);
    await load(port, env.ca, scenario.requests, WARMUP_SECONDS, CONNECTIONS);
    const healthy = await load(port, env.ca, scenario.requests, seconds, CONNECTIONS);
    await env.api!.setFault("slow", slowMs);
    try {
      const cached = await load(port, env.ca, scenario.requests, seconds, CONNECTIONS);
      return { slowMs, cached, healthy };
    } finally {
      await env.api!.setFault("none");
    }
  } finally {
    await stop(child);
  }
}

// ---- where an admission's CPU goes ------------------------------------------------------------

interface HotPath {
  readonly scenario: string;
  /** Server CPU per admission in the profiled run (the profiler adds to it). */
  readonly cpuUsPerAdmission: number;
  /** Each stage's share of that, µs per admission. */
  readonly us: Record<Stage, number>;
}

/** Cluster validate without a cluster, at saturation, under --cpu-prof: its CPU per admission by stage (profile.ts stageSplit). */
async function hotPath(env: Env): Promise<HotPath> {
  const scenario = SCENARIOS.find((x) => x.name === "cluster-validate")!;
  const r = await runScenario(env, scenario, true);
  const file = newestProfile(path.join(RESULTS_DIR, "profiles", scenario.name));
  if (!file) throw new Error("the profiled run left no .cpuprofile");
  const split = stageSplit(file);
  const us = Object.fromEntries(STAGES.map((st) => [st, (split.ms[st] / split.busyMs) * r.serverCpuUsPerRequest])) as Record<Stage, number>;
  return { scenario: scenario.name, cpuUsPerAdmission: r.serverCpuUsPerRequest, us };
}

// ---- latency at a steady rate ------------------------------------------------------------------

const RATE = Number(process.env["BENCH_RATE"] ?? 200);
/** The scenarios run at RATE, well below saturation: the bare server (this machine's floor), no cluster and production mode. */
const STEADY = ["ceiling", "cluster-validate", "mix-20%-denied", "prod-cluster-validate", "prod-mix-20%-denied"] as const;

interface SteadyResult {
  readonly name: string;
  readonly production: boolean;
  readonly rate: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly failed: number;
  readonly serverCpuUsPerRequest: number;
  /** How late the load generator sent (p99): its own delays, which the latencies do not include. */
  readonly lateP99Ms: number;
}

/** A scenario's requests at RATE admissions per second for SECONDS, after a warm-up at the same rate. */
async function steadyScenario(env: Env, scenario: Scenario): Promise<SteadyResult> {
  const { child, port } = await startTarget(env, scenario);
  try {
    await preflight(port, env, scenario);
    const opts = { rate: RATE, connections: 8 };
    await steadyLoad(port, env.ca, scenario.requests, { ...opts, seconds: WARMUP_SECONDS });
    const cpuBefore = cpuMs(child.pid);
    const r = await steadyLoad(port, env.ca, scenario.requests, { ...opts, seconds: SECONDS });
    const cpu = cpuMs(child.pid) - cpuBefore;
    return {
      name: scenario.name,
      production: scenario.target === "webhook+cluster",
      rate: RATE,
      requests: r.requests,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      maxMs: r.maxMs,
      failed: r.non2xx + r.errors,
      serverCpuUsPerRequest: (cpu * 1000) / Math.max(1, r.requests),
      lateP99Ms: r.lateP99Ms,
    };
  } finally {
    await stop(child);
  }
}

interface Soak {
  readonly minutes: number;
  /** VmRSS at the end of each minute of load, then after 30 s idle, MiB. */
  readonly rssMiB: number[];
  readonly idleRssMiB: number;
  readonly peakRssMiB: number;
  readonly requests: number;
  readonly p99Ms: number[];
}

/** The production-mode mix under load for `minutes` minutes, RSS read at the end of each. */
async function soak(env: Env, minutes: number): Promise<Soak> {
  const scenario = SCENARIOS.find((s) => s.name === "prod-mix-20%-denied")!;
  const { child, port } = await startTarget(env, scenario);
  try {
    await preflight(port, env, scenario);
    const rssMiB: number[] = [];
    const p99Ms: number[] = [];
    let requests = 0;
    for (let m = 0; m < minutes; m++) {
      const r = await load(port, env.ca, scenario.requests, 60, CONNECTIONS);
      requests += r.requests;
      p99Ms.push(r.p99Ms);
      rssMiB.push(memory(child.pid).rssMiB);
      console.log(`    minute ${m + 1}: ${r.rps.toFixed(0)} req/s, p99 ${f2(r.p99Ms)} ms, RSS ${f1(rssMiB.at(-1)!)} MiB`);
    }
    await new Promise((resolve) => setTimeout(resolve, 30_000));
    const { rssMiB: idleRssMiB, peakRssMiB } = memory(child.pid);
    return { minutes, rssMiB, idleRssMiB, peakRssMiB, requests, p99Ms };
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

/** Process start to /readyz 200; with `cluster`, that includes the first sync of the caches. */
async function coldStart(env: Env, cluster: boolean, runs = 5): Promise<ColdStart> {
  const runsMs: number[] = [];
  for (let i = 0; i < runs; i++) {
    const port = await freePort();
    const t0 = performance.now();
    const child = startNode(webhookArgs(env, port, cluster), { logFile: path.join(env.tmp, "cold-start.log"), nodeFlags: WEBHOOK_NODE_FLAGS });
    try {
      runsMs.push((await waitReady(port, env.ca, 60_000, 5, child)) - t0);
    } finally {
      await stop(child);
    }
  }
  let profile: ProfileSummary | undefined;
  if (PROFILE) {
    const dir = path.join(RESULTS_DIR, "profiles", cluster ? "cold-start-kubeconfig" : "cold-start");
    fs.rmSync(dir, { recursive: true, force: true });
    const port = await freePort();
    const child = startNode(webhookArgs(env, port, cluster), {
      logFile: path.join(env.tmp, "cold-start.log"),
      nodeFlags: [...WEBHOOK_NODE_FLAGS, "--cpu-prof", `--cpu-prof-dir=${dir}`],
    });
    await waitReady(port, env.ca, 30_000, 5, child);
    await stop(child);
    const file = newestProfile(dir);
    if (file) profile = summarizeProfile(file, 30);
  }
  return { runsMs, medianMs: median(runsMs), ...(profile ? { profile } : {}) };
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

  const results: ScenarioResult[] = [];
  let cold: ColdStart | undefined;
  let coldKube: ColdStart | undefined;
  let burst: SlowApiBurst | undefined;
  let soaked: Soak | undefined;
  const steady: SteadyResult[] = [];
  let hot: HotPath | undefined;
  let validate: ValidateCase[] | undefined;
  let generate: ReturnType<typeof generateDuration> | undefined;
  try {
    const chosen = SCENARIOS.filter((s) => !ONLY || ONLY.test(s.name));
    const selected = chosen.length > 0 && !chosen.some((s) => s.name === "ceiling") ? [SCENARIOS[0]!, ...chosen] : chosen;
    if (selected.some((s) => s.target === "webhook+cluster") || extra("burst") || extra("cold-start") || extra("steady") || SOAK) {
      process.stdout.write(`  local API server with ${OBJECTS} Clusters, ${OBJECTS} Backups, ${OBJECTS} Secrets ... `);
      env.api = await startApiChild(tmp, OBJECTS);
      console.log("up");
    }
    let ceiling: number | undefined;
    for (const scenario of selected) {
      process.stdout.write(`  ${scenario.name}: ${scenario.description} ... `);
      const r = await runScenario(env, scenario);
      if (scenario.name === "ceiling") ceiling = r.rps;
      const withRatio = { ...r, ...(scenario.name !== "ceiling" && ceiling ? { ratio: r.rps / ceiling } : {}) };
      results.push(withRatio);
      console.log(`${r.rps.toFixed(0)} req/s, p99 ${f2(r.p99Ms)} ms${r.cacheSync ? `, ready after ${r.cacheSync.readyMs.toFixed(0)} ms` : ""}`);
    }
    if (extra("burst")) {
      process.stdout.write("  burst while the API server answers after 5 s (Backups, Cluster from the cache) ... ");
      burst = await slowApiBurst(env);
      console.log(`${burst.cached.rps.toFixed(0)} req/s, p99 ${f2(burst.cached.p99Ms)} ms`);
    }
    if (extra("cold-start")) {
      process.stdout.write("  cold start (serve → /readyz 200), 5 runs ... ");
      cold = await coldStart(env, false);
      console.log(`median ${cold.medianMs.toFixed(0)} ms`);
      process.stdout.write(`  cold start with --kubeconfig (caches of ${2 * OBJECTS + 1} objects synced), 5 runs ... `);
      coldKube = await coldStart(env, true);
      console.log(`median ${coldKube.medianMs.toFixed(0)} ms`);
    }
    if (extra("hot-path")) {
      process.stdout.write("  hot path: cluster-validate under --cpu-prof ... ");
      hot = await hotPath(env);
      console.log(`${hot.cpuUsPerAdmission.toFixed(0)} µs CPU per admission`);
    }
    if (extra("steady")) {
      for (const name of STEADY) {
        const scenario = SCENARIOS.find((x) => x.name === name)!;
        process.stdout.write(`  ${name} at a steady ${RATE} admissions/s ... `);
        const r = await steadyScenario(env, scenario);
        steady.push(r);
        console.log(`p50 ${f2(r.p50Ms)} ms, p99 ${f2(r.p99Ms)} ms`);
      }
    }
    if (SOAK) {
      console.log(`  soak: production mode, mix, ${SOAK_MINUTES} × 60 s ...`);
      soaked = await soak(env, SOAK_MINUTES);
    }
  } finally {
    if (env.api) await stop(env.api.child);
  }

  if (extra("validate")) {
    process.stdout.write("  validate: start-up, 1,000 manifests, 5 MiB of small documents, 3 runs each ... ");
    validate = validateCases(path.join(env.tmp, "validate"));
    console.log(validate.map((c) => `${c.name} ${c.wallMs.toFixed(0)} ms`).join(", "));
  }
  if (extra("generate")) {
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
    console.log(
      `cold start with --kubeconfig (to /readyz 200, caches synced): median ${coldKube.medianMs.toFixed(0)} ms of ${coldKube.runsMs.map((x) => x.toFixed(0)).join(", ")}`,
    );
  const production = results.filter((r) => r.cacheSync);
  for (const r of production) {
    const sync = r.cacheSync!;
    console.log(
      `${r.name}: ready ${sync.readyMs.toFixed(0)} ms after start; first sync ${sync.kinds.map((k) => `${k.kind} ${k.objects} objects in ${k.durationMs} ms`).join(", ")}` +
        (r.api
          ? `; API during load: ${r.api.gets} GETs, ${r.api.lists} lists, ${r.api.watches} watches for ${r.api.admissions} admissions (${f2(r.api.getsPerAdmission)} GETs each)`
          : ""),
    );
  }
  if (burst)
    console.log(
      `burst while the API answers after ${burst.slowMs / 1000} s (prod-backup, ${CONNECTIONS} connections): ${burst.cached.rps.toFixed(0)} req/s, p50 ${f2(burst.cached.p50Ms)} ms, p99 ${f2(burst.cached.p99Ms)} ms, ${burst.cached.non2xx + burst.cached.errors + burst.cached.timeouts} failed; healthy API just before: ${burst.healthy.rps.toFixed(0)} req/s, p99 ${f2(burst.healthy.p99Ms)} ms`,
    );
  if (soaked)
    console.log(
      `soak (prod-mix-20%-denied, ${soaked.minutes} × 60 s, ${soaked.requests} admissions): RSS at the end of each minute ${soaked.rssMiB.map(f1).join(" → ")} MiB, ${f1(soaked.idleRssMiB)} MiB after 30 s idle, peak ${f1(soaked.peakRssMiB)} MiB; p99 ${soaked.p99Ms.map(f2).join(", ")} ms`,
    );
  if (steady.length > 0) {
    console.log(`\nat a steady ${RATE} admissions/s (open loop, 8 kept-alive connections, ${SECONDS} s after ${WARMUP_SECONDS} s of warm-up):`);
    for (const r of steady)
      console.log(
        `  ${r.name.padEnd(22)} p50 ${f2(r.p50Ms)} ms  p99 ${f2(r.p99Ms)} ms  max ${f1(r.maxMs)} ms  server CPU ${r.serverCpuUsPerRequest.toFixed(0)} µs/req  ${r.failed} failed  (sends late by ${f2(r.lateP99Ms)} ms at p99)`,
      );
  }
  if (hot)
    console.log(
      `\nhot path of ${hot.scenario} under --cpu-prof, ${hot.cpuUsPerAdmission.toFixed(0)} µs of server CPU per admission: ` +
        STAGES.map((st) => `${st} ${hot.us[st].toFixed(0)}`).join(", ") +
        " µs",
    );
  if (validate) console.log(`\n${validateTable(validate)}\n`);
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
  for (const [name, ratio] of [
    ["cluster-mutate", TARGETS.mutateRatio],
    ["cluster-validate", TARGETS.validateRatio],
  ] as const) {
    const r = byName.get(name);
    if (r?.ratio !== undefined) targets.push({ target: `${name} ≥ ${ratio}× ceiling`, value: `${f2(r.ratio)}×`, pass: r.ratio >= ratio });
  }
  for (const r of production) {
    const base = r.baseline ? byName.get(r.baseline) : undefined;
    if (!base) continue;
    const ratio = r.rps / base.rps;
    targets.push({
      target: `${r.name} ≥ ${TARGETS.productionRatio}× ${base.name} (no cluster)`,
      value: `${f2(ratio)}×`,
      pass: ratio >= TARGETS.productionRatio,
    });
    // One credentials Secret for every Cluster: read once per burst, not once per admission (--secret-reuse).
    if (r.name === "prod-cluster-validate" && r.api)
      targets.push({
        target: `${r.name}: API requests per admission ≤ ${TARGETS.apiRequestsPerAdmission}`,
        value: `${r.api.getsPerAdmission.toFixed(4)} (${r.api.gets} GETs for ${r.api.admissions})`,
        pass: r.api.getsPerAdmission <= TARGETS.apiRequestsPerAdmission,
      });
  }
  for (const r of results) {
    if (r.name === "ceiling") continue;
    targets.push({ target: `${r.name} p99 ≤ ${TARGETS.p99Ms} ms at ${CONNECTIONS} connections`, value: `${f2(r.p99Ms)} ms`, pass: r.p99Ms <= TARGETS.p99Ms });
  }
  for (const r of production) {
    // The caches list in parallel: the sync takes as long as the slower of the two.
    const syncMs = Math.max(...r.cacheSync!.kinds.map((k) => k.durationMs));
    const objects = r.cacheSync!.kinds.reduce((n, k) => n + k.objects, 0);
    targets.push({
      target: `${r.name}: cache sync of ${objects} objects ≤ ${TARGETS.cacheSyncMs} ms`,
      value: `${syncMs} ms`,
      pass: syncMs <= TARGETS.cacheSyncMs,
    });
    break; // every production scenario syncs the same objects: the first one says it
  }
  if (cold)
    targets.push({
      target: `cold start ≤ ${TARGETS.coldStartMs} ms (median of 5)`,
      value: `${cold.medianMs.toFixed(0)} ms`,
      pass: cold.medianMs <= TARGETS.coldStartMs,
    });
  if (burst)
    targets.push({
      target: `burst while the API is slow: cached admissions p99 ≤ ${TARGETS.p99Ms} ms, none failed`,
      value: `${f2(burst.cached.p99Ms)} ms, ${burst.cached.non2xx + burst.cached.errors + burst.cached.timeouts} failed`,
      pass: burst.cached.p99Ms <= TARGETS.p99Ms && burst.cached.non2xx + burst.cached.errors + burst.cached.timeouts === 0,
    });
  // Peak RSS (VmHWM) of the webhook process: without cluster access, and in production mode with the caches full.
  for (const [label, rows] of [
    ["no cluster access", results.filter((r) => r.name !== "ceiling" && !r.cacheSync)],
    [`production mode, ${2 * OBJECTS} objects cached`, production],
  ] as const) {
    if (!rows.length) continue;
    const peak = Math.max(...rows.map((r) => r.peakRssMiB));
    targets.push({ target: `peak RSS under load ≤ ${TARGETS.peakRssMiB} MiB, ${label} (VmHWM)`, value: `${f1(peak)} MiB`, pass: peak <= TARGETS.peakRssMiB });
  }
  if (soaked) {
    // Flat after the first minute: later minutes within 10 % of it.
    const first = soaked.rssMiB[0]!;
    const last = soaked.rssMiB.at(-1)!;
    targets.push({
      target: `soak: RSS flat after the first minute (last ≤ 1.1 × first)`,
      value: `${f1(first)} → ${f1(last)} MiB`,
      pass: last <= first * 1.1,
    });
  }
  if (hot) {
    const books = hot.us.logging + hot.us.metrics;
    targets.push({
      target: "hot path: logging + metrics per admission ≤ the rules' CPU",
      value: `${books.toFixed(0)} µs ≤ ${hot.us.rules.toFixed(0)} µs`,
      pass: books <= hot.us.rules,
    });
  }
  for (const r of steady.filter((x) => x.name !== "ceiling")) {
    const bound = r.production ? TARGETS.steadyP99ProductionMs : TARGETS.steadyP99Ms;
    targets.push({
      target: `${r.name} at ${r.rate}/s: p99 ≤ ${bound} ms, none failed`,
      value: `${f2(r.p99Ms)} ms, ${r.failed} failed`,
      pass: r.p99Ms <= bound && r.failed === 0,
    });
  }
  for (const c of validate ?? []) {
    if (c.name === "start-up") continue;
    // Every object admitted: a run that denied or failed measured something else.
    const ok = c.exitCode === 0 && c.denied === 0;
    const status = ok ? "" : ` (exit ${c.exitCode}, ${c.denied} denied)`;
    const large = c.name.startsWith("5 MiB");
    const limit = large ? TARGETS.validateLargeMs : TARGETS.validateManifestsMs;
    targets.push({ target: `validate ${c.name} ≤ ${limit} ms, start-up included`, value: `${c.wallMs.toFixed(0)} ms${status}`, pass: ok && c.wallMs <= limit });
    if (large)
      targets.push({
        target: `validate ${c.name}: peak RSS ≤ ${TARGETS.validateLargePeakMiB} MiB`,
        value: `${c.peakRssMiB.toFixed(1)} MiB`,
        pass: c.peakRssMiB <= TARGETS.validateLargePeakMiB,
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
        objects: OBJECTS,
        coldStart: cold,
        coldStartWithKubeconfig: coldKube,
        slowApiBurst: burst,
        soak: soaked,
        steady,
        hotPath: hot,
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
