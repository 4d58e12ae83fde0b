// spec.postgresql.parameters: the parameters release 0.5 keeps for itself (README "Rules").
import { FieldPath, forbidden } from "../admission/field.js";
import { deny } from "../admission/finding.js";
import { clusterRule } from "./builders.js";
import { operatorSettings } from "../postgres/parameters.js";

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

/**
 * What the operator itself writes: its defaulting webhook puts logging_collector: "off" into every
 * Cluster (configuration.go:173-178, cluster_webhook.go:71-79), and its mandatory values always win
 * in postgresql.conf (configuration.go:187-202). Denying them would deny every Cluster.
 */
const OPERATOR_VALUES: Readonly<Record<string, string>> = {
  logging_collector: operatorSettings(13).defaults.logging_collector ?? "off",
  ...operatorSettings(13).mandatory,
};

const PARAMETERS = FieldPath.root("spec", "postgresql", "parameters");

export const parametersRule = clusterRule({
  id: "cluster/parameters",
  severity: "deny",
  summary:
    "postgresql.parameters may not set the parameters release 0.5 fixes (archiving, replication, ports, files, logging, ssl), except to the value the operator itself writes",
  protects:
    "settings the operator silently overrides, or that break archiving, replication or start-up; the operator's own webhook refuses them on any later update",
  source: "cnp v0.5.0 pkg/postgres/configuration.go:94-202; api/v1alpha1/cluster_webhook.go:284-329",
  check: ({ object }) => {
    const params = object.spec?.postgresql?.parameters ?? {};
    return (
      Object.entries(params)
        // PostgreSQL reads parameter names in any case; the operator's list is lower case.
        .filter(([name, value]) => FIXED.has(name.toLowerCase()) && OPERATOR_VALUES[name.toLowerCase()] !== value)
        .map(([name]) => {
          const own = OPERATOR_VALUES[name.toLowerCase()];
          const why = own === undefined ? "" : ` (it always sets ${name.toLowerCase()} = '${own}')`;
          return deny(forbidden(PARAMETERS.key(name), `${name} is fixed by the operator and may not be set${why}`));
        })
    );
  },
});
