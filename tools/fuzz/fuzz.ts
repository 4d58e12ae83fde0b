// `make fuzz`: the long run. FUZZ_RUNS cases (default 100,000): most straight through the admission
// pipeline, FUZZ_WIRE_SHARE of them (default 0.1) over HTTPS against the real server in-process, plus
// the hand-written extremes of edge.ts. Failures are collected rather than stopped at: one example
// (the shortest body) per distinct cause, with its stack. Exit code 1 when anything failed.
//   FUZZ_SEED=N       reproduce a run
//   FUZZ_MAX_DEPTH=N  deepest nesting that mutations insert (default 5,000)
//   FUZZ_REPORT=FILE  JSON report (default .fuzz/report.json)
import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { route } from "../../webhook/routes.js";
import { DEFAULT_MUTATION, reviewCase, type MutationOptions, type World } from "./arbitraries.js";
import {
  admissionOptions,
  ANSWER_BOUND_MS,
  checkDirect,
  checkWire,
  describeFailure,
  post,
  wireCase,
  worldResolver,
  type Failure,
  type Observation,
} from "./check.js";
import { edgeCases } from "./edge.js";
import { knownIssueOf } from "./known-issues.js";
import { startFuzzServer } from "./server.js";

// Deep enough to reach the project's frame below a stack overflow's thousands of recursive ones.
Error.stackTraceLimit = 20_000;

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 100_000);
const WIRE_SHARE = Number(process.env["FUZZ_WIRE_SHARE"] ?? 0.1);
const SEED = process.env["FUZZ_SEED"] ? Number(process.env["FUZZ_SEED"]) : Date.now() ^ (Math.random() * 0x7fffffff);
const REPORT = process.env["FUZZ_REPORT"] ?? ".fuzz/report.json";
const MUTATION: MutationOptions = { ...DEFAULT_MUTATION, maxDepth: Number(process.env["FUZZ_MAX_DEPTH"] ?? 5_000) };

interface Bucket {
  count: number;
  example: Failure;
}

const buckets = new Map<string, Bucket>();
const observations = new Map<string, number>();
const record = (failures: readonly Failure[]): void => {
  for (const f of failures) {
    const b = buckets.get(f.signature);
    if (!b) buckets.set(f.signature, { count: 1, example: f });
    else {
      b.count++;
      if (f.body.length < b.example.body.length) b.example = f;
    }
  }
};
const observe = (list: Observation[]): void => {
  for (const o of list.splice(0)) observations.set(o.signature, (observations.get(o.signature) ?? 0) + 1);
};

function progress(label: string, done: number, total: number, started: number): void {
  const s = (performance.now() - started) / 1000;
  process.stdout.write(`  ${label}: ${done}/${total} cases, ${s.toFixed(0)} s, ${[...buckets.values()].reduce((a, b) => a + b.count, 0)} failures\n`);
}

async function main(): Promise<void> {
  const wireRuns = Math.round(RUNS * WIRE_SHARE);
  const directRuns = RUNS - wireRuns;
  console.log(
    `make fuzz: ${RUNS} cases (${directRuns} through admit(), ${wireRuns} over HTTPS) + ${edgeCases().length} edge cases; seed ${SEED}; nesting up to ${MUTATION.maxDepth}`,
  );
  const started = performance.now();
  const seen: Observation[] = [];

  // 1. Through the pipeline functions.
  let world: World | undefined;
  const options = admissionOptions(
    worldResolver(() => world!),
    10,
  );
  let direct = 0;
  const tDirect = performance.now();
  await fc.assert(
    fc.asyncProperty(reviewCase(MUTATION), async (c) => {
      world = c.world;
      record(await checkDirect(c, options));
      if (++direct % 10_000 === 0) progress("admit()", direct, directRuns, tDirect);
      return true;
    }),
    { numRuns: directRuns, seed: SEED },
  );
  const directSeconds = (performance.now() - tDirect) / 1000;

  // 2. Over HTTPS.
  const srv = await startFuzzServer({ lookupTimeoutMs: 50 });
  let wire = 0;
  let edges = 0;
  const tWire = performance.now();
  try {
    await fc.assert(
      fc.asyncProperty(wireCase(MUTATION), async (w) => {
        srv.setWorld(w.review.world);
        record(await checkWire(w, srv.port, srv.agent, seen));
        observe(seen);
        if (++wire % 2_000 === 0) progress("HTTPS", wire, wireRuns, tWire);
        return true;
      }),
      { numRuns: wireRuns, seed: SEED },
    );
    // 3. The hand-written extremes.
    for (const edge of edgeCases()) {
      edges++;
      const answer = await post(srv.port, srv.agent, route(edge.role, edge.kind).path, "application/json", Buffer.from(edge.body));
      if (edge.statuses.includes(answer.status) && answer.cpuMs <= ANSWER_BOUND_MS) continue;
      let stack: string | undefined;
      let cause = "";
      let causeSignature = "";
      if (answer.status >= 500) {
        try {
          world = { secret: { state: "absent" }, cluster: { state: "absent" }, backup: { state: "absent" } };
          const again = await checkDirect({ kind: edge.kind, role: edge.role, body: edge.body, world }, options);
          const withStack = again.find((a) => a.stack);
          if (withStack) {
            stack = withStack.stack;
            cause = ` — through handle(): ${withStack.message}`;
            causeSignature = ` — ${withStack.signature}`;
          }
        } catch (e) {
          cause = ` — through admit(): ${String(e)}`;
        }
      }
      const cls = answer.status >= 500 ? "http-5xx" : answer.cpuMs > ANSWER_BOUND_MS ? "timeout" : "malformed";
      record([
        {
          class: cls,
          signature: causeSignature
            ? `${cls} [edge]: HTTP ${answer.status}${causeSignature}`
            : `${cls} [edge]: ${edge.name.replace(/\d[\d,]*/g, "N")}: HTTP ${answer.status}`,
          message: `${edge.name}: HTTP ${answer.status} after ${answer.ms.toFixed(0)} ms, ${answer.cpuMs.toFixed(0)} ms of CPU (expected ${edge.statuses.join("/")}): ${answer.body.slice(0, 200)}${cause}`,
          ...(stack ? { stack } : {}),
          kind: edge.kind,
          role: edge.role,
          body: edge.body,
          contentType: "application/json",
        },
      ]);
    }
    const ruleErrors = await srv.server.metrics.registry.getSingleMetricAsString("cnp_webhook_rule_errors_total");
    console.log(
      `server after the run: ${
        ruleErrors
          .split("\n")
          .filter((l) => l && !l.startsWith("#"))
          .join("; ") || "no rule errors counted"
      }`,
    );
  } finally {
    await srv.close();
  }
  const wireSeconds = (performance.now() - tWire) / 1000;

  const total = [...buckets.values()].reduce((a, b) => a + b.count, 0);
  const fresh = [...buckets.values()].filter((b) => !knownIssueOf(b.example.signature));
  console.log("");
  console.log(
    `cases: ${direct} through admit() in ${directSeconds.toFixed(0)} s, ${wire} over HTTPS + ${edges} edge cases in ${wireSeconds.toFixed(0)} s; total ${direct + wire + edges}`,
  );
  console.log(`failures: ${total} in ${buckets.size} distinct causes (${fresh.reduce((a, b) => a + b.count, 0)} not among the known issues); seed ${SEED}`);
  for (const b of [...buckets.values()].sort((a, b) => b.count - a.count)) {
    const known = knownIssueOf(b.example.signature);
    console.log(`\n[${b.count}×]${known ? ` (known issue ${known.id})` : " NEW"} ${describeFailure(b.example, 1500)}`);
  }
  if (observations.size) {
    console.log("\nobservations (not counted as failures):");
    for (const [sig, n] of observations) console.log(`  [${n}×] ${sig}`);
  }
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(
    REPORT,
    `${JSON.stringify(
      {
        seed: SEED,
        runs: { direct, wire, edge: edges, total: direct + wire + edges },
        seconds: { direct: directSeconds, wire: wireSeconds, total: (performance.now() - started) / 1000 },
        failures: [...buckets.values()].map((b) => ({
          count: b.count,
          knownIssue: knownIssueOf(b.example.signature)?.id ?? null,
          ...b.example,
          body: b.example.body.length > 20_000 ? `${b.example.body.slice(0, 20_000)}...` : b.example.body,
          bodyLength: b.example.body.length,
        })),
        observations: Object.fromEntries(observations),
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${REPORT}`);
  process.exitCode = total > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 2;
});
