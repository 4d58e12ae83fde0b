// Manifests written for the early draft of the API (seed 001: group postgresql.k8s.2ndq.io, the
// object store flat under spec.backup, encryption SHA256) rewritten to the documented one, with the
// yaml Document API so that comments, key order and untouched documents stay as they were.
import { isMap, isScalar, parseAllDocuments, YAMLMap, type Document, type Pair, type Scalar } from "yaml";
import { API_VERSION, DRAFT_API_VERSION } from "../../schemas/kinds.js";

/** What was changed in one document, for the summary. */
export interface Migrated {
  readonly index: number;
  readonly kind: string;
  readonly name: string;
  readonly changes: readonly string[];
}

const SHA256_NOTE =
  " was SHA256 in the early draft: a hash, not an encryption; barman-cloud accepts AES256 or aws:kms (cnp-webhook migrate; check the bucket's setting)";

const keyOf = (pair: Pair): unknown => (isScalar(pair.key) ? pair.key.value : pair.key);

/** Moves everything under spec.backup except barmanObjectStore into spec.backup.barmanObjectStore. */
function nestObjectStore(doc: Document, changes: string[]): void {
  const backup = doc.getIn(["spec", "backup"], true);
  if (!isMap(backup)) return;
  const flat = backup.items.filter((p) => keyOf(p) !== "barmanObjectStore");
  if (flat.length === 0) return;
  const existing = backup.items.find((p) => keyOf(p) === "barmanObjectStore");
  const store = existing && isMap(existing.value) ? existing.value : new YAMLMap();
  store.items.push(...flat);
  backup.items = [existing ?? doc.createPair("barmanObjectStore", store)];
  if (existing && !isMap(existing.value)) existing.value = store;
  changes.push(`spec.backup.{${flat.map((p) => String(keyOf(p))).join(",")}} → spec.backup.barmanObjectStore`);
}

/** `encryption: SHA256` (wal and data) becomes AES256, with a comment that says why. */
function replaceSha256(doc: Document, changes: string[]): void {
  for (const section of ["wal", "data"]) {
    const path = ["spec", "backup", "barmanObjectStore", section, "encryption"];
    const node = doc.getIn(path, true) as Scalar | undefined;
    if (!isScalar(node) || node.value !== "SHA256") continue;
    node.value = "AES256";
    node.comment = SHA256_NOTE;
    changes.push(`${path.join(".")} SHA256 → AES256`);
  }
}

/** Rewrites one document in place; the changes made, none when it is not the draft's. */
function migrateDocument(doc: Document): string[] {
  const apiVersion = doc.get("apiVersion", true);
  if (!isScalar(apiVersion) || apiVersion.value !== DRAFT_API_VERSION) return [];
  const changes = [`apiVersion ${DRAFT_API_VERSION} → ${API_VERSION}`];
  apiVersion.value = API_VERSION;
  if (doc.get("kind") === "Cluster") {
    nestObjectStore(doc, changes);
    replaceSha256(doc, changes);
  }
  return changes;
}

/** Whether the text writes sequences at their key's indentation (`key:\n- a`), as kubectl prints them. */
const compactSequences = (text: string): boolean => /^( *)[^\s#-][^\n]*:[ \t]*\n\1- /m.test(text);

/**
 * The text with every early-draft document rewritten; other documents are kept byte for byte.
 * `text` is unchanged (and `migrated` empty) when nothing is from the draft. YAML errors are thrown.
 */
export function migrateText(text: string): { text: string; migrated: Migrated[] } {
  const docs = parseAllDocuments(text, { version: "1.1", logLevel: "silent" });
  const list = Array.isArray(docs) ? docs : [docs];
  const broken = list.find((d) => d.errors.length > 0)?.errors[0];
  if (broken) throw new Error(broken.message.split("\n")[0]);
  const migrated: Migrated[] = [];
  const indentSeq = !compactSequences(text);
  const parts = list.map((doc, i) => {
    const start = i === 0 ? 0 : (doc.range[0] ?? 0);
    const end = list[i + 1]?.range[0] ?? text.length;
    const changes = migrateDocument(doc);
    if (changes.length === 0) return text.slice(start, end);
    const metadata = doc.get("metadata");
    migrated.push({ index: i, kind: String(doc.get("kind") ?? ""), name: isMap(metadata) ? String(metadata.get("name") ?? "") : "", changes });
    return doc.toString({ indentSeq, lineWidth: 0 });
  });
  return { text: migrated.length > 0 ? parts.join("") : text, migrated };
}
