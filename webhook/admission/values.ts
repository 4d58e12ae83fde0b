// Small helpers for JSON values of unknown shape (objects arrive from the network).
import { isDeepStrictEqual } from "node:util";

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Equal as JSON documents (undefined and missing are the same). */
export const sameJSON = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);
