// spec.postgresql.parameters: the parameters release 0.5 keeps for itself (README "Rules"), judged as
// its code does: nothing on CREATE (the mandatory ones are overwritten), exact keys on UPDATE.
import { FieldPath, invalid } from "../admission/field.js";
import { deny, type Finding, warn } from "../admission/finding.js";
import { sameJSON } from "../formats/json.js";
import { postgresMajor } from "../postgres/image.js";
import { operatorSettings } from "../postgres/parameters.js";
import { clusterRule } from "./builders.js";

/** cnp v0.5.0 pkg/postgres/configuration.go:94-168 FixedConfigurationParameters, exactly. */
const FIXED = new Set([
  ...["allow_system_table_mods", "archive_cleanup_command", "archive_command", "archive_mode", "archive_timeout", "bonjour", "bonjour_name"],
  ...["cluster_name", "config_file", "data_directory", "data_sync_retry", "dynamic_shared_memory_type", "event_source", "external_pid_file"],
  ...["full_page_writes", "hba_file", "hot_standby", "huge_pages", "ident_file", "jit_provider", "listen_addresses"],
  ...["log_destination", "log_directory", "log_file_mode", "log_filename", "log_rotation_age", "log_rotation_size", "log_truncate_on_rotation"],
  ...["logging_collector", "port", "primary_conninfo", "primary_slot_name", "promote_trigger_file", "recovery_end_command", "recovery_min_apply_delay"],
  ...["recovery_target", "recovery_target_action", "recovery_target_inclusive", "recovery_target_lsn", "recovery_target_name", "recovery_target_time"],
  ...["recovery_target_timeline", "recovery_target_xid", "restart_after_crash", "restore_command", "shared_memory_type"],
  ...["ssl", "ssl_ca_file", "ssl_cert_file", "ssl_ciphers", "ssl_crl_file", "ssl_dh_params_file", "ssl_ecdh_curve", "ssl_key_file"],
  ...["ssl_max_protocol_version", "ssl_min_protocol_version", "ssl_passphrase_command", "ssl_passphrase_command_supports_reload", "ssl_prefer_server_ciphers"],
  ...["stats_temp_directory", "synchronous_standby_names", "syslog_facility", "syslog_ident", "syslog_sequence_numbers", "syslog_split_messages"],
  ...["unix_socket_directories", "unix_socket_group", "unix_socket_permissions", "wal_level", "wal_log_hints"],
]);

/** Where release 0.5 keeps the data directory (cnp v0.5.0 pkg/specs/pods.go:139, PGDATA). */
const PGDATA = "/var/lib/postgresql/data/pgdata";

/**
 * Fixed parameters whose value decides where the instance finds its own files: any other value stops
 * it at start-up ("data directory ... does not exist", "could not load pg_hba.conf"), after the
 * operator has taken the instance's serial (docs/operator-0.5.md §10).
 */
const FILE_LOCATIONS: Readonly<Record<string, string>> = {
  data_directory: PGDATA,
  hba_file: `${PGDATA}/pg_hba.conf`,
  ident_file: `${PGDATA}/pg_ident.conf`,
};

const PARAMETERS = FieldPath.root("spec", "postgresql", "parameters");

type Parameters = Readonly<Record<string, string>>;

/** The operator's own defaults under the user's values, as its webhook re-defaults both sides of an update. */
function withOperatorDefaults(imageName: string | undefined, params: Parameters): Parameters {
  const image = postgresMajor(imageName ?? "");
  return { ...operatorSettings(image.ok ? (image.supported ?? 13) : 13).defaults, ...params };
}

/** CREATE: what release 0.5 does with a fixed parameter the user sets (it never looks at them on CREATE). */
function onCreate(params: Parameters): Finding[] {
  const { mandatory, defaults } = operatorSettings(13);
  return Object.entries(params).flatMap(([name, value]): Finding[] => {
    const key = name.toLowerCase();
    const path = PARAMETERS.key(name);
    const location = FILE_LOCATIONS[key];
    if (location !== undefined && value !== location) {
      return [deny(invalid(path, value, `${key} must stay ${location}, where release 0.5 keeps the instance's files: PostgreSQL would not start`))];
    }
    const own = mandatory[key];
    if (own !== undefined) {
      // Written before the operator's own value, which PostgreSQL reads last (configuration.go sorts by name).
      return own === value ? [] : [warn(path, `ignored: the operator always writes ${key} = '${own}'`)];
    }
    // logging_collector: "off" is what the operator's own webhook writes into every Cluster.
    if (!FIXED.has(key) || defaults[key] === value) return [];
    return [warn(path, `${key} is fixed: release 0.5 writes it as given now, and refuses any change to it afterwards`)];
  });
}

export const parametersRule = clusterRule({
  id: "cluster/parameters",
  severity: "deny or warn",
  summary:
    "the parameters release 0.5 fixes: on CREATE, warned (the operator overrides its mandatory ones and never lets the others change) and denied only where the value stops the instance; on UPDATE, adding or changing one is denied, as the operator's webhook does",
  protects:
    "settings the operator silently overrides or will never let change, an instance that cannot find its data directory or pg_hba.conf, and updates the operator's own webhook refuses",
  source: "cnp v0.5.0 pkg/postgres/configuration.go:94-202 CreatePostgresqlConfiguration; api/v1alpha1/cluster_webhook.go:284-329 validateConfigurationChange",
  check: ({ operation, object, oldObject }) => {
    const params = object.spec?.postgresql?.parameters ?? {};
    if (operation === "CREATE" || !oldObject) return onCreate(params);
    // The operator compares exact keys after its defaults under both sides (cluster_webhook.go:311-328).
    const now = withOperatorDefaults(object.spec?.imageName, params);
    const before = withOperatorDefaults(object.spec?.imageName, oldObject.spec?.postgresql?.parameters ?? {});
    return Object.entries(now)
      .filter(([key, value]) => FIXED.has(key) && before[key] !== value)
      .map(([key, value]) => deny(invalid(PARAMETERS.key(key), value, "Can't change fixed configuration parameter (release 0.5 fixes it at creation)")));
  },
});

export const imageWithParametersRule = clusterRule({
  id: "cluster/image-with-parameters",
  severity: "deny",
  summary: "UPDATE: imageName and postgresql.parameters do not change in the same update",
  protects: "an update the operator's own webhook refuses",
  source: "cnp v0.5.0 api/v1alpha1/cluster_webhook.go:287-298 validateConfigurationChange",
  check: ({ operation, object, oldObject }) => {
    if (operation !== "UPDATE" || !oldObject || object.spec?.imageName === oldObject.spec?.imageName) return [];
    if (sameJSON(object.spec?.postgresql?.parameters ?? {}, oldObject.spec?.postgresql?.parameters ?? {})) return [];
    return [deny(invalid(FieldPath.root("spec", "imageName"), object.spec?.imageName, "Can't change image name and configuration at the same time"))];
  },
});
