// The admission of one kind, in controller-runtime's shape: derive defaults, check rules.
import type { KindName } from "../../schemas/kinds.js";
import type { CompiledValidator } from "../../generated/validators/index.js";
import type { ReferenceSession, ResolvedReferences } from "../references/resolver.js";
import type { Finding } from "./rule.js";

export type Operation = "CREATE" | "UPDATE";

export interface DefaultOptions {
  /** The image for a Cluster without imageName (flag --default-image). */
  readonly defaultImage: string;
}

export interface AdmissionContext<T> {
  readonly operation: Operation;
  /** The object after defaulting, with schema-invalid values removed: rules see well-typed data. */
  readonly object: T;
  /** UPDATE only: the stored object, defaulted the same way. */
  readonly oldObject?: T;
  readonly name: string;
  readonly namespace: string;
  readonly references: ResolvedReferences;
}

export interface Rule<T> {
  /** Stable name for logs and metrics: `cluster/storage`. */
  readonly name: string;
  readonly check: (ctx: AdmissionContext<T>) => Finding[];
}

export interface KindAdmission<T> {
  readonly kind: KindName;
  readonly validator: CompiledValidator;
  /** Defaults the schema cannot state because they depend on other fields or flags; runs before the schema's. */
  readonly deriveDefaults: (object: T, options: DefaultOptions) => void;
  /** Defaults that depend on the schema's own defaults (initdb owner = database). */
  readonly finishDefaults?: (object: T) => void;
  /** Starts every lookup the rules will read; all of them share the session's deadline. */
  readonly gatherReferences: (ctx: Omit<AdmissionContext<T>, "references">, session: ReferenceSession) => Promise<unknown>;
  readonly rules: readonly Rule<T>[];
}
