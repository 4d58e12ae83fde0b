import assert from "node:assert/strict";
import { test } from "node:test";
import { restoreCommandHazard } from "./restore-command.js";

test("what breaks release 0.5's restore_command line, and what does not", () => {
  const hazards: [string, string][] = [
    ["s3://b/it's", "'"],
    ["s3://b/a\\b", "\\"],
    ["s3://b/$x", "$"],
    ["s3://b/`x`", "`"],
    ['s3://b/"x"', '"'],
    ["s3://b/a;b", ";"],
    ["s3://b/a&b", "&"],
    ["s3://b/a|b", "|"],
    ["s3://b/a<b", "<"],
    ["s3://b/a>b", ">"],
    ["s3://b/a(b", "("],
    ["s3://b/{a,b}", "{"],
    ["s3://b/a b", " "],
    ["s3://b/a\tb", "\t"],
    ["s3://b/a\nb", "\n"],
    ["s3://b/a\0b", "\0"],
    ["s3://b/%p", "%p"],
    ["s3://b/%f", "%f"],
    ["s3://b/%r", "%r"],
    ["s3://b/%%", "%%"],
  ];
  for (const [value, text] of hazards) assert.equal(restoreCommandHazard(value)?.text, text, value);
  for (const safe of ["s3://b/pg-1_2.3+4=5,6@7~8:9", "s3://b/%20", "s3://b/100%", "http://minio:9000/path"]) {
    assert.equal(restoreCommandHazard(safe), undefined, safe);
  }
});
