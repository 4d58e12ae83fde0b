// What PostgreSQL itself refuses (README "Rules", docs/operator-0.5.md §11): release 0.5 pastes
// spec.postgresql.pg_hba into pg_hba.conf and writes spec.postgresql.parameters into custom.conf, then
// starts the postmaster, after it has taken the instance's serial. A refusal there leaves the Cluster
// broken even once the manifest is fixed. The verdicts are webhook/postgres/'s, proven against real
// PostgreSQL 10-13 (webhook/postgres/oracle.test.ts).
import type { Cluster } from "../../generated/types/index.js";
import { FieldPath, invalid } from "../admission/field.js";
import { deny, type Finding, warn } from "../admission/finding.js";
import type { RuleContext } from "../admission/rule.js";
import { sameJSON } from "../formats/json.js";
import { findGuc, MAJORS, type Major } from "../postgres/gucs.js";
import { judgeHbaLine } from "../postgres/hba.js";
import { postgresMajor } from "../postgres/image.js";
import { judgeParameter, operatorSettings, parameterWarnings } from "../postgres/parameters.js";
import { clusterRule } from "./builders.js";
import { checkSecretKeys, gatherSecrets } from "./objectstore.js";

const POSTGRESQL = FieldPath.root("spec", "postgresql");
const PARAMETERS = POSTGRESQL.child("parameters");
const PG_HBA = POSTGRESQL.child("pg_hba");
const IMAGE = FieldPath.root("spec", "imageName");

/** The major the Cluster's image runs, as release 0.5 reads it; undefined when the tag is refused (cluster/image-tag says why). */
function majorOf(cluster: Cluster): { major: number; supported: Major | undefined } | undefined {
  const image = postgresMajor(cluster.spec?.imageName ?? "");
  return image.ok ? { major: image.major, supported: image.supported } : undefined;
}

/** On UPDATE only what changed is judged again: the image (a new major) or the part itself. */
const changed = ({ operation, object, oldObject }: RuleContext<Cluster>, pick: (c: Cluster) => unknown): boolean =>
  operation === "CREATE" || !oldObject || object.spec?.imageName !== oldObject.spec?.imageName || !sameJSON(pick(object), pick(oldObject));

const notChecked = (path: FieldPath, major: number, what: string): Finding =>
  warn(path, `${what} not checked: PostgreSQL ${major} is not a major these checks know (10 to 13)`);

const majorRule = clusterRule({
  id: "postgresql/major",
  severity: "deny",
  summary: "the image runs PostgreSQL 10 or later",
  protects:
    "an instance that never starts: release 0.5 always writes max_parallel_workers (a PostgreSQL 10 setting) into postgresql.conf and runs initdb with options 9.6 lacks",
  source: "cnp v0.5.0 pkg/postgres/configuration.go:173-178 (defaults for every version); pkg/management/postgres/initdb.go:103-117",
  check: ({ object }) => {
    const found = majorOf(object);
    if (!found || found.major >= 10) return [];
    return [
      deny(
        invalid(
          IMAGE,
          object.spec?.imageName,
          `PostgreSQL ${found.major} cannot run under release 0.5: it writes max_parallel_workers, which PostgreSQL 10 introduced, and the postmaster refuses the unknown name`,
        ),
      ),
    ];
  },
});

const pgHbaRule = clusterRule({
  id: "postgresql/pg-hba",
  severity: "deny or warn",
  summary: "every pg_hba entry is one the image's PostgreSQL major loads (PostgreSQL's own reason quoted)",
  protects: 'a postmaster that stops with "could not load pg_hba.conf" after the operator has taken the instance serial',
  source: "cnp v0.5.0 pkg/postgres/configuration.go CreateHBARules (entries pasted verbatim); PostgreSQL 10-13 src/backend/libpq/hba.c parse_hba_line",
  check: (ctx) => {
    const lines = ctx.object.spec?.postgresql?.pg_hba ?? [];
    const found = majorOf(ctx.object);
    if (lines.length === 0 || !found || found.major < 10 || !changed(ctx, (c) => c.spec?.postgresql?.pg_hba)) return [];
    if (!found.supported) return [notChecked(PG_HBA, found.major, "pg_hba entries")];
    const major = found.supported;
    return lines.flatMap((line, i): Finding[] => {
      if (typeof line !== "string") return [];
      const verdict = judgeHbaLine(line, major);
      const path = PG_HBA.index(i);
      if (!verdict.ok)
        return [deny(invalid(path, line, `PostgreSQL ${major} refuses this entry: ${verdict.error}; the postmaster would not load pg_hba.conf`))];
      return verdict.warnings.map((w) => warn(path, w));
    });
  },
});

/** Judgements of whole parameter maps, by major and map: GitOps applies many Clusters with the same settings. */
const judged = new Map<string, readonly Finding[]>();
const JUDGED_KEPT = 256;

/**
 * The findings of a parameter map for a major: the whole map in the file release 0.5 writes (one parse
 * in the common case); when that fails, each entry alone, to name the ones PostgreSQL refuses by
 * themselves; what fails only together is reported on the map.
 */
function judgeParameters(params: Readonly<Record<string, string>>, major: Major): readonly Finding[] {
  const key = `${major}\u0000${JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))}`;
  const known = judged.get(key);
  if (known) return known;
  const { mandatory } = operatorSettings(major);
  // The operator writes its mandatory values over these: cluster/parameters says so, and they never reach the file.
  const entries = Object.entries(params).filter(([name]) => !(name in mandatory));
  const findings: Finding[] = [];
  const [first] = entries;
  if (first) {
    const whole = judgeParameter(first[0], first[1], major, { settings: Object.fromEntries(entries) });
    if (!whole.ok) {
      const alone = entries.map(([name, value]) => ({ name, value, verdict: judgeParameter(name, value, major) }));
      for (const { name, value, verdict } of alone) {
        if (!verdict.ok) findings.push(deny(invalid(PARAMETERS.key(name), value, refusal(major, verdict))));
      }
      if (findings.length === 0) findings.push(deny(invalid(PARAMETERS, "(these settings together)", refusal(major, whole))));
    }
    for (const [name, value] of entries) for (const w of parameterWarnings(name, value)) findings.push(warn(PARAMETERS.key(name), w));
  }
  if (judged.size >= JUDGED_KEPT) judged.delete(judged.keys().next().value as string);
  judged.set(key, findings);
  return findings;
}

function refusal(major: Major, verdict: { error?: string; detail?: string; hint?: string; stage?: "file" | "start" }): string {
  const when = verdict.stage === "start" ? "stops at start-up" : "refuses the configuration";
  const extra = [verdict.detail, verdict.hint].filter(Boolean).join(" ");
  return `PostgreSQL ${major} ${when}: ${verdict.error}${extra ? ` (${extra})` : ""}`;
}

const parameterValuesRule = clusterRule({
  id: "postgresql/parameters",
  severity: "deny or warn",
  summary:
    "every parameter is one the image's PostgreSQL major has (custom names with a dot excepted), with a value its parser and start-up checks accept (PostgreSQL's own reason quoted)",
  protects: "a postmaster that refuses its configuration or stops at start-up, after the operator has taken the instance serial",
  source:
    "cnp v0.5.0 pkg/postgres/configuration.go CreatePostgresqlConfiguration (name = 'value', quotes doubled); PostgreSQL 10-13 guc-file.l, guc.c set_config_option, postmaster.c",
  check: (ctx) => {
    const params = ctx.object.spec?.postgresql?.parameters ?? {};
    const found = majorOf(ctx.object);
    if (Object.keys(params).length === 0 || !found || found.major < 10 || !changed(ctx, (c) => c.spec?.postgresql?.parameters)) return [];
    if (found.supported) return judgeParameters(params, found.supported);
    // A major these checks do not know: names only, and only as warnings (a later major may have added them).
    const unknown = Object.keys(params).filter((name) => !name.includes(".") && !MAJORS.some((m) => findGuc(m, name)));
    return [
      notChecked(PARAMETERS, found.major, "parameter values"),
      ...unknown.map((name) => warn(PARAMETERS.key(name), `no PostgreSQL from 10 to 13 has ${JSON.stringify(name)}`)),
    ];
  },
});

const INITDB = FieldPath.root("spec", "bootstrap", "initdb");

/** Roles and databases initdb has made before release 0.5 creates the application's (initdb.go configureNewInstance). */
const EXISTING_ROLES = new Set(["postgres", "streaming_replica"]);
const EXISTING_DATABASES = new Set(["postgres", "template0", "template1"]);

const initdbRoleRule = clusterRule({
  id: "postgresql/initdb-role",
  severity: "deny",
  summary:
    "initdb.owner is not a role and initdb.database not a database the bootstrap creates itself (postgres, streaming_replica; postgres, template0, template1)",
  protects: 'a bootstrap that fails on CREATE USER or CREATE DATABASE ("already exists") before the replication user exists, so no replica ever joins',
  source:
    "cnp v0.5.0 pkg/management/postgres/initdb.go:162-205 configureNewInstance (initdb --username postgres, then CREATE USER owner, CREATE USER streaming_replica, CREATE DATABASE)",
  check: ({ operation, object }) => {
    const initdb = object.spec?.bootstrap?.initdb;
    if (operation !== "CREATE" || !initdb) return [];
    const findings: Finding[] = [];
    if (typeof initdb.owner === "string" && EXISTING_ROLES.has(initdb.owner)) {
      const defaulted = initdb.owner === initdb.database ? " (an owner left out is the database's name)" : "";
      findings.push(
        deny(
          invalid(
            INITDB.child("owner"),
            initdb.owner,
            `the role ${JSON.stringify(initdb.owner)} exists already when release 0.5 runs CREATE USER for the owner${defaulted}: the bootstrap fails; name another owner`,
          ),
        ),
      );
    }
    if (typeof initdb.database === "string" && EXISTING_DATABASES.has(initdb.database)) {
      findings.push(
        deny(
          invalid(
            INITDB.child("database"),
            initdb.database,
            `initdb has created the database ${JSON.stringify(initdb.database)} already: release 0.5's CREATE DATABASE fails; name the application's database`,
          ),
        ),
      );
    }
    return findings;
  },
});

const SUPERUSER = FieldPath.root("spec", "superuserSecret", "name");
const APP_SECRET = INITDB.child("secret", "name");

/** The Secrets release 0.5 mounts into instance Pods by the Cluster's choice, with the key it reads from each. */
function namedSecrets({ object }: RuleContext<Cluster>): { path: FieldPath; selector: { name: string; key: string } }[] {
  const out: { path: FieldPath; selector: { name: string; key: string } }[] = [];
  const superuser = object.spec?.superuserSecret?.name;
  // "" or unset: the operator generates the Secret itself (controllers/cluster_create.go:135-184).
  if (superuser) out.push({ path: SUPERUSER, selector: { name: superuser, key: "password" } });
  const app = object.spec?.bootstrap?.initdb?.secret?.name;
  if (app) out.push({ path: APP_SECRET, selector: { name: app, key: "password" } });
  return out;
}

const secretsRule = clusterRule({
  id: "postgresql/secrets",
  severity: "deny or warn",
  summary: "superuserSecret and initdb.secret name Secrets with a password key (absent: warn)",
  protects:
    'instances that never start: the Secrets are mounted into the Pods, and the init container exits 1 ("password file doesn\'t exist") without the key',
  source:
    "cnp v0.5.0 pkg/specs/pods.go:45-90, 300-350 (secret volumes, -pw-file /etc/superuser-secret/password); pkg/management/postgres/initdb.go:69-98 VerifyConfiguration",
  gather: async (ctx, lookups) => {
    if (ctx.operation !== "CREATE" && !changed(ctx, (c) => [c.spec?.superuserSecret, c.spec?.bootstrap?.initdb?.secret])) return undefined;
    const selectors = namedSecrets(ctx);
    return { selectors, secrets: await gatherSecrets(lookups, selectors) };
  },
  check: (ctx, gathered) => (gathered ? gathered.selectors.flatMap((s) => checkSecretKeys([s], gathered.secrets, ctx, { at: s.path })) : []),
});

export const POSTGRES_RULES = [majorRule, pgHbaRule, parameterValuesRule, initdbRoleRule, secretsRule];
