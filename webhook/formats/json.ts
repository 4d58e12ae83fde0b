// Small helpers for JSON values of unknown shape (objects arrive from the network).
import { isDeepStrictEqual } from "node:util";

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Equal as JSON documents (undefined and missing are the same). */
export const sameJSON = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);

/**
 * Whether `value` nests deeper than `limit` objects/arrays, checked without recursion. Deeper
 * documents are refused at the edges: copying, comparing or printing them would exhaust the stack.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth >= limit) return true;
    for (const child of Object.values(node)) if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/** Far beyond any real manifest, far below what the stack can take. */
export const MAX_NESTING = 512;
