// Every object of one kind, in all namespaces or in one, read in pages (`limit`/`continue`) as kubectl
// and client-go's pager do, so that a cluster with thousands of objects is never held in one answer.
import { API_VERSION, GROUP, KINDS, VERSION, type KindName } from "../../schemas/kinds.js";
import { isRecord } from "../formats/json.js";
import { ApiError, type KubeApi } from "../references/api.js";

/** The REST path of a CNP kind's collection: all namespaces, or one. */
export function kindCollectionPath(kind: KindName, namespace?: string): string {
  const plural = KINDS.find((k) => k.kind === kind)!.plural;
  return namespace === undefined ? `/apis/${GROUP}/${VERSION}/${plural}` : `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${plural}`;
}

/** What a list answered: the pages read (a restart after an expired token included). */
export interface ListStats {
  pages: number;
  restarts: number;
}

/**
 * Calls `onPage` with each page's items, in the API server's order. A `continue` token that expired
 * between pages (410) starts the list over; objects already handed out are skipped by namespace and
 * name, so each is seen once. Throws ApiError (403, 404, 5xx) or the socket's error.
 */
export async function listPages(
  api: Pick<KubeApi, "getJSON">,
  kind: KindName,
  opts: { namespace?: string; pageSize: number; signal: AbortSignal },
  onPage: (items: Record<string, unknown>[]) => Promise<void>,
): Promise<ListStats> {
  const path = kindCollectionPath(kind, opts.namespace);
  const seen = new Set<string>();
  const stats: ListStats = { pages: 0, restarts: 0 };
  let token: string | undefined;
  for (;;) {
    let body: unknown;
    try {
      body = await api.getJSON(path, opts.signal, { limit: String(opts.pageSize), continue: token });
    } catch (err) {
      if (token !== undefined && err instanceof ApiError && err.code === 410) {
        stats.restarts++;
        token = undefined;
        continue;
      }
      throw err;
    }
    stats.pages++;
    const listed: unknown[] = isRecord(body) && Array.isArray(body.items) ? body.items : [];
    const items = listed.filter(isRecord).map(
      (item): Record<string, unknown> => ({
        // A list's items carry neither apiVersion nor kind (the list does): the admission needs both.
        ...item,
        apiVersion: API_VERSION,
        kind,
      }),
    );
    const fresh = items.filter((item) => {
      const m = isRecord(item.metadata) ? item.metadata : {};
      const key = `${String(m.namespace)}/${String(m.name)}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    if (fresh.length > 0) await onPage(fresh);
    const metadata = isRecord(body) && isRecord(body.metadata) ? body.metadata : {};
    token = typeof metadata.continue === "string" && metadata.continue !== "" ? metadata.continue : undefined;
    if (token === undefined) return stats;
  }
}
