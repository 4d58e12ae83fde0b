// matchConditions as the kube-apiserver evaluates them: each CEL expression over the AdmissionReview's
// request (`request`, `object`, `oldObject`), with a CEL implementation (@bufbuild/cel). The webhook
// is called only when every condition is true; an error in an expression is thrown, not guessed.
import { isCelError, run, type CelInput } from "@bufbuild/cel";

/** JSON as CEL sees it in the apiserver: objects are maps, whole numbers ints. */
const cel = (v: unknown): CelInput =>
  Array.isArray(v)
    ? v.map(cel)
    : v !== null && typeof v === "object"
      ? new Map(Object.entries(v).map(([k, x]) => [k, cel(x)]))
      : typeof v === "number" && Number.isInteger(v)
        ? BigInt(v)
        : (v as CelInput);

export interface MatchCondition {
  readonly name: string;
  readonly expression: string;
}

/** Whether the apiserver sends `request` to a webhook with these matchConditions (none: always). */
export function called(conditions: readonly MatchCondition[] | undefined, request: Record<string, unknown>): boolean {
  return (conditions ?? []).every(({ expression }) => {
    const result = run(expression, { request: cel(request), object: cel(request["object"] ?? null), oldObject: cel(request["oldObject"] ?? null) });
    if (isCelError(result)) throw result;
    if (typeof result !== "boolean") throw new Error(`${expression} is not a boolean: ${String(result)}`);
    return result;
  });
}
