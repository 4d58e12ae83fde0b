// What a rule reports: apimachinery field errors (deny) and warnings (admit, tell the user).
import type { FieldError, FieldPath } from "./field.js";

export type Finding =
  | { readonly severity: "error"; readonly error: FieldError }
  | {
      readonly severity: "warning";
      readonly field: string;
      readonly message: string;
      /** The denial this warning becomes under --strict-references (absent or unverifiable references). */
      readonly strict?: FieldError;
    };

export const deny = (error: FieldError): Finding => ({ severity: "error", error });
export const warn = (path: FieldPath, message: string): Finding => ({ severity: "warning", field: path.toString(), message });

/** A reference that is absent or could not be verified: a warning, or a denial when strict. */
export function referenceWarning(path: FieldPath, value: unknown, message: string, type: "NotFound" | "Invalid" = "NotFound"): Finding {
  const field = path.toString();
  return { severity: "warning", field, message, strict: { type, field, value, detail: message } };
}
