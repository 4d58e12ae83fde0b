// The package entry: `import type { Cluster } from "cnp-webhook"` (SPEC §4).
export type * from "../generated/types/index.js";
