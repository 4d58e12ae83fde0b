// Process, HTTPS and load-generation helpers for the benchmarks. Every server under load runs as a
// child process: its RSS and CPU time come from /proc/PID, and the load generator (autocannon, in
// this process) does not share its event loop.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import net from "node:net";
import { createRequire } from "node:module";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import type { Fault } from "../testkit/kube-api-server.js";
import { CLI } from "../testkit/paths.js";

const require = createRequire(import.meta.url);

// autocannon 8 ships no types; this is the part of its API used here.
interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  timeout?: number;
  requests?: AutocannonRequest[];
  tlsOptions?: Record<string, unknown>;
  servername?: string;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number; average: number };
  latency: { p50: number; p99: number; max: number };
}
interface AutocannonInstance {
  on(event: "response", listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  on(event: "done", listener: (result: AutocannonResult) => void): void;
}
type Autocannon = ((opts: AutocannonOptions, cb: (err: Error | null, result: AutocannonResult) => void) => AutocannonInstance) & { track?: unknown };
const autocannon = require("autocannon") as Autocannon;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

/** Where a test or benchmark runs `cnp-webhook serve`: loopback, its ports, its serving pair. */
export interface ServeAt {
  readonly port: number;
  /** 0 (the default) disables /metrics. */
  readonly metricsPort?: number;
  readonly cert: string;
  readonly key: string;
}

/** The argv (for startNode) of `cnp-webhook serve` on 127.0.0.1, then `extra` flags. */
export const serveArgs = ({ port, metricsPort = 0, cert, key }: ServeAt, ...extra: string[]): string[] => [
  CLI,
  "serve",
  ...["--host", "127.0.0.1", "--port", String(port), "--metrics-port", String(metricsPort)],
  ...["--tls-cert", cert, "--tls-key", key],
  ...extra,
];

/** Starts `node ARGS`, stdout and stderr appended to `logFile` (or ignored). */
export function startNode(args: readonly string[], opts: { logFile?: string; env?: NodeJS.ProcessEnv; nodeFlags?: readonly string[] } = {}): Child {
  const out = opts.logFile ? fs.openSync(opts.logFile, "a") : "ignore";
  const proc = spawn(process.execPath, [...(opts.nodeFlags ?? []), ...args], { stdio: ["ignore", out, out], env: opts.env ?? process.env });
  if (typeof out === "number") fs.closeSync(out);
  const exited = new Promise<number | string>((resolve) => proc.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  if (proc.pid === undefined) throw new Error(`cannot start node ${args.join(" ")}`);
  return { proc, pid: proc.pid, exited };
}

/** Starts `node ARGS` and returns the first line it prints on stdout, parsed as JSON. */
export async function startNodeWithHello<T>(
  args: readonly string[],
  opts: { env?: NodeJS.ProcessEnv; nodeFlags?: readonly string[] } = {},
): Promise<{ child: Child; hello: T }> {
  const proc = spawn(process.execPath, [...(opts.nodeFlags ?? []), ...args], { stdio: ["ignore", "pipe", "inherit"], env: opts.env ?? process.env });
  const exited = new Promise<number | string>((resolve) => proc.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const lines = readline.createInterface({ input: proc.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    void exited.then((code) => reject(new Error(`node ${args.join(" ")} exited (${code}) before saying hello`)));
  });
  // Keep draining stdout so the child never blocks on a full pipe.
  lines.on("line", () => {});
  return { child: { proc, pid: proc.pid!, exited }, hello: JSON.parse(first) as T };
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stop(child: Child, graceMs = 10_000): Promise<number | string> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return child.exited;
  child.proc.kill("SIGTERM");
  const timer = setTimeout(() => child.proc.kill("SIGKILL"), graceMs);
  const code = await child.exited;
  clearTimeout(timer);
  return code;
}

/** VmHWM (peak RSS) and VmRSS of a live process, in MiB. */
export function memory(pid: number): { peakRssMiB: number; rssMiB: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
  return { peakRssMiB: kib("VmHWM") / 1024, rssMiB: kib("VmRSS") / 1024 };
}

let clockTicks: number | undefined;
/** User + system CPU time of a live process, in milliseconds. */
export function cpuMs(pid: number): number {
  clockTicks ??= (() => {
    try {
      return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      return 100;
    }
  })();
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
}

export interface HttpsAnswer {
  status: number;
  body: string;
}

/** One HTTPS request that verifies the server's certificate against `ca` (no connection reuse). */
export function request(port: number, ca: string | Buffer, method: string, path: string, body?: string, timeoutMs = 5000): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        ca,
        servername: "localhost",
        agent: false,
        timeout: timeoutMs,
        headers: body ? { "content-type": "application/json" } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** Polls GET /readyz every `everyMs` until it answers 200; returns the time of that answer (performance.now()). */
export async function waitReady(port: number, ca: string | Buffer, timeoutMs = 30_000, everyMs = 5, child?: Child): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child && (child.proc.exitCode !== null || child.proc.signalCode !== null))
      throw new Error(`server exited (${await child.exited}) before /readyz answered 200`);
    try {
      const answer = await request(port, ca, "GET", "/readyz", undefined, 1000);
      if (answer.status === 200) return performance.now();
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`/readyz on port ${port} not 200 within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

export interface LoadRequest {
  readonly path: string;
  readonly body: string;
}

export interface LoadResult {
  readonly seconds: number;
  readonly requests: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
}

const percentile = (sorted: Float64Array, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;

/**
 * `connections` HTTPS keep-alive connections, one request in flight on each (no pipelining), for
 * `seconds`; the requests are sent round-robin per connection. Latencies are taken from
 * autocannon's per-response event at sub-millisecond resolution (its own histogram rounds to 1 ms).
 */
export function load(port: number, ca: string | Buffer, requests: readonly LoadRequest[], seconds: number, connections: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    let ok = 0;
    const instance = autocannon(
      {
        url: `https://127.0.0.1:${port}`,
        connections,
        duration: seconds,
        pipelining: 1,
        timeout: 10,
        // autocannon 8 passes tlsOptions to tls.connect but always with rejectUnauthorized: false; the
        // certificate chain is verified separately by the pre-flight request (see `request`).
        tlsOptions: { ca },
        servername: "localhost",
        requests: requests.map((r) => ({ method: "POST", path: r.path, headers: { "content-type": "application/json" }, body: r.body })),
      },
      (err, result) => {
        if (err) return reject(err);
        const sorted = Float64Array.from(latencies).sort();
        resolve({
          seconds: result.duration,
          requests: ok,
          rps: ok / result.duration,
          p50Ms: percentile(sorted, 50),
          p90Ms: percentile(sorted, 90),
          p99Ms: percentile(sorted, 99),
          maxMs: sorted[sorted.length - 1] ?? NaN,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) {
        ok++;
        latencies.push(responseTime);
      }
    });
  });
}

/**
 * An open-loop load at a fixed rate: request i is sent at start + i / rate over a pool of kept-alive
 * HTTPS connections, whether or not earlier answers have come back, as admissions arrive from
 * independent `kubectl apply`s (autocannon's rate limit sends each second's requests back to back at
 * the start of the second: a burst, not a rate). Latency is from the request's send to its last
 * byte; `lateMs` is how far sends fell behind their schedule (this process's own delays).
 */
export async function steadyLoad(
  port: number,
  ca: string | Buffer,
  requests: readonly LoadRequest[],
  opts: { rate: number; seconds: number; connections: number },
): Promise<LoadResult & { readonly rate: number; readonly lateP99Ms: number }> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: opts.connections, ca, servername: "localhost" });
  const total = Math.round(opts.rate * opts.seconds);
  const latencies: number[] = [];
  const late: number[] = [];
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const one = (r: LoadRequest): Promise<void> =>
    new Promise((resolve) => {
      const sent = performance.now();
      const req = https.request({ host: "127.0.0.1", port, method: "POST", path: r.path, agent, headers: { "content-type": "application/json" } }, (res) => {
        res.on("data", () => {});
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            ok++;
            latencies.push(performance.now() - sent);
          } else non2xx++;
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(r.body);
    });
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    late.push(Math.max(0, performance.now() - due));
    inFlight.push(one(requests[i % requests.length]!));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const sorted = Float64Array.from(latencies).sort();
  return {
    seconds,
    requests: ok,
    rps: ok / seconds,
    rate: opts.rate,
    p50Ms: percentile(sorted, 50),
    p90Ms: percentile(sorted, 90),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? NaN,
    non2xx,
    errors,
    timeouts: 0,
    lateP99Ms: percentile(Float64Array.from(late).sort(), 99),
  };
}

/** What kube-api-child.js answers to {op: "state"}. */
export interface ApiState {
  readonly hanging: number;
  readonly hangsClosedByClient: number;
  readonly connections: number;
  readonly requests: number;
  readonly gets: number;
  readonly lists: number;
  readonly watches: number;
}

/** kube-api-child.js: the fake API server in a process of its own, its state and faults over IPC. */
export interface ApiChild {
  readonly child: Child;
  readonly kubeconfig: string;
  state(): Promise<ApiState>;
  setFault(fault: Fault, slowMs?: number): Promise<void>;
}

/** Starts kube-api-child.js in `dir` with `objects` Clusters, Backups and Secrets more than its three. */
export async function startApiChild(dir: string, objects = 0): Promise<ApiChild> {
  const proc = spawn(process.execPath, [fileURLToPath(new URL("kube-api-child.js", import.meta.url)), dir, String(objects)], {
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  const exited = new Promise<number | string>((resolve) => proc.once("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  const lines = readline.createInterface({ input: proc.stdout! });
  const hello = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    void exited.then((code) => reject(new Error(`kube-api-child exited (${code}) before saying hello`)));
  });
  lines.on("line", () => {});
  let next = 0;
  const pending = new Map<number, (reply: Record<string, unknown>) => void>();
  proc.on("message", (m: { id: number }) => {
    pending.get(m.id)?.(m);
    pending.delete(m.id);
  });
  const ask = (message: object) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const id = ++next;
      pending.set(id, resolve);
      proc.send({ id, ...message });
    });
  return {
    child: { proc, pid: proc.pid!, exited },
    kubeconfig: (JSON.parse(hello) as { kubeconfig: string }).kubeconfig,
    state: async () => (await ask({ op: "state" })) as unknown as ApiState,
    setFault: async (fault, slowMs) => void (await ask({ op: "fault", fault, ...(slowMs !== undefined ? { slowMs } : {}) })),
  };
}
