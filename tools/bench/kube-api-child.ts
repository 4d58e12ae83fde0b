// The stand-in kube-apiserver of test/kube-api-server.ts in a process of its own, so that serving
// lookups does not compete with the event loop under test (the benchmark's load generator, the
// webhook of test/faults.test.ts). It holds Secret app/aws-creds, Cluster app/pg (with a
// barmanObjectStore) and the completed Backup app/pg-backup-1.
// Usage: node kube-api-child.js DIR [SEED] → writes DIR/kubeconfig, prints {"kubeconfig":..., "url":...}.
// SEED (production-mode benchmark): that many Clusters, completed Backups and credential Secrets more,
// spread over 100 namespaces, each Cluster archiving into a folder of its own.
// With an IPC channel: {id, op: "fault", fault, slowMs?} switches the fault; {id, op: "state"} answers
// {hanging, hangsClosedByClient, connections, requests, gets, lists, watches}; every reply is {id, ...}.
import { startKubeApiServer, type Fault } from "../testkit/kube-api-server.js";
import { completedBackup, credentialsSecret, superuserSecret, validCluster, type JsonObject } from "../fuzz/objects.js";

const dir = process.argv[2];
const seed = Number(process.argv[3] ?? 0);
if (!dir || !Number.isInteger(seed) || seed < 0) {
  process.stderr.write("usage: kube-api-child DIR [SEED]\n");
  process.exit(2);
}
const api = await startKubeApiServer();
const asKube = (o: JsonObject) => o as never;
api.put(asKube(credentialsSecret("aws-creds", "app")));
api.put(asKube(superuserSecret("pg", "app")));
api.put(asKube(validCluster("pg", "app")));
api.put(asKube(completedBackup("pg-backup-1", "app", "pg")));
const NAMESPACES = 100;
for (let i = 0; i < seed; i++) {
  const namespace = `team-${String(i % NAMESPACES).padStart(3, "0")}`;
  const name = `pg-${String(Math.floor(i / NAMESPACES)).padStart(4, "0")}`;
  const cluster = validCluster(name, namespace, { secret: `${name}-creds` });
  const store = ((cluster.spec as JsonObject).backup as JsonObject).barmanObjectStore as JsonObject;
  store.destinationPath = `s3://acme-pg-backups/${namespace}/${name}`;
  api.put(asKube(cluster));
  const backup = completedBackup(`${name}-backup`, namespace, name, `${name}-creds`);
  (backup.status as JsonObject).destinationPath = store.destinationPath;
  api.put(asKube(backup));
  api.put(asKube(credentialsSecret(`${name}-creds`, namespace)));
}
const kubeconfig = api.writeKubeconfig(dir);
process.stdout.write(`${JSON.stringify({ kubeconfig, url: api.url })}\n`);

interface Command {
  id: number;
  op: "fault" | "state";
  fault?: Fault;
  slowMs?: number;
}
process.on("message", (m: Command) => {
  if (m.op === "fault") {
    api.fault = m.fault ?? "none";
    if (m.slowMs !== undefined) api.slowMs = m.slowMs;
    process.send?.({ id: m.id });
  } else if (m.op === "state") {
    process.send?.({
      id: m.id,
      hanging: api.hanging,
      hangsClosedByClient: api.hangsClosedByClient,
      connections: api.connections,
      requests: api.requests.length,
      // Object GETs have no query; lists carry limit/continue; watches watch=true.
      gets: api.requests.filter((r) => r.query === undefined).length,
      lists: api.requests.filter((r) => r.query !== undefined && !r.query.includes("watch=true")).length,
      watches: api.requests.filter((r) => r.query?.includes("watch=true")).length,
    });
  }
});
// The parent going away (IPC channel closed) ends this process too.
process.on("disconnect", () => void api.close().then(() => process.exit(0)));

process.once("SIGTERM", () => {
  const served = api.requests.length;
  void api.close().then(() => {
    process.stderr.write(`${JSON.stringify({ served })}\n`);
    process.exit(0);
  });
});
