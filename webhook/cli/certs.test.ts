import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { runMain } from "../../tools/testkit/cli.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "cnp-certs-cmd-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));

const run = (...argv: string[]) => runMain(["certs", ...argv]);

test("--help explains the files, SANs, renewal and how to use the output", async () => {
  const r = await run("--help");
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  for (const s of ["ca.crt", "ca.key", "tls.crt", "tls.key", "S.N.svc.cluster.local", "127.0.0.1", "0600", "30"]) {
    assert.ok(r.stdout.includes(s), `help mentions ${s}`);
  }
  assert.match(r.stdout, /kubectl -n N create secret tls cnp-webhook-tls --cert DIR\/tls\.crt --key DIR\/tls\.key/);
  assert.match(r.stdout, /cnp-webhook manifests --ca-bundle DIR\/ca\.crt/);
  assert.equal((await run("-h")).code, 0);
});

test("bad input exits 2 with a message on stderr", async () => {
  for (const argv of [
    ["--bogus"],
    ["--out"],
    ["positional"],
    ["--renew-within-days", "soon"],
    ["--renew-within-days", "365"],
    ["--service", "Not_A_Label"],
    ["--namespace", ""],
  ]) {
    const r = await run(...argv);
    assert.equal(r.code, 2, argv.join(" "));
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^error: .+\nRun 'cnp-webhook certs --help'/);
  }
  assert.match((await run("--bogus")).stderr, /--bogus/);
});

test("a normal run prints one line per file, then keeps them", async () => {
  const out = path.join(root, "dev");
  const first = await run("--out", out, "--service", "hook", "--namespace", "ns");
  assert.equal(first.code, 0, first.stderr);
  const lines = first.stdout.trimEnd().split("\n");
  assert.match(lines[0]!, new RegExp(`^created  ${out}/ca\\.crt \\(CA "hook-ca", valid until \\d{4}-\\d\\d-\\d\\d\\)$`));
  assert.match(lines[1]!, new RegExp(`^created  ${out}/ca\\.key \\(private key, mode 0600\\)$`));
  assert.match(lines[2]!, new RegExp(`^created  ${out}/tls\\.crt \\(serving cert "hook\\.ns\\.svc", valid until \\d{4}-\\d\\d-\\d\\d\\)$`));
  assert.match(lines[3]!, new RegExp(`^created  ${out}/tls\\.key `));
  assert.match(first.stdout, /--ca-bundle .*ca\.crt/);

  const second = await run("--out", out, "--service", "hook", "--namespace", "ns");
  assert.equal(second.code, 0);
  assert.deepEqual(
    second.stdout
      .split("\n")
      .filter(Boolean)
      .map((l) => l.split(" ")[0]),
    ["kept", "kept", "kept", "kept"],
  );

  const moved = await run("--out", out, "--service", "hook", "--namespace", "other");
  assert.match(moved.stdout, /^renewed {2}.*tls\.crt .*renewed because SANs do not match/m);
});

test("filesystem errors exit 2, as every command's I/O errors do", async () => {
  const file = path.join(root, "a-file");
  fs.writeFileSync(file, "");
  const r = await run("--out", path.join(file, "sub"));
  assert.equal(r.code, 2);
  assert.match(r.stderr, /ENOTDIR/);
});
