// SIGTERM on the real CLI (README "Install and operate"): stop accepting, finish in-flight requests, exit 0 within 10 s.
// The requests are made slow for real: every Backup admission looks its Cluster up in an API server
// that never answers, so each one lasts the whole --lookup-timeout. Kept-alive idle connections must
// not hold the exit up either: the server's own "stopped" log says how long shutdown took.
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import { after, it } from "node:test";
import { sharedCerts, tempDir, type CertFiles } from "../tools/testkit/certs.js";
import { request, waitFor, type Reply } from "../tools/testkit/https.js";
import { startKubeApiServer, type KubeApiServer } from "../tools/testkit/kube-api-server.js";
import { CLI } from "../tools/testkit/paths.js";
import { backupReview } from "../tools/testkit/review.js";
import { route } from "../webhook/routes.js";

const validatePath = route("validate", "Backup").path;
const IN_FLIGHT = 50;
/** Long enough for all IN_FLIGHT admissions to reach the API server on a loaded machine before the first gives up. */
const LOOKUP_TIMEOUT_MS = 4000;
/** The server's cut-off for stragglers (webhook/cli/serve.ts): a shutdown that reaches it was held up. */
const CUT_OFF_MS = 8000;

let api: KubeApiServer;
let certs: CertFiles;
let dir: string;
let child: ChildProcess | undefined;

after(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await api?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts `cnp-webhook serve` and resolves with its HTTPS port once it logs "serving". */
function startCli(args: string[]): Promise<{ port: number; logs: string[] }> {
  const proc = spawn(process.execPath, [CLI, "serve", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  child = proc;
  const logs: string[] = [];
  return new Promise((resolve, reject) => {
    let buffer = "";
    proc.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        logs.push(line);
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === "serving" && entry.port) resolve({ port: entry.port, logs });
      }
    });
    proc.stderr!.setEncoding("utf8").on("data", (chunk: string) => logs.push(`stderr: ${chunk}`));
    proc.once("exit", (code) => reject(new Error(`cnp-webhook exited early with ${code}: ${logs.join("\n")}`)));
  });
}

it(`SIGTERM with ${IN_FLIGHT} requests in flight: all answered 200, exit 0 within 10 s`, async (t) => {
  api = await startKubeApiServer();
  certs = await sharedCerts();
  dir = tempDir("cnp-shutdown-");
  const kubeconfig = api.writeKubeconfig(dir);
  const { port, logs } = await startCli([
    "--host",
    "127.0.0.1",
    "--port",
    "0",
    "--metrics-port",
    "0",
    "--tls-cert",
    certs.cert,
    "--tls-key",
    certs.key,
    "--kubeconfig",
    kubeconfig,
    "--lookup-timeout",
    `${LOOKUP_TIMEOUT_MS}ms`,
  ]);
  const proc = child!;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    proc.once("exit", (code, signal) => resolve({ code, signal, at: performance.now() })),
  );

  // Warm up IN_FLIGHT kept-alive connections at once, to the webhook and from it to the API server (they
  // stay open and idle in the pools): the measured admissions then need no TLS handshake on a busy machine.
  const agent = new https.Agent({ keepAlive: true, maxSockets: Infinity });
  const warm = await Promise.all(Array.from({ length: IN_FLIGHT }, () => request(port, certs.caPem, { path: validatePath, body: backupReview(), agent })));
  assert.deepEqual(
    warm.map((r) => r.status),
    Array(IN_FLIGHT).fill(200),
  );

  // Now every lookup hangs: each admission lasts the lookup timeout.
  api.fault = "hang";
  const started = performance.now();
  const replies: Promise<Reply>[] = [];
  for (let i = 0; i < IN_FLIGHT; i++) replies.push(request(port, certs.caPem, { path: validatePath, body: backupReview(`pg-${i}`), agent }));
  await waitFor(() => api.hanging >= IN_FLIGHT, `${IN_FLIGHT} admissions waiting on their lookups`, LOOKUP_TIMEOUT_MS);

  const inFlight = api.hanging;
  const sigterm = performance.now();
  proc.kill("SIGTERM");
  // Stop accepting: a new connection is refused while the old ones drain.
  await waitFor(
    () =>
      request(port, certs.caPem, { path: "/healthz" }).then(
        () => false,
        (err: NodeJS.ErrnoException) => err.code === "ECONNREFUSED",
      ),
    "new connections to be refused",
  );

  const settled = await Promise.allSettled(replies);
  const { code, signal, at } = await exited;
  agent.destroy();
  const exitMs = at - sigterm;
  const statuses = settled.map((s) => (s.status === "fulfilled" ? s.value.status : `error: ${(s.reason as Error).message}`));
  const ok = statuses.filter((s) => s === 200).length;
  t.diagnostic(
    `in flight at SIGTERM: ${inFlight}, answered 200: ${ok}/${IN_FLIGHT}, ` +
      `SIGTERM → exit: ${exitMs.toFixed(0)} ms (requests had run ${(sigterm - started).toFixed(0)} ms; lookup timeout ${LOOKUP_TIMEOUT_MS} ms)`,
  );
  assert.deepEqual(statuses, Array(IN_FLIGHT).fill(200));
  // Responses finished during shutdown tell the client not to reuse the connection.
  for (const s of settled) if (s.status === "fulfilled") assert.equal(s.value.headers.connection, "close");
  assert.equal(signal, null);
  assert.equal(code, 0, logs.join("\n"));
  assert.ok(exitMs < 10_000, `exit took ${exitMs} ms`);
  const entries = logs.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as { msg: string; durationMs?: number });
  // Idle kept-alive connections did not hold the shutdown until the cut-off, by the server's own clock.
  const stopped = entries.find((e) => e.msg === "stopped");
  assert.ok(stopped?.durationMs !== undefined && stopped.durationMs < CUT_OFF_MS, `shutdown took ${stopped?.durationMs} ms: held up until the cut-off`);
  assert.equal(entries.filter((e) => e.msg === "admission").length, 2 * IN_FLIGHT); // one log line per admission
});

/**
 * A request the client sends on an idle kept-alive connection just as SIGTERM arrives: it is in
 * flight (or not yet read) when shutdown starts. It must be answered (`Connection: close` once shutdown
 * has begun), not met with a reset: the apiserver does not send a POST again after that, so the write
 * it was admitting would fail. The last request is sent once the server has logged that it is shutting
 * down, however long a loaded machine takes to get round to the signal: the race is always tried.
 */
it("a request sent 0–64 ms after SIGTERM, or once shutdown has begun, on a kept-alive idle connection is answered, not reset", async (t) => {
  const delays: (number | "logged")[] = [0, 1, 2, 4, 8, 16, 32, 64, "logged"];
  const { port, logs } = await startCli(["--host", "127.0.0.1", "--port", "0", "--metrics-port", "0", "--tls-cert", certs.cert, "--tls-key", certs.key]);
  const proc = child!;
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  // One kept-alive connection per try, each warmed up and idle in its agent's pool.
  const agents = delays.map(() => new https.Agent({ keepAlive: true, maxSockets: 1 }));
  for (const agent of agents) assert.equal((await request(port, certs.caPem, { path: validatePath, body: backupReview(), agent })).status, 200);
  proc.kill("SIGTERM");
  const shuttingDown = () => logs.some((l) => l.includes('"shutting down'));
  const outcomes = await Promise.all(
    agents.map(async (agent, i) => {
      const delay = delays[i]!;
      if (delay === "logged") await waitFor(shuttingDown, "the server to log that it is shutting down", 30_000);
      else await new Promise((r) => setTimeout(r, delay));
      return request(port, certs.caPem, { path: validatePath, body: backupReview(`late-${i}`), agent }).then(
        (reply) => ({ status: reply.status, reused: reply.reusedSocket, connection: reply.headers.connection }),
        (err: NodeJS.ErrnoException) => ({ error: err.code ?? err.message }),
      );
    }),
  );
  for (const agent of agents) agent.destroy();
  t.diagnostic(`sent ${delays.join(", ")} (ms after SIGTERM): ${JSON.stringify(outcomes)}`);
  assert.deepEqual(
    outcomes.map((o) => ("error" in o ? o : { status: o.status, reused: o.reused })),
    outcomes.map(() => ({ status: 200, reused: true })),
  );
  assert.ok(
    outcomes.some((o) => "connection" in o && o.connection === "close"),
    "no request reached the server during its shutdown: the race was not tried",
  );
  assert.equal(await exited, 0, logs.join("\n"));
});
