// The rule catalog, derived from the registry: every rule of every kind, plus each kind's schema.
// The README's rule table, `cnp-webhook rules` and SARIF output all read this one list.
import { KINDS } from "../../schemas/kinds.js";
import { schemaRule } from "./defaulting.js";
import type { CatalogEntry, Registry } from "./rule.js";

export function catalog(registry: Registry): CatalogEntry[] {
  return KINDS.flatMap(({ kind }): CatalogEntry[] => [
    {
      id: schemaRule(kind),
      kind,
      severity: "deny",
      summary: `the ${kind} schema: types, required fields, enums, bounds, and fields the API does not know`,
      protects: "the apiserver refusing the object, or silently dropping a misspelt field the operator then never sees",
      source: `schemas/${kind.toLowerCase()}.schema.json, as the apiserver validates and prunes a custom resource`,
    },
    ...registry[kind].rules.map(({ id, severity, summary, protects, source }) => ({ id, kind, severity, summary, protects, source })),
  ]);
}
