// Cluster: defaults and rules (README "Rules").
import type { Cluster } from "../../generated/types/index.js";
import { validateCluster } from "../../generated/validators/index.js";
import { FieldPath, forbidden, invalid, required } from "../admission/field.js";
import { deny, warn, type Finding } from "../admission/finding.js";
import type { KindAdmission, Rule, RuleContext } from "../admission/rule.js";
import { parseImage, parseQuantity, postgresMajor } from "../formats/formats.js";
import { isRecord, sameJSON } from "../formats/json.js";
import {
  checkCredentialSecrets,
  checkCredentialSelectors,
  checkDestinationPath,
  checkEndpointURL,
  credentialSelectors,
  OBJECT_STORE_PATH,
} from "./objectstore.js";
import { checkRecoveryBackupName, checkRecoverySource, gatherRecoverySource } from "./recovery.js";

const spec = FieldPath.root("spec");

// ---- defaults -------------------------------------------------------------------------------

/** Defaults that depend on flags or other fields; the schema's constant defaults follow them. */
function deriveClusterDefaults(cluster: Record<string, unknown>, options: { defaultImage: string }): void {
  const s = cluster.spec;
  if (!isRecord(s)) return;
  if (s.imageName === undefined || s.imageName === "") s.imageName = options.defaultImage;

  if (s.bootstrap === undefined) s.bootstrap = {};
  if (isRecord(s.bootstrap)) {
    if (s.bootstrap.initdb === undefined && s.bootstrap.fullRecovery === undefined) s.bootstrap.initdb = {};
    const initdb = s.bootstrap.initdb;
    // An empty string means "not set" here, as in the operator: the schema default fills it.
    if (isRecord(initdb) && initdb.database === "") delete initdb.database;
  }

  const store = isRecord(s.backup) ? s.backup.barmanObjectStore : undefined;
  if (isRecord(store)) {
    if (typeof store.endpointURL === "string" && store.endpointURL !== "" && !/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(store.endpointURL)) {
      store.endpointURL = `https://${store.endpointURL}`;
    }
    const creds = store.s3Credentials;
    if (isRecord(creds) && creds.secretAccessKey === undefined && isRecord(creds.accessKeyId) && typeof creds.accessKeyId.name === "string") {
      creds.secretAccessKey = { name: creds.accessKeyId.name };
    }
  }
}

/** The initdb owner defaults to the database, itself defaulted by the schema. */
function finishClusterDefaults(cluster: Record<string, unknown>): void {
  const bootstrap = isRecord(cluster.spec) ? cluster.spec.bootstrap : undefined;
  const initdb = isRecord(bootstrap) ? bootstrap.initdb : undefined;
  if (isRecord(initdb) && (initdb.owner === undefined || initdb.owner === "") && typeof initdb.database === "string") {
    initdb.owner = initdb.database;
  }
}

// ---- rules ----------------------------------------------------------------------------------

/** The size a claim will request: storage.size, or the PVC template's request. */
function requestedStorage(cluster: Cluster | undefined): { path: FieldPath; value: string; bytes: number | undefined } | undefined {
  const storage = cluster?.spec?.storage;
  if (typeof storage?.size === "string" && storage.size !== "") {
    return { path: spec.child("storage", "size"), value: storage.size, bytes: parseQuantity(storage.size) };
  }
  const resources = storage?.pvcTemplate?.resources;
  const request = isRecord(resources) && isRecord(resources.requests) ? resources.requests.storage : undefined;
  if (typeof request === "string" || typeof request === "number") {
    const value = String(request);
    return { path: spec.child("storage", "pvcTemplate", "resources", "requests", "storage"), value, bytes: parseQuantity(value) };
  }
  return undefined;
}

const storageRule: Rule<Cluster> = {
  id: "cluster/storage",
  severity: "deny",
  summary: "storage.size must be a Kubernetes quantity above zero (unless the PVC template requests storage), and may not shrink on UPDATE",
  protects: "PVCs that cannot be created or resized: the operator's instances never start",
  check: ({ object, oldObject, operation }) => {
    const requested = requestedStorage(object);
    if (!requested) {
      return [deny(required(spec.child("storage", "size"), "a quantity such as 1Gi, unless storage.pvcTemplate.resources.requests.storage is set"))];
    }
    if (requested.bytes === undefined) {
      return [deny(invalid(requested.path, requested.value, "must be a Kubernetes quantity, e.g. 1Gi, 500M or 1e3"))];
    }
    if (!(requested.bytes > 0)) return [deny(invalid(requested.path, requested.value, "must be greater than zero"))];
    const before = operation === "UPDATE" ? requestedStorage(oldObject) : undefined;
    if (before?.bytes !== undefined && requested.bytes < before.bytes) {
      return [deny(forbidden(requested.path, `storage may not shrink (from ${before.value} to ${requested.value})`))];
    }
    return [];
  },
};

const bootstrapRule: Rule<Cluster> = {
  id: "cluster/bootstrap",
  severity: "deny",
  summary: "at most one bootstrap method: initdb or fullRecovery",
  protects: "an ambiguous bootstrap the operator resolves in its own order, not the one meant",
  check: ({ object }) => {
    const b = object.spec?.bootstrap;
    if (b?.initdb && b.fullRecovery) {
      return [deny(forbidden(spec.child("bootstrap"), "only one bootstrap method may be set: initdb or fullRecovery"))];
    }
    return [];
  },
};

const imageRule: Rule<Cluster> = {
  id: "cluster/image",
  severity: "deny",
  summary: "imageName needs a tag that starts with a PostgreSQL major version, not latest; the major may not change on UPDATE",
  protects: "the operator refusing or mis-upgrading an image whose major version it cannot tell",
  check: ({ object, oldObject, operation }) => {
    const image = object.spec?.imageName;
    if (typeof image !== "string" || image === "") return [];
    const path = spec.child("imageName");
    const { tag } = parseImage(image);
    if (tag === undefined || tag === "") {
      return [deny(invalid(path, image, "a tag is required, starting with the PostgreSQL major version (e.g. :13)"))];
    }
    if (tag === "latest") return [deny(invalid(path, image, "the tag 'latest' does not say which PostgreSQL major version runs; use e.g. :13"))];
    const major = postgresMajor(tag);
    if (!major) return [deny(invalid(path, image, "the tag must start with a PostgreSQL major version (e.g. 13 or 13.2)"))];
    if (operation === "UPDATE") {
      const oldTag = parseImage(oldObject?.spec?.imageName ?? "").tag;
      const oldMajor = oldTag ? postgresMajor(oldTag) : undefined;
      if (oldMajor && oldMajor !== major) {
        return [deny(forbidden(path, `changing the PostgreSQL major version (${oldMajor} to ${major}) is not supported`))];
      }
    }
    return [];
  },
};

/** postgresql.conf parameters the operator owns: setting them breaks replication, archiving or the Pod layout. */
const MANAGED_PARAMETERS = new Set([
  "archive_mode",
  "archive_command",
  "archive_timeout",
  "cluster_name",
  "full_page_writes",
  "hot_standby",
  "listen_addresses",
  "port",
  "primary_conninfo",
  "primary_slot_name",
  "restore_command",
  "recovery_end_command",
  "promote_trigger_file",
  "synchronous_standby_names",
  "wal_level",
  "wal_log_hints",
  "config_file",
  "data_directory",
  "hba_file",
  "ident_file",
  "external_pid_file",
  "log_destination",
  "log_directory",
  "log_filename",
  "log_file_mode",
  "logging_collector",
  "log_rotation_age",
  "log_rotation_size",
  "log_truncate_on_rotation",
]);
const MANAGED_PREFIXES = ["recovery_target", "ssl", "unix_socket_"];

const isManagedParameter = (name: string): boolean => {
  const n = name.toLowerCase();
  return MANAGED_PARAMETERS.has(n) || MANAGED_PREFIXES.some((p) => n.startsWith(p));
};

const parametersRule: Rule<Cluster> = {
  id: "cluster/parameters",
  severity: "deny",
  summary: "postgresql.parameters may not set what the operator manages (archiving, replication, ports, file locations)",
  protects: "archiving and replication the operator configures being overridden or broken",
  check: ({ object }) => {
    const params = object.spec?.postgresql?.parameters ?? {};
    return Object.keys(params)
      .filter(isManagedParameter)
      .map((p) => deny(forbidden(spec.child("postgresql", "parameters").key(p), `${p} is managed by the operator and may not be set`)));
  },
};

const objectStoreRule: Rule<Cluster> = {
  id: "cluster/barmanObjectStore",
  severity: "deny or warn",
  summary: "destinationPath, endpointURL and credential selectors as barman-cloud and botocore will read them",
  protects: "WAL archiving and base backups that fail at runtime with no sign at apply time",
  check: ({ object }) => {
    const store = object.spec?.backup?.barmanObjectStore;
    if (!store) return [];
    return [...checkDestinationPath(store), ...checkEndpointURL(store), ...checkCredentialSelectors(store)];
  },
};

/** Secret lookups run on CREATE, and on UPDATE only when the object store changed: an unrelated update must not fail on them. */
const objectStoreChanged = ({ operation, object, oldObject }: RuleContext<Cluster>): boolean =>
  operation === "CREATE" || !sameJSON(object.spec?.backup?.barmanObjectStore, oldObject?.spec?.backup?.barmanObjectStore);

const credentialSelectorsOf = (cluster: Cluster) => credentialSelectors(cluster.spec?.backup?.barmanObjectStore, OBJECT_STORE_PATH.child("s3Credentials"));

const credentialSecretsRule: Rule<Cluster> = {
  id: "cluster/credentialSecrets",
  severity: "deny or warn",
  summary: "the credential Secrets exist and hold the selected keys (absent: warn)",
  protects: "Pods that cannot start because a secretKeyRef names a missing key",
  gather: async (ctx, lookups) => {
    if (!objectStoreChanged(ctx)) return;
    const names = new Set(credentialSelectorsOf(ctx.object).map((s) => s.selector.name));
    await Promise.all([...names].map((name) => lookups.lookup("Secret", name)));
  },
  check: (ctx, references) => (objectStoreChanged(ctx) ? checkCredentialSecrets(credentialSelectorsOf(ctx.object), references, ctx.namespace) : []),
};

const recoveryRule: Rule<Cluster> = {
  id: "cluster/fullRecovery",
  severity: "deny or warn",
  summary: "the Backup to recover from is there, completed and readable, and not the folder this cluster archives to",
  protects: "a recovery that fails at once or overwrites the WAL of the backup it restores",
  gather: async ({ operation, object }, lookups) => {
    if (operation === "CREATE") await gatherRecoverySource(object, lookups);
  },
  check: ({ operation, object, oldObject, name, namespace }, references): Finding[] => {
    if (operation === "UPDATE") {
      return sameJSON(object.spec?.bootstrap, oldObject?.spec?.bootstrap)
        ? []
        : [warn(spec.child("bootstrap"), "changes have no effect after the cluster has been created")];
    }
    return [...checkRecoveryBackupName(object), ...checkRecoverySource(object, name, namespace, references)];
  },
};

export const clusterAdmission: KindAdmission<"Cluster"> = {
  kind: "Cluster",
  validator: validateCluster,
  deriveDefaults: deriveClusterDefaults,
  finishDefaults: finishClusterDefaults,
  rules: [storageRule, bootstrapRule, imageRule, parametersRule, objectStoreRule, credentialSecretsRule, recoveryRule],
};
