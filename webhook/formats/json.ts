// Small helpers for JSON values of unknown shape (objects arrive from the network).
import { isDeepStrictEqual } from "node:util";

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Equal as JSON documents (undefined and missing are the same). */
export const sameJSON = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);

/**
 * A deep copy of a JSON tree (what JSON.parse or the YAML reader made), several times cheaper than
 * structuredClone on the admission path. Plain objects and arrays are copied; anything else (strings,
 * numbers, a YAML timestamp) is shared. A "__proto__" key stays an own property, as JSON.parse made it.
 * Depth is bounded before this runs (admission/bounds.ts).
 */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneJson) as T;
  if (typeof value !== "object" || value === null) return value;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const child = cloneJson((value as Record<string, unknown>)[key]);
    if (key === "__proto__") Object.defineProperty(out, key, { value: child, enumerable: true, writable: true, configurable: true });
    else out[key] = child;
  }
  return out as T;
}

/** How big a JSON value is, measured in one walk without recursion (deep values exhaust no stack). */
export interface JsonSize {
  /** About the bytes of its JSON text (UTF-16 code units of strings: exact for ASCII, never more). */
  readonly bytes: number;
  /** Object members and array items, at every level. */
  readonly nodes: number;
  readonly depth: number;
  /** The container with the most members or items, and its path from the root. */
  readonly widest: { readonly path: readonly (string | number)[]; readonly count: number };
}

export interface JsonLimits {
  readonly maxBytes: number;
  readonly maxNodes: number;
  readonly maxDepth: number;
}

interface Frame {
  readonly value: unknown;
  readonly depth: number;
  readonly parent: Frame | undefined;
  readonly key: string | number | undefined;
}

const pathOf = (frame: Frame | undefined): (string | number)[] => {
  const path: (string | number)[] = [];
  for (let f = frame; f?.key !== undefined; f = f.parent) path.unshift(f.key);
  return path;
};

const scalarBytes = (v: unknown): number => (typeof v === "string" ? v.length + 2 : typeof v === "number" ? String(v).length : v === true ? 4 : 5);

/**
 * Measures `value`, stopping early once any of `limits` is passed: the caller learns it is too big
 * without paying for all of it.
 */
export function measureJson(value: unknown, limits: JsonLimits): JsonSize {
  let bytes = 0;
  let nodes = 0;
  let depth = 0;
  let widest: { frame: Frame | undefined; count: number } = { frame: undefined, count: 0 };
  const stack: Frame[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  while (stack.length > 0 && bytes <= limits.maxBytes && nodes <= limits.maxNodes && depth <= limits.maxDepth) {
    const frame = stack.pop() as Frame;
    const node = frame.value;
    if (typeof node !== "object" || node === null) {
      bytes += scalarBytes(node);
      continue;
    }
    depth = Math.max(depth, frame.depth + 1);
    const keys = Array.isArray(node) ? undefined : Object.keys(node);
    const count = keys ? keys.length : (node as unknown[]).length;
    nodes += count;
    bytes += 2 + count;
    if (count > widest.count) widest = { frame, count };
    if (nodes > limits.maxNodes) break; // too wide already: its members are never visited
    if (keys) {
      const record = node as Record<string, unknown>;
      for (const key of keys) {
        bytes += key.length + 3;
        stack.push({ value: record[key], depth: frame.depth + 1, parent: frame, key });
      }
    } else {
      (node as unknown[]).forEach((child, i) => stack.push({ value: child, depth: frame.depth + 1, parent: frame, key: i }));
    }
  }
  return { bytes, nodes, depth, widest: { path: pathOf(widest.frame), count: widest.count } };
}
