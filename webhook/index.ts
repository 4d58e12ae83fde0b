// The package entry: `import type { Cluster } from "cnp-webhook"` (README "The CRDs and the types").
export type * from "../generated/types/index.js";
