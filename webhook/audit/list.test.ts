// Paged listing as `audit` reads the cluster: every page in order, the page size asked for, and a
// `continue` token that expired between pages (410) starting the list over without handing out an
// object twice. The same listing against the local API server is in test/audit-live.test.ts.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "../references/api.js";
import { kindCollectionPath, listPages } from "./list.js";

const item = (namespace: string, name: string) => ({ metadata: { namespace, name } });

/** Answers each GET from a script: a list answer or an error, in order; records what was asked. */
function scripted(answers: readonly (unknown | Error)[]) {
  const asked: { path: string; query: Record<string, string | undefined> }[] = [];
  let next = 0;
  return {
    asked,
    api: {
      async getJSON(path: string, _signal: AbortSignal, query?: Record<string, string | undefined>): Promise<unknown> {
        asked.push({ path, query: { ...query } });
        const answer = answers[next++];
        if (answer instanceof Error) throw answer;
        return answer;
      },
    },
  };
}

const page = (items: unknown[], token?: string) => ({ kind: "ClusterList", metadata: token ? { continue: token } : {}, items });

describe("listPages", () => {
  it("reads every page with limit and continue; items get the kind and apiVersion a list leaves out", async () => {
    const { api, asked } = scripted([page([item("a", "pg-1"), item("a", "pg-2")], "t1"), page([item("b", "pg-3")])]);
    const seen: unknown[][] = [];
    const stats = await listPages(api, "Cluster", { pageSize: 2, signal: new AbortController().signal }, async (items) => void seen.push(items));
    assert.deepEqual(stats, { pages: 2, restarts: 0 });
    assert.deepEqual(
      asked.map((a) => [a.path, a.query.limit, a.query.continue]),
      [
        ["/apis/postgresql.k8s.enterprisedb.io/v1alpha1/clusters", "2", undefined],
        ["/apis/postgresql.k8s.enterprisedb.io/v1alpha1/clusters", "2", "t1"],
      ],
    );
    assert.deepEqual(
      seen.map((p) => p.map((o) => (o as { metadata: { name: string } }).metadata.name)),
      [["pg-1", "pg-2"], ["pg-3"]],
    );
    assert.deepEqual(
      seen.flat().map((o) => [(o as { apiVersion: string }).apiVersion, (o as { kind: string }).kind]),
      Array(3).fill(["postgresql.k8s.enterprisedb.io/v1alpha1", "Cluster"]),
    );
  });

  it("a continue token expired between pages (410) → starts over; objects already handed out are not handed out again", async () => {
    const { api, asked } = scripted([
      page([item("a", "pg-1"), item("a", "pg-2")], "t1"),
      new ApiError(410, { reason: "Expired", message: "The provided continue parameter is too old" }),
      page([item("a", "pg-1"), item("a", "pg-2")], "t2"),
      page([item("a", "pg-3")]),
    ]);
    const names: string[] = [];
    const stats = await listPages(api, "Backup", { pageSize: 2, signal: new AbortController().signal }, async (items) => {
      names.push(...items.map((o) => (o as { metadata: { name: string } }).metadata.name));
    });
    assert.deepEqual(names, ["pg-1", "pg-2", "pg-3"]);
    assert.deepEqual(stats, { pages: 3, restarts: 1 });
    assert.deepEqual(
      asked.map((a) => a.query.continue),
      [undefined, "t1", undefined, "t2"],
    );
  });

  it("a 410 on the first page, a 403 or any other failure is the caller's to report", async () => {
    for (const err of [new ApiError(410, { reason: "Expired" }), new ApiError(403, { reason: "Forbidden" }), new Error("connect ECONNREFUSED")]) {
      const { api } = scripted([err]);
      await assert.rejects(
        listPages(api, "ScheduledBackup", { pageSize: 10, signal: new AbortController().signal }, async () => {}),
        (e) => e === err,
      );
    }
  });

  it("one namespace or all", () => {
    assert.equal(kindCollectionPath("ScheduledBackup"), "/apis/postgresql.k8s.enterprisedb.io/v1alpha1/scheduledbackups");
    assert.equal(kindCollectionPath("Backup", "team-1"), "/apis/postgresql.k8s.enterprisedb.io/v1alpha1/namespaces/team-1/backups");
  });
});
