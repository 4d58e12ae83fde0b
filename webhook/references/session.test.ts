// The lookups of one admission: once per object, one deadline.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stateResolver } from "../../tools/testkit/admission.js";
import { unknown, type ReferenceResolver } from "./resolver.js";
import { ReferenceSession } from "./session.js";
import type { ObjectIndex } from "./store.js";

const BY_NAME: ObjectIndex = { name: "byName", keys: { Cluster: (_o, _ns, name) => [name], Backup: (_o, _ns, name) => [name] } };

test("the same object is fetched once", async () => {
  const resolver = stateResolver({ secrets: { creds: ["a"] } });
  const session = new ReferenceSession(resolver, "default", 1000);
  const [first, second] = await Promise.all([session.lookup("Secret", "creds"), session.lookup("Secret", "creds")]);
  session.close();
  assert.deepEqual(first, second);
  assert.equal(resolver.calls.length, 1);
  assert.deepEqual(first, { state: "present", object: { name: "creds", keys: ["a"] } });
});

test("every lookup of the admission ends at one deadline, and the resolver's signal aborts", async () => {
  let aborted = 0;
  const hanging: ReferenceResolver = {
    source: "hangs",
    close: () => {},
    lookupIndex: async () => unknown("not in this test"),
    lookup: (_kind, _ns, _name, signal) =>
      new Promise((resolve) =>
        signal.addEventListener("abort", () => {
          aborted++;
          resolve({ state: "unknown", why: "aborted" });
        }),
      ),
  };
  const outcomes: string[] = [];
  const session = new ReferenceSession(hanging, "default", 100, (kind, _ns, name, outcome, why) => outcomes.push(`${kind}/${name}:${outcome}:${why}`));
  const started = performance.now();
  const results = await Promise.all([session.lookup("Secret", "a"), session.lookup("Backup", "b")]);
  session.close();
  assert.ok(performance.now() - started < 1000);
  assert.deepEqual(
    results.map((r) => r.state),
    ["unknown", "unknown"],
  );
  assert.equal(aborted, 2);
  assert.deepEqual(outcomes.sort(), ["Backup/b:unknown:timed out after 100 ms", "Secret/a:unknown:timed out after 100 ms"]);
});

test("a resolver that throws counts as unknown, never as a crash", async () => {
  const throwing: ReferenceResolver = {
    source: "throws",
    close: () => {},
    lookupIndex: async () => unknown("not in this test"),
    lookup: async () => {
      throw new Error("kaput");
    },
  };
  const session = new ReferenceSession(throwing, "default", 1000);
  assert.deepEqual(await session.lookup("Secret", "x"), { state: "unknown", why: "kaput" });
  session.close();
});

test("an answer the resolver knows without I/O settles at once: no request, reported before any await", async () => {
  const requests: string[] = [];
  const knowing: ReferenceResolver = {
    source: "knows",
    close: () => {},
    lookup: async (kind, _ns, name) => {
      requests.push(`${kind}/${name}`);
      return unknown("asked");
    },
    lookupIndex: async () => unknown("asked"),
    known: (kind, _ns, name) => (kind === "Secret" ? { state: "present", object: { name, keys: ["k"] } as never } : undefined),
    knownIndex: () => ({ state: "present", object: [] }),
  };
  const outcomes: string[] = [];
  const session = new ReferenceSession(knowing, "default", 1000, (kind, _ns, name, outcome) => outcomes.push(`${kind}/${name}:${outcome}`));
  const secret = session.lookup("Secret", "creds");
  const index = session.lookupIndex(BY_NAME, "key");
  // Settled synchronously: reported before anything awaited.
  assert.deepEqual(outcomes, ["Secret/creds:present", "index/byName/key:present"]);
  assert.deepEqual(await secret, { state: "present", object: { name: "creds", keys: ["k"] } });
  assert.deepEqual(await index, { state: "present", object: [] });
  assert.deepEqual(requests, []);
  session.close();
});

test("a name the resolver does not know without I/O is requested under the deadline", async () => {
  const knowing: ReferenceResolver = {
    source: "knows Secrets only",
    close: () => {},
    lookup: async (kind, _ns, name, signal) => (signal.aborted ? unknown("aborted") : { state: "present", object: { kind, name } as never }),
    lookupIndex: async () => unknown("asked"),
    known: () => undefined,
  };
  const outcomes: string[] = [];
  const session = new ReferenceSession(knowing, "default", 1000, (kind, _ns, name, outcome) => outcomes.push(`${kind}/${name}:${outcome}`));
  const pending = session.lookup("Cluster", "pg");
  assert.deepEqual(outcomes, [], "not settled before the request answers");
  assert.equal((await pending).state, "present");
  assert.deepEqual(outcomes, ["Cluster/pg:present"]);
  session.close();
});
