// Fields the Kubernetes API does not know, found with the models that @kubernetes/client-node generates
// from the upstream OpenAPI document (each model's attribute map). kubernetes-models checks types,
// enums and required fields but lets an unknown (misspelt) field through, which the apiserver would
// refuse under kubectl's strict field validation or silently drop.
import * as k8s from "@kubernetes/client-node";

type AttributeMap = readonly { readonly baseName: string; readonly type: string }[];
const models = k8s as unknown as Record<string, { getAttributeTypeMap?: () => AttributeMap } | undefined>;

const ARRAY = /^Array<(.+)>$/;
const MAP = /^\{ \[key: string\]: (.+); \}$/;

function walk(value: unknown, type: string, path: string, found: string[]): void {
  if (value === null || value === undefined) return;
  const array = ARRAY.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, array[1]!, `${path}[${i}]`, found));
    return;
  }
  const map = MAP.exec(type);
  if (map) {
    if (typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, map[1]!, `${path}.${k}`, found);
    return;
  }
  const attributes = models[type]?.getAttributeTypeMap?.();
  if (!attributes || typeof value !== "object" || Array.isArray(value)) return; // a scalar, IntOrString, any
  for (const [key, v] of Object.entries(value)) {
    const attribute = attributes.find((a) => a.baseName === key);
    if (!attribute) found.push(path ? `${path}.${key}` : key);
    else walk(v, attribute.type, path ? `${path}.${key}` : key, found);
  }
}

/** The client-node model of a built-in object (`apps/v1` Deployment → V1Deployment), if there is one. */
function modelOf(apiVersion: string, kind: string): string | undefined {
  const version = apiVersion.split("/").pop() ?? "";
  const name = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  return models[name]?.getAttributeTypeMap ? name : undefined;
}

/** Paths of the fields of `object` that its Kubernetes type does not have; [] for an unknown kind. */
export function unknownFields(object: { apiVersion: string; kind: string }): string[] {
  const model = modelOf(object.apiVersion, object.kind);
  const found: string[] = [];
  if (model) walk(object, model, "", found);
  return found;
}
