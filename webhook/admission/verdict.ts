// The outcome of an admission, decided once: allowed, denied, or failed (a rule threw).
import type { Operation as PatchOperation } from "fast-json-patch";
import type { FieldError } from "./field.js";

export type { PatchOperation };

/** A warning of one rule: admitted, but the user is told. */
export interface Warning {
  readonly rule: string;
  readonly field: string;
  readonly message: string;
}

/** A denial of one rule, as an apimachinery field error. */
export interface Violation {
  readonly rule: string;
  readonly error: FieldError;
}

/** A rule that threw: a bug in this webhook, answered as an internal error rather than a verdict. */
export interface RuleFailure {
  readonly rule: string;
  readonly error: unknown;
}

export type Verdict =
  | {
      readonly type: "allowed";
      readonly warnings: readonly Warning[];
      /** RFC 6902 operations from the request's object to the defaulted one; [] when nothing changed. */
      readonly patch: readonly PatchOperation[];
    }
  | {
      readonly type: "denied";
      readonly violations: readonly Violation[];
      readonly warnings: readonly Warning[];
      /** Violations found but not described (past the listing cap of README "HTTP API"). */
      readonly omitted?: number;
    }
  | { readonly type: "failed"; readonly failures: readonly RuleFailure[]; readonly warnings: readonly Warning[] };

export const allowed = (warnings: readonly Warning[] = [], patch: readonly PatchOperation[] = []): Verdict => ({ type: "allowed", warnings, patch });
