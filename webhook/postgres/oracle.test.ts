// Every line of the PostgreSQL oracles (../shared/oracles, README there): what real 10–13 servers made
// of pg_hba entries and parameters, against the checkers. Lines whose verdict depends on the machine
// or on a build lacking a feature are judged by the rule the README gives for them, named below.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type PgHbaLine, type PgHbaVerdict, type PgHotStandby, type PgParameterLine, readOracleJson, readOracleLines } from "../../tools/testkit/oracle.js";
import type { Major } from "./gucs.js";
import { judgeHbaLine } from "./hba.js";
import { hotStandbySettings, hotStandbyShortfalls } from "./hotstandby.js";
import { judgeParameter } from "./parameters.js";

const MAJORS = ["10", "11", "12", "13"] as const;

/** Tallies per major and rule, printed with t.diagnostic; misses listed in the failure. */
class Tally {
  private counts = new Map<string, number>();
  readonly misses: string[] = [];
  count(major: string, rule: string): void {
    const key = `${major} ${rule}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  miss(text: string): void {
    this.misses.push(text);
  }
  report(t: { diagnostic: (m: string) => void }, what: string): void {
    for (const major of MAJORS) {
      const rules = [...this.counts].filter(([k]) => k.startsWith(`${major} `)).map(([k, n]) => `${k.slice(major.length + 1)} ${n}`);
      t.diagnostic(`${what} ${major}: ${rules.join(", ")}`);
    }
  }
}

test("parameters: every line of postgresql-parameters.jsonl, every major", (t) => {
  const parameters = readOracleLines<PgParameterLine>(t, "postgresql-parameters.jsonl");
  if (!parameters) return;
  const tally = new Tally();
  for (const line of parameters) {
    const major = Number(line.major) as Major;
    // The oracle writes the tested entry whatever its name, even over the operator's mandatory settings.
    const got = judgeParameter(line.name, line.value, major, { mandatoryWins: false });
    const where = `${line.major} ${JSON.stringify(line.name)} = ${JSON.stringify(line.value)}`;
    const started = line.start !== undefined && line.start.env === undefined;
    if (line.env !== undefined) {
      // README `env`: locales and time zones depend on the image, not on this machine: what this
      // machine accepted must be accepted; what it refused may be refused alike or accepted with a warning.
      if (line.ok && !got.ok) tally.miss(`${where}: accepted on the oracle's machine, refused here (${got.error})`);
      else if (!line.ok && got.ok && got.warnings.length === 0)
        tally.miss(`${where}: refused by the oracle's machine (${line.env}), accepted without a warning`);
      else if (!line.ok && !got.ok && got.error !== line.error) tally.miss(`${where}: want ${line.error}, got ${got.error}`);
      else tally.count(line.major, `env:${line.env}`);
      continue;
    }
    if (line.name === "extension_destdir" && !line.ok) {
      // README caveat: a Debian/PGDG patch, absent from the upstream builds behind 10–12's verdicts; the
      // operator's images are PGDG builds, which know it: accepted with a warning.
      if (got.ok && got.warnings.length > 0) tally.count(line.major, "pgdg-only");
      else tally.miss(`${where}: want accepted with a warning (PGDG builds have it), got ${JSON.stringify(got)}`);
      continue;
    }
    if (line.name === "ssl_ciphers" && line.ok && started && line.start?.ok && !got.ok && got.stage === "start") {
      // OpenSSL decides at start: the npm builds behind 11 and 12 accept cipher lists that 10.23 and
      // 13.16 (Debian's OpenSSL, as the PGDG images) refuse; this checker answers as the latter.
      if (line.major === "11" || line.major === "12") tally.count(line.major, "openssl-of-the-build");
      else tally.miss(`${where}: started, refused here (${got.error})`);
      continue;
    }
    if (started && line.start?.ok === false && line.ok) {
      // -C loaded it, a real start failed on any machine: the checker must give the start's FATAL.
      if (!got.ok && got.stage === "start" && got.error === line.start.fatal) tally.count(line.major, "start-refused");
      else tally.miss(`${where}: want start failure ${line.start.fatal}, got ${JSON.stringify(got)}`);
      continue;
    }
    if (line.ok) {
      if (got.ok) tally.count(line.major, "accepted");
      else if (got.stage === "start" && !started) {
        // Not started by the oracle (or only on a machine that failed for its own reasons): a
        // start-up cross-check of PostmasterMain/ReadControlFile/OpenSSL refuses it here.
        tally.count(line.major, "start-refused-unobserved");
      } else tally.miss(`${where}: want accepted, got ${got.error}`);
      if (line.minors !== undefined && got.ok && Object.values(line.minors).some((m) => !m.ok) && got.warnings.length === 0)
        tally.miss(`${where}: an older minor refuses it (${Object.keys(line.minors).join(", ")}); want a warning`);
      continue;
    }
    if (got.ok) tally.miss(`${where}: want ${line.error}, got accepted`);
    else if (got.error !== line.error) tally.miss(`${where}: want ${line.error}, got ${got.error}`);
    else if ((line.detail ?? "") !== (got.detail ?? "") || (line.hint ?? "") !== (got.hint ?? ""))
      tally.miss(`${where}: want detail ${line.detail} hint ${line.hint}, got ${got.detail} ${got.hint}`);
    else tally.count(line.major, "refused");
  }
  tally.report(t, "parameters");
  assert.equal(tally.misses.length, 0, `${tally.misses.length} lines disagree:\n${tally.misses.slice(0, 40).join("\n")}`);
});

/** What a PGDG build (SSL, GSSAPI, LDAP, PAM) of the major said, when the oracle's build could not say. */
function fullBuildVerdict(line: PgHbaLine, major: (typeof MAJORS)[number]): PgHbaVerdict[] {
  const own = line.majors[major];
  if (own.ok !== null && own.build === undefined) return [own];
  if (own.ok !== null) return [{ ok: own.ok, ...(own.error ? { error: own.error } : {}) }];
  // README `majors.*.ok` null: 10 and 13 are full builds and bracket the PGDG image's verdict.
  const [ten, thirteen] = [line.majors["10"], line.majors["13"]];
  return ten.ok === thirteen.ok ? [major === "11" ? ten : thirteen] : [ten, thirteen];
}

test("pg_hba: every line of postgresql-hba.jsonl, every major", (t) => {
  const hba = readOracleLines<PgHbaLine>(t, "postgresql-hba.jsonl");
  if (!hba) return;
  const tally = new Tally();
  for (const line of hba) {
    for (const major of MAJORS) {
      const oracle = line.majors[major];
      const got = judgeHbaLine(line.line, Number(major) as Major);
      const where = `${major} ${JSON.stringify(line.line).slice(0, 160)}`;
      if (oracle.env === "dns") {
        // README `env: dns`: RADIUS names are resolved while the file loads; only the cluster's DNS
        // can tell. Accepted with a warning naming the server.
        if (got.ok && got.warnings.some((w) => w.includes("RADIUS"))) tally.count(major, "env:dns");
        else tally.miss(`${where}: want accepted with a DNS warning, got ${JSON.stringify(got)}`);
        continue;
      }
      const expected = fullBuildVerdict(line, major);
      let match = expected.find((e) => e.ok === got.ok && (got.ok || e.error === got.error));
      // 11.22 has no LDAP: 10 and 13 bracket the verdict, but 11's hba.c (REL_11_STABLE) has its own
      // LDAP options and wording (ldapsearchfilter, ldapscheme, a mandatory ldapserver): the verdict must
      // agree, the text is 11's own and was not observed.
      const unobservedWording = match === undefined && major === "11" && oracle.ok === null && expected.some((e) => e.ok === got.ok);
      if (unobservedWording) match = expected.find((e) => e.ok === got.ok);
      if (match === undefined) {
        tally.miss(`${where}: want ${expected.map((e) => `${e.ok} ${e.error ?? ""}`).join(" or ")}, got ${got.ok} ${got.error ?? ""}`);
        continue;
      }
      const rule = unobservedWording
        ? "11-wording-unobserved"
        : oracle.ok === null
          ? expected.length > 1
            ? "bracketed-by-10-and-13"
            : "as-full-builds"
          : oracle.build
            ? "build-lacks-gssapi"
            : got.ok
              ? "accepted"
              : "refused";
      // A message logged for a line that still loads is a warning here (not for 12.22's missing GSSAPI).
      const logged = oracle.build === undefined ? (oracle.warning ?? oracle.log) : undefined;
      if (logged !== undefined && !got.warnings.includes(logged)) tally.miss(`${where}: want the warning ${logged}, got ${got.warnings.join("; ")}`);
      if (oracle.minors !== undefined && got.ok && got.warnings.length === 0) tally.miss(`${where}: an older minor refuses it; want a warning`);
      tally.count(major, rule);
    }
  }
  tally.report(t, "pg_hba");
  assert.equal(tally.misses.length, 0, `${tally.misses.length} verdicts disagree:\n${tally.misses.slice(0, 40).join("\n")}`);
});

test("hot standby: the settings and every start of postgresql-hot-standby.json", (t) => {
  const oracle = readOracleJson<PgHotStandby>(t, "postgresql-hot-standby.json");
  if (!oracle) return;
  for (const major of MAJORS) {
    const m = Number(major) as Major;
    assert.deepEqual([...hotStandbySettings(m)].sort(), [...oracle.majors[major].mustBeAtLeastPrimary].sort(), `major ${major}`);
    for (const name of oracle.majors[major].checkedNotRequired) assert.ok(!hotStandbySettings(m).includes(name), `${major}: ${name} is not required`);
  }
  let starts = 0;
  for (const run of oracle.tests) {
    const lowered = /^(\w+) lowered$/.exec(run.test)?.[1];
    // Release 0.5 always writes hot_standby = 'true': the runs with it off do not apply.
    if (lowered === undefined || run.primary === undefined || run.standby === undefined || run.hot_standby !== "on") continue;
    const major = Number(run.major) as Major;
    const got = hotStandbyShortfalls({ [lowered]: String(run.primary) }, { [lowered]: String(run.standby) }, major);
    assert.equal(got.length === 0, run.started, `${run.major} ${run.test}: started ${run.started}, shortfalls ${JSON.stringify(got)}`);
    if (!run.started)
      assert.match(
        run.fatal ?? "",
        new RegExp(`because ${lowered} = ${run.standby} is a lower setting than on the master server \\(its value was ${run.primary}\\)`),
      );
    starts++;
  }
  t.diagnostic(`hot standby: ${starts} lowered-setting starts agree`);
});
