// What every install object shares: its labels and the shape of its metadata.
import { NAME } from "../deployment.js";

export type Obj = Record<string, unknown>;

export const labels = { "app.kubernetes.io/name": NAME, "app.kubernetes.io/component": "webhook" } as const;

export const meta = (name: string, namespace?: string, extra: Obj = {}): Obj => ({ name, ...(namespace ? { namespace } : {}), labels, ...extra });
