// The lookups of one admission: once per object, one deadline, nothing read that was not gathered.
import assert from "node:assert/strict";
import { test } from "node:test";
import { stateResolver } from "../../tools/testkit/admission.js";
import { unknown, type ReferenceResolver } from "./resolver.js";
import { NotGathered, ReferenceSession } from "./session.js";

test("the same object is fetched once, and read back synchronously", async () => {
  const resolver = stateResolver({ secrets: { creds: ["a"] } });
  const session = new ReferenceSession(resolver, "default", 1000);
  const [first, second] = await Promise.all([session.lookup("Secret", "creds"), session.lookup("Secret", "creds")]);
  session.close();
  assert.deepEqual(first, second);
  assert.equal(resolver.calls.length, 1);
  assert.deepEqual(session.resolved.get("Secret", "creds"), { state: "present", object: { name: "creds", keys: ["a"] } });
});

test("reading what was not gathered throws NotGathered", () => {
  const session = new ReferenceSession(stateResolver({}), "default", 1000);
  assert.throws(() => session.resolved.get("Cluster", "pg"), NotGathered);
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
