// The `validate` table of `make bench` (README "Performance"): the command as a CI job runs it, a
// process per run, start-up included. Start-up is a run over one document that is no object of this
// API; the cost per object is what a larger run takes beyond that, divided by the objects it judged.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import type { JsonResult } from "../../webhook/checker/output/json.js";
import { credentialsSecret, validBackup, validCluster, validScheduledBackup } from "../fuzz/objects.js";

const CHILD = fileURLToPath(new URL("validate-child.js", import.meta.url));

export interface ValidateRun {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMiB: number;
}

export interface ValidateCase {
  readonly name: string;
  readonly description: string;
  /** Documents in the input, and objects of this API judged in it. */
  readonly documents: number;
  readonly objects: number;
  readonly bytes: number;
  readonly exitCode: number;
  readonly denied: number;
  readonly runs: ValidateRun[];
  /** Medians of the runs. */
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMiB: number;
  /** (wall − start-up wall) / objects, and the same of CPU time. */
  readonly perObjectUs?: { readonly wall: number; readonly cpu: number };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** One run of `validate -o json PATH`, timed from spawn to exit. */
function runOnce(target: string): { run: ValidateRun; exitCode: number; results: Pick<JsonResult, "status">[] } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CHILD, "validate", "--output", "json", target], {
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  const wallMs = performance.now() - t0;
  if (r.error) throw r.error;
  const cost = JSON.parse(String(r.output[3] ?? "{}")) as { maxRssKiB?: number; cpuUs?: number };
  let results: Pick<JsonResult, "status">[];
  try {
    results = (JSON.parse(r.stdout) as { results: Pick<JsonResult, "status">[] }).results;
  } catch {
    throw new Error(`validate printed no JSON (exit ${r.status}): ${r.stderr.slice(0, 500)}`);
  }
  return { run: { wallMs, cpuMs: (cost.cpuUs ?? NaN) / 1000, peakRssMiB: (cost.maxRssKiB ?? NaN) / 1024 }, exitCode: r.status ?? -1, results };
}

function measure(name: string, description: string, target: string, documents: number, runs: number): ValidateCase {
  const all = Array.from({ length: runs }, () => runOnce(target));
  const last = all[all.length - 1]!;
  const bytes = fs.statSync(target).isDirectory()
    ? fs.readdirSync(target).reduce((n, f) => n + fs.statSync(path.join(target, f)).size, 0)
    : fs.statSync(target).size;
  return {
    name,
    description,
    documents,
    objects: last.results.filter((r) => r.status === "admitted" || r.status === "denied").length,
    bytes,
    exitCode: last.exitCode,
    denied: last.results.filter((r) => r.status === "denied").length,
    runs: all.map((a) => a.run),
    wallMs: median(all.map((a) => a.run.wallMs)),
    cpuMs: median(all.map((a) => a.run.cpuMs)),
    peakRssMiB: median(all.map((a) => a.run.peakRssMiB)),
  };
}

/** 1,000 manifests: 400 Clusters (each with its Secret in the same file), 300 Backups, 300 ScheduledBackups. */
function writeManifests(dir: string): number {
  fs.mkdirSync(dir, { recursive: true });
  const file = (name: string, i: number, docs: object[]) =>
    fs.writeFileSync(path.join(dir, `${name}-${String(i).padStart(4, "0")}.yaml`), docs.map((d) => stringify(d)).join("---\n"));
  for (let i = 0; i < 400; i++) file("cluster", i, [validCluster(`pg-${i}`, "app", { secret: `aws-creds-${i}` }), credentialsSecret(`aws-creds-${i}`, "app")]);
  for (let i = 0; i < 300; i++) file("backup", i, [validBackup(`pg-${i}-backup`, "app", `pg-${i}`)]);
  for (let i = 0; i < 300; i++) file("scheduled", i, [validScheduledBackup(`pg-${i}-nightly`, "app", `pg-${i}`)]);
  return 1000 + 400;
}

/** 5 MiB in one file of small documents: a Cluster, its Secret, a Backup and a ScheduledBackup, over and over. */
function writeSmallDocuments(file: string, bytes = 5 * 1024 * 1024): number {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    for (const doc of [
      validCluster(`pg-${i}`, "app", { secret: `creds-${i}` }),
      credentialsSecret(`creds-${i}`, "app"),
      validBackup(`pg-${i}-backup`, "app", `pg-${i}`),
      validScheduledBackup(`pg-${i}-nightly`, "app", `pg-${i}`),
    ]) {
      const text = stringify(doc);
      parts.push(text);
      size += Buffer.byteLength(text) + 4;
    }
  }
  fs.writeFileSync(file, parts.join("---\n"));
  return parts.length;
}

/** Start-up, 1,000 manifests and 5 MiB of small documents; the cost per object beside the start-up's. */
export function validateCases(dir: string, runs = 3): ValidateCase[] {
  fs.mkdirSync(dir, { recursive: true });
  const one = path.join(dir, "one.yaml");
  fs.writeFileSync(one, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n");
  const startup = measure("start-up", "one ConfigMap: the process, its modules, the report", one, 1, Math.max(5, runs));
  const perObject = (c: ValidateCase): ValidateCase => ({
    ...c,
    perObjectUs: { wall: ((c.wallMs - startup.wallMs) * 1000) / Math.max(1, c.objects), cpu: ((c.cpuMs - startup.cpuMs) * 1000) / Math.max(1, c.objects) },
  });
  const manifests = path.join(dir, "manifests");
  const manifestDocs = writeManifests(manifests);
  const small = path.join(dir, "small-documents.yaml");
  const smallDocs = writeSmallDocuments(small);
  return [
    startup,
    perObject(measure("1,000 manifests", "1,000 files: 400 Clusters with their Secrets, 300 Backups, 300 ScheduledBackups", manifests, manifestDocs, runs)),
    perObject(measure("5 MiB of small documents", "one file: Cluster, Secret, Backup, ScheduledBackup, repeated", small, smallDocs, runs)),
  ];
}

const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : "-");

export function validateTable(cases: readonly ValidateCase[]): string {
  const head = ["validate", "documents", "objects", "MiB", "wall ms", "CPU ms", "peak RSS MiB", "µs/object wall", "µs/object CPU"];
  const body = cases.map((c) => [
    c.name,
    String(c.documents),
    String(c.objects),
    (c.bytes / 2 ** 20).toFixed(2),
    f0(c.wallMs),
    f0(c.cpuMs),
    c.peakRssMiB.toFixed(1),
    c.perObjectUs ? f0(c.perObjectUs.wall) : "",
    c.perObjectUs ? f0(c.perObjectUs.cpu) : "",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(line)].join("\n");
}
