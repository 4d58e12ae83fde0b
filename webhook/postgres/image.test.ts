import assert from "node:assert/strict";
import { test } from "node:test";
import { hotStandbyShortfalls } from "./hotstandby.js";
import { postgresMajor } from "./image.js";

test("the major of imageName as release 0.5 reads it (GetImageTag, GetPostgresVersionFromTag)", () => {
  assert.deepEqual(postgresMajor("quay.io/enterprisedb/postgresql:13.1"), { ok: true, version: 130001, major: 13, supported: 13 });
  assert.deepEqual(postgresMajor("postgres:12-alpine"), { ok: true, version: 120000, major: 12, supported: 12 });
  assert.deepEqual(postgresMajor("postgres:9.6.20"), { ok: true, version: 90620, major: 9.6, supported: undefined });
  assert.deepEqual(postgresMajor(""), { ok: true, version: 130001, major: 13, supported: 13 }, "release 0.5's default image");
  assert.equal(postgresMajor("postgres").ok, false, "no tag is latest");
  assert.deepEqual(
    postgresMajor("registry:5000/pg:13"),
    { ok: false, error: "wrong PostgreSQL major in version 5000/pg" },
    "the tag is element [1] of the split on ':'",
  );
});

test("hot-standby shortfalls: the target below the source, with the operator's and PostgreSQL's defaults (CheckRequiredParameterValues)", () => {
  assert.deepEqual(hotStandbyShortfalls({ max_connections: "200" }, {}, 13), [{ name: "max_connections", source: 200, target: 100 }]);
  assert.deepEqual(
    hotStandbyShortfalls({}, { max_worker_processes: "16" }, 13),
    [{ name: "max_worker_processes", source: 32, target: 16 }],
    "the operator writes 32",
  );
  assert.deepEqual(hotStandbyShortfalls({ max_wal_senders: "20" }, {}, 11), [], "max_wal_senders counts from 12");
  assert.deepEqual(hotStandbyShortfalls({ max_wal_senders: "20" }, {}, 12), [{ name: "max_wal_senders", source: 20, target: 10 }]);
  assert.deepEqual(hotStandbyShortfalls({ max_connections: "200" }, { max_connections: "0x100" }, 13), [], "read as the GUC parser reads integers");
  assert.deepEqual(hotStandbyShortfalls({ max_connections: "200" }, { max_connections: "many" }, 13), [], "an unreadable value is the parameters checker's");
});
