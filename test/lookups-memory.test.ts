// Memory that stays flat under lookups (README "Performance"): SOAK_LOOKUPS lookups in this process
// (30,000 in `make test`, 100,000 in `make soak`), through
// what `serve --kubeconfig` builds (ReferenceSession → CachedResolver → KubeResolver → KubeApi) against
// the local API server: Secrets by GET (found, missing), Clusters and Backups from the watch caches,
// and lookups cut off by the admission's deadline while the API hangs. The heap after a full garbage
// collection may not grow with the number of lookups. Before webhook/references/api.ts, each GET kept
// about 3.6 KiB (`AbortSignal.any` with an abort listener, nodejs/node#55328): one GET in four lookups,
// so the short run's 7,500 GETs would have grown the heap by some 26 MiB, the soak's 25,000 by 90 MiB.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { completedBackup, credentialsSecret, validCluster, type JsonObject } from "../tools/fuzz/objects.js";
import { budget } from "../tools/testkit/budget.js";
import { startKubeApiServer, type KubeApiServer } from "../tools/testkit/kube-api-server.js";
import { KubeApi } from "../webhook/references/api.js";
import { CachedResolver } from "../webhook/references/cached.js";
import { loadKubeConfig } from "../webhook/references/credentials.js";
import { KubeResolver } from "../webhook/references/kube.js";
import type { Lookup } from "../webhook/references/resolver.js";
import { ReferenceSession } from "../webhook/references/session.js";

// The test runner starts this file without --expose-gc: the flag is switched on here, and `gc` taken
// from a fresh context, where V8 installs it once the flag is set.
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const NS = "app";
const LOOKUPS = budget("SOAK_LOOKUPS", 30_000, 100_000);
/** Concurrent admissions, each a session of its own, as the server runs them. */
const CONCURRENCY = 20;
/** Heap growth allowed over the lookups: a few MiB of V8 noise (code, feedback, pools). */
const HEAP_GROWTH_BOUND_MIB = 8;
/** What the old leak would have kept: 3.6 KiB per Secret GET, one GET per admission of four lookups. */
const OLD_LEAK_MIB = ((LOOKUPS / 4) * 3.6) / 1024;
/** A Secret whose GET hangs: its lookups end at the session's deadline, through the abort path. */
const HUNG_SECRET = "hung-creds";

let api: KubeApiServer;
let tmp: string;
let resolver: CachedResolver;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-lookups-memory-"));
  api = await startKubeApiServer();
  const asKube = (o: JsonObject) => o as never;
  api.put(asKube(credentialsSecret("aws-creds", NS)));
  api.put(asKube(validCluster("pg", NS)));
  api.put(asKube(completedBackup("pg-backup-1", NS, "pg")));
  api.put(asKube(completedBackup("pg-backup-2", NS, "pg")));
  api.faultFor(`/api/v1/namespaces/${NS}/secrets/${HUNG_SECRET}`, "hang");
  const credentials = loadKubeConfig({ kubeconfig: api.writeKubeconfig(tmp) });
  assert.ok(credentials);
  resolver = new CachedResolver(new KubeResolver(new KubeApi(credentials)), { watch: true }).start();
  assert.equal(await resolver.caches.wait(10_000), true, "caches synced");
});

after(async () => {
  resolver?.close();
  await api?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Counts {
  lookups: number;
  present: number;
  absent: number;
  unknown: number;
}

/**
 * `total` lookups by CONCURRENCY workers. Each admission looks up one Secret by GET (one that exists,
 * then one that does not, in turn), a Cluster and two Backups (from the caches); one admission in 250
 * also asks for the hanging Secret with a 20 ms deadline, which aborts that GET.
 */
async function lookups(total: number): Promise<Counts> {
  const counts: Counts = { lookups: 0, present: 0, absent: 0, unknown: 0 };
  let admissions = 0;
  const tally = (found: Lookup<unknown>) => {
    counts.lookups++;
    counts[found.state]++;
  };
  const worker = async () => {
    while (counts.lookups < total) {
      const n = ++admissions;
      const hung = n % 250 === 0;
      const session = new ReferenceSession(resolver, NS, hung ? 20 : 2000);
      const started = [
        session.lookup("Secret", n % 2 === 0 ? "aws-creds" : "not-there"),
        session.lookup("Cluster", "pg"),
        session.lookup("Backup", "pg-backup-1"),
        session.lookup("Backup", "pg-backup-2"),
      ];
      if (hung) started.push(session.lookup("Secret", HUNG_SECRET));
      for (const found of await Promise.all(started)) tally(found);
      session.close();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return counts;
}

const heapMiB = (): number => {
  // The API server records every request it receives, in this same process: not the webhook's memory.
  api.requests.length = 0;
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

describe("memory under lookups", () => {
  it(`${LOOKUPS.toLocaleString("en")} lookups in-process: the heap does not grow with them`, async (t) => {
    // A run too short to tell the old leak from noise would prove nothing.
    assert.ok(OLD_LEAK_MIB >= 3 * HEAP_GROWTH_BOUND_MIB, `${LOOKUPS} lookups: the old leak would keep only ${OLD_LEAK_MIB.toFixed(1)} MiB`);
    // Warm-up: code compiled, connection pool and caches at their working size.
    await lookups(10_000);
    const before = heapMiB();
    const started = performance.now();
    const counts = await lookups(LOOKUPS);
    const ms = performance.now() - started;
    const afterRun = heapMiB();
    t.diagnostic(
      `${counts.lookups} lookups (${counts.present} present, ${counts.absent} absent, ${counts.unknown} cut off by the deadline) in ${ms.toFixed(0)} ms; heap ${before.toFixed(1)} → ${afterRun.toFixed(1)} MiB`,
    );
    assert.ok(counts.lookups >= LOOKUPS);
    // Every kind of outcome was exercised: found (Secret GET, caches), 404, and the deadline's abort.
    assert.ok(counts.present >= counts.lookups * 0.8 && counts.absent >= counts.lookups / 10, JSON.stringify(counts));
    assert.ok(counts.unknown >= counts.lookups / 2000, `hung lookups cut off: ${counts.unknown}`);
    assert.ok(afterRun - before <= HEAP_GROWTH_BOUND_MIB, `heap grew by ${(afterRun - before).toFixed(1)} MiB over ${counts.lookups} lookups`);
    // The aborted GETs are not left open at the API server.
    const deadline = Date.now() + 2000;
    while (api.hanging > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(api.hanging, 0, "hung GETs still open");
  });
});
