// Summaries of V8 .cpuprofile files (node --cpu-prof): where the samples fell, by function and by
// package, self time only (the time spent in the function's own code).
import fs from "node:fs";
import path from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly file: string;
  readonly totalMs: number;
  /** Share of samples outside idle and the garbage collector. */
  readonly busyPercent: number;
  readonly functions: ProfileLine[];
  readonly packages: ProfileLine[];
  /** Time below (inclusive) selected frames: which library call costs what, callees included. */
  readonly inclusive: ProfileLine[];
}

/** "node_modules/express/lib/x.js" → "express"; dist/webhook/admission/pipeline.js → "webhook/admission"; node:internal → "node". */
export function packageOf(url: string): string {
  if (url === "") return "(native/V8)";
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith("node:")) return "node (built-in)";
  const dist = /\/dist\/(.+)\/[^/]+$/.exec(url);
  if (dist) return `cnp-webhook ${dist[1]}`;
  return url;
}

const shortUrl = (url: string): string =>
  url
    .replace(/^file:\/\//, "")
    .replace(/^.*\/node_modules\//, "")
    .replace(/^.*\/dist\//, "dist/");

export function summarizeProfile(file: string, top = 25, inclusivePackages: readonly string[] = []): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  const incl = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") idleUs += us;
    const name = url ? `${functionName || "(anonymous)"} ${shortUrl(url)}:${lineNumber + 1}` : functionName || "(anonymous)";
    fn.set(name, (fn.get(name) ?? 0) + us);
    const p =
      functionName === "(garbage collector)"
        ? "(garbage collector)"
        : functionName === "(idle)"
          ? "(idle)"
          : functionName === "(program)"
            ? "(program)"
            : packageOf(url);
    pkg.set(p, (pkg.get(p) ?? 0) + us);
    // Inclusive: charge this sample once to each selected package found on its stack.
    if (inclusivePackages.length) {
      const seen = new Set<string>();
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const frame = byId.get(cur)!.callFrame;
        const pk = packageOf(frame.url);
        for (const want of inclusivePackages) if (pk.startsWith(want) && !seen.has(want)) seen.add(want);
      }
      for (const s of seen) incl.set(s, (incl.get(s) ?? 0) + us);
    }
  }
  const lines = (m: Map<string, number>, n: number): ProfileLine[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, us]) => ({ name, ms: us / 1000, percent: (100 * us) / totalUs }));
  const gc = pkg.get("(garbage collector)") ?? 0;
  return {
    file,
    totalMs: totalUs / 1000,
    busyPercent: (100 * (totalUs - idleUs - gc)) / totalUs,
    functions: lines(fn, top),
    packages: lines(pkg, top),
    inclusive: lines(incl, inclusivePackages.length),
  };
}

/** Where an admission's CPU goes, by stage of the hot path (README "Performance", "The hot path"). */
export const STAGES = ["HTTP/TLS", "decode", "defaults", "schema", "rules", "encode", "logging", "metrics", "garbage collector", "other"] as const;
export type Stage = (typeof STAGES)[number];

const dist = (url: string, module: string): boolean => url.includes(`/dist/${module}`);

/**
 * The stage a frame belongs to, or undefined when it is a helper that works for its caller (JSON
 * helpers, field paths, formats): such time goes to the nearest caller that has a stage.
 */
function stageOf({ functionName: fn, url }: CallFrame): Stage | undefined {
  if (/node_modules\/(pino|sonic-boom|thread-stream|on-exit-leak-free|fast-redact|pino-std-serializers)\//.test(url)) return "logging";
  if (/node_modules\/(prom-client|bintrees|tdigest)\//.test(url)) return "metrics";
  if (dist(url, "generated/validators/") || dist(url, "webhook/admission/schema.js") || url.includes("node_modules/ajv")) return "schema";
  if (dist(url, "webhook/rules/") || dist(url, "webhook/cron/") || dist(url, "webhook/admission/validation.js")) return "rules";
  if (dist(url, "webhook/admission/defaulting.js") || dist(url, "webhook/admission/judge.js") || url.includes("node_modules/fast-json-patch"))
    return "defaults";
  if (fn === "encodeVerdict" || (fn === "answer" && dist(url, "webhook/admission/handler.js"))) return "encode";
  // JSON.parse of the body is V8 code without a frame of its own: it is the self time of `handle`.
  if (dist(url, "webhook/admission/review.js") || dist(url, "webhook/admission/prescan.js") || (fn === "handle" && dist(url, "webhook/admission/handler.js")))
    return "decode";
  if (dist(url, "webhook/server/app.js") || url.startsWith("node:") || url.includes("node_modules/express")) return "HTTP/TLS";
  return undefined;
}

export interface StageSplit {
  /** Sampled time of each stage, ms; idle left out. */
  readonly ms: Record<Stage, number>;
  readonly busyMs: number;
}

/**
 * A profile's samples by stage of the hot path: each sample goes to the innermost frame on its stack
 * that has a stage (a schema check inside defaulting counts as schema; a helper counts for its
 * caller); the garbage collector as such; V8's and the kernel's own work with no JavaScript frame
 * ("(program)", native) as HTTP/TLS, the socket work that dominates it.
 */
export function stageSplit(file: string): StageSplit {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageOfNode = new Map<number, Stage | "idle">();
  const classify = (id: number): Stage | "idle" => {
    const known = stageOfNode.get(id);
    if (known) return known;
    const { functionName } = byId.get(id)!.callFrame;
    let stage: Stage | "idle" | undefined;
    if (functionName === "(idle)") stage = "idle";
    else if (functionName === "(garbage collector)") stage = "garbage collector";
    else if (functionName === "(program)" || functionName === "(root)") stage = "HTTP/TLS";
    else {
      for (let cur: number | undefined = id; cur !== undefined && !stage; cur = parent.get(cur)) stage = stageOf(byId.get(cur)!.callFrame);
      stage ??= "other";
    }
    stageOfNode.set(id, stage);
    return stage;
  };
  const ms = Object.fromEntries(STAGES.map((st) => [st, 0])) as Record<Stage, number>;
  profile.samples.forEach((id, i) => {
    const stage = classify(id);
    if (stage !== "idle") ms[stage] += (profile.timeDeltas[i] ?? 0) / 1000;
  });
  return { ms, busyMs: STAGES.reduce((n, st) => n + ms[st], 0) };
}

export function formatSummary(s: ProfileSummary): string {
  const fmt = (l: ProfileLine) => `  ${l.percent.toFixed(1).padStart(5)} %  ${l.ms.toFixed(0).padStart(7)} ms  ${l.name}`;
  return [
    `profile ${path.basename(s.file)}: ${s.totalMs.toFixed(0)} ms sampled`,
    "self time by package:",
    ...s.packages.map(fmt),
    ...(s.inclusive.length ? ["inclusive time (callees included) of selected packages:", ...s.inclusive.map(fmt)] : []),
    "self time by function:",
    ...s.functions.map(fmt),
  ].join("\n");
}

/** The newest .cpuprofile in `dir`. */
export function newestProfile(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".cpuprofile"))
    .map((f) => path.join(dir, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
}

// `node dist/test/bench/profile.js FILE [PACKAGE...]`: summarize a profile by hand.
if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const [file, ...pkgs] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: profile.js FILE.cpuprofile [PACKAGE...]\n");
    process.exitCode = 2;
  } else {
    process.stdout.write(`${formatSummary(summarizeProfile(file, 30, pkgs))}\n`);
  }
}
