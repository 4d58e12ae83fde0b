// The GUC table of each supported PostgreSQL major, read from real builds by tools/postgres/gucs.ts
// (gucs.json names the build of each major).
import table from "./gucs.json" with { type: "json" };

export type Major = 10 | 11 | 12 | 13;
export const MAJORS: readonly Major[] = [10, 11, 12, 13];

export interface Guc {
  name: string;
  type: "bool" | "integer" | "real" | "string" | "enum";
  /** pg_settings.context: "internal" ones cannot be set in a file. */
  context: string;
  /** pg_settings.unit: kB, MB, B, 8kB, ms, s, min. */
  unit?: string;
  min?: number;
  max?: number;
  /** Enum values pg_settings lists. */
  values?: string[];
  /** Enum spellings guc.c hides from the list, and what each means. */
  hidden?: Record<string, string>;
  boot?: string;
  /** Known to `postgres -C` but not listed in pg_settings. */
  hiddenName?: boolean;
}

const byMajor = new Map<Major, Map<string, Guc>>(
  MAJORS.map((major) => {
    const gucs = (table.majors as Record<string, { gucs: Guc[] }>)[String(major)]?.gucs ?? [];
    // pg_settings prints real bounds with %g: its 1.79769e+308 is DBL_MAX.
    const exact = (g: Guc): Guc => (g.max === 1.79769e308 ? { ...g, max: Number.MAX_VALUE } : g);
    return [major, new Map(gucs.map((g) => [g.name.toLowerCase(), exact(g)]))];
  }),
);

/** guc.c map_old_guc_names: names still read as their successors. */
const OLD_NAMES: Readonly<Record<string, string>> = { sort_mem: "work_mem", vacuum_mem: "maintenance_work_mem" };

/** The GUC a configuration-file name denotes in a major (names are case-insensitive), if any. */
export function findGuc(major: Major, name: string): Guc | undefined {
  const key = name.toLowerCase();
  return byMajor.get(major)?.get(OLD_NAMES[key] ?? key);
}

/** Which build the major's table was read from. */
export const gucTableBuild = (major: Major): string => (table.majors as Record<string, { build: string }>)[String(major)]?.build ?? "";
