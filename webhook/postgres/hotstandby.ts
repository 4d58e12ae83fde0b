// Recovery runs with the new Cluster's settings and hot_standby on (release 0.5 makes it mandatory):
// PostgreSQL then stops unless each setting CheckRequiredParameterValues names is at least what the
// source server ran with (xlog.c, REL_10_STABLE … REL_13_STABLE: RecoveryRequiresIntParameter).
import { findGuc, type Major } from "./gucs.js";
import { operatorSettings } from "./parameters.js";

/** The settings a hot standby must keep at or above the primary's, per major. */
export function hotStandbySettings(major: Major): string[] {
  return major >= 12
    ? ["max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions", "max_locks_per_transaction"]
    : ["max_connections", "max_worker_processes", "max_prepared_transactions", "max_locks_per_transaction"];
}

export interface Shortfall {
  name: string;
  /** What the source Cluster runs with (its value, the operator's default or PostgreSQL's). */
  source: number;
  target: number;
}

/** An integer setting as the GUC parser reads it (base 10, 8 or 16; no unit for these settings). */
function intValue(params: Readonly<Record<string, string>>, name: string, major: Major): number | undefined {
  const key = Object.keys(params).find((k) => k.toLowerCase() === name);
  const text = key === undefined ? findGuc(major, name)?.boot : params[key];
  if (text === undefined) return undefined;
  const n = /^\s*[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)\s*$/.test(text)
    ? Number.parseInt(text, /^\s*[+-]?0[xX]/.test(text) ? 16 : /^\s*[+-]?0\d/.test(text) ? 8 : 10)
    : Number.NaN;
  return Number.isNaN(n) ? undefined : n;
}

/**
 * The settings where `target` (the recovering Cluster's spec.postgresql.parameters) is below `source`
 * (the Backup's Cluster), for the major both run; the operator's defaults (max_worker_processes: 32) and
 * PostgreSQL's apply to what either leaves unset. A value that does not parse is left to the parameters
 * checker. Empty when recovery passes this check. hot_standby is not consulted: release 0.5 writes
 * hot_standby = 'true' over whatever the user sets.
 */
export function hotStandbyShortfalls(source: Readonly<Record<string, string>>, target: Readonly<Record<string, string>>, major: Major): Shortfall[] {
  const { defaults } = operatorSettings(major);
  const [src, dst] = [
    { ...defaults, ...source },
    { ...defaults, ...target },
  ];
  return hotStandbySettings(major).flatMap((name) => {
    const [s, t] = [intValue(src, name, major), intValue(dst, name, major)];
    return s !== undefined && t !== undefined && t < s ? [{ name, source: s, target: t }] : [];
  });
}
