// fast-check arbitraries for admission fuzzing: AdmissionReview bodies that range from exact to
// absurd, objects of the three kinds mutated from valid ones, and the "cluster state" the reference
// resolver answers from. Every generated body is JSON text: what the server and admit() see is
// exactly what JSON.parse makes of it (`__proto__` keys included, as own properties).
import fc from "fast-check";
import {
  admissionReview,
  CNP_API_VERSION,
  CNP_GROUP,
  completedBackup,
  REVIEW_API_VERSION,
  validCluster,
  validObject,
  type Json,
  type JsonObject,
  type Kind,
} from "./objects.js";

const KINDS: readonly Kind[] = ["Cluster", "Backup", "ScheduledBackup"];

/** Sets `key` as an own, enumerable property even when it is `__proto__`. */
function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const fromEntries = (entries: readonly (readonly [string, Json])[]): JsonObject => {
  const o: JsonObject = {};
  for (const [k, v] of entries) setKey(o, k, v);
  return o;
};

// ---- leaves ---------------------------------------------------------------------------------

/** Field names of the three kinds and of the envelope: extra fields that land where rules look. */
const FIELD_NAMES = [
  "apiVersion",
  "kind",
  "metadata",
  "name",
  "namespace",
  "labels",
  "annotations",
  "spec",
  "status",
  "instances",
  "imageName",
  "postgresql",
  "parameters",
  "pg_hba",
  "bootstrap",
  "initdb",
  "fullRecovery",
  "backup",
  "database",
  "owner",
  "secret",
  "storage",
  "size",
  "storageClass",
  "pvcTemplate",
  "resources",
  "requests",
  "barmanObjectStore",
  "destinationPath",
  "endpointURL",
  "serverName",
  "s3Credentials",
  "accessKeyId",
  "secretAccessKey",
  "sessionToken",
  "key",
  "wal",
  "data",
  "compression",
  "encryption",
  "jobs",
  "immediateCheckpoint",
  "cluster",
  "schedule",
  "suspend",
  "phase",
  "error",
  "request",
  "uid",
  "operation",
  "object",
  "oldObject",
  "dryRun",
  "userInfo",
  "options",
  "superuserSecret",
  "imagePullSecrets",
  "affinity",
  "primaryUpdateStrategy",
  "nodeMaintenanceWindow",
  "endpointUrl",
];
const PROTO_KEYS = ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

const SURROGATES = 0xe000 - 0xd800;
/**
 * fast-check's `unit: "binary"`: one code point, any but the surrogates, the n-th one drawn for index n as
 * its mapToConstant numbers them. Its own unit builds a map of all 1.1 million code points on first use
 * (about 2 s of CPU in every process that generates strings); this one computes the index instead.
 */
export const binaryUnit: fc.Arbitrary<string> = fc.nat({ max: 0x10ffff - SURROGATES }).map(
  (n) => String.fromCodePoint(n < 0xd800 ? n : n + SURROGATES),
  (value) => {
    const point = typeof value === "string" ? value.codePointAt(0) : undefined;
    if (point === undefined || String.fromCodePoint(point) !== value || (point >= 0xd800 && point < 0xe000)) throw new Error("not one code point");
    return point < 0xd800 ? point : point - SURROGATES;
  },
);

/** Short strings of every flavour: ASCII, any code point, lone surrogates, control characters, look-alikes of valid values. */
const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 3, arbitrary: fc.string({ unit: binaryUnit, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-composite", maxLength: 6 }) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.oneof(loneSurrogate, fc.constantFrom("\u0000", "\n", "\t", " ", "\u202e", "\ufeff", "/", "~", ".", "-", "%00")), { maxLength: 6 })
      .map((a) => a.join("")),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "",
      " ",
      "CREATE",
      "UPDATE",
      "DELETE",
      "CONNECT",
      "Cluster",
      "Backup",
      "ScheduledBackup",
      CNP_API_VERSION,
      CNP_GROUP,
      REVIEW_API_VERSION,
      "admission.k8s.io/v1beta1",
      "AdmissionReview",
      "s3://",
      "s3://b",
      "s3://BUCKET_NAME/path",
      "s3://my bucket",
      "s3://1.2.3.4/x",
      "s3://a/b?c#d",
      "http://",
      "https://",
      "http://minio:9000",
      "http://[::1",
      "ftp://x",
      "bucket.us-east1.linodeobjects.com",
      "SHA256",
      "AES256",
      "aws:kms",
      "gzip",
      "bzip2",
      "latest",
      "postgres:latest",
      "postgres:13",
      "postgres:",
      "postgres:9.6",
      "quay.io/enterprisedb/postgresql:13.2@sha256:abc",
      ":13",
      "0",
      "-1",
      "1e3",
      "1e999",
      "1Gi",
      "-1Gi",
      "0Gi",
      "500M",
      "1.5Ti",
      "Infinity",
      "NaN",
      "* * * * *",
      "0 0 0 30 2 *",
      "@every 0s",
      "@every -1h",
      "@every 1h30m",
      "@every 1ns",
      "@yearly",
      "0 0 * * *",
      "*/0 * * * * *",
      "60 * * * * *",
      "0 0 0 * * 7",
      "jan-dec",
      "sun-sat",
      "?",
      "a-b/c",
      "ssl_cert_file",
      "recovery_target_time",
      "archive_command",
      "completed",
      "failed",
      "running",
      "started",
      "__proto__",
      "constructor",
    ),
  },
);

/** Large strings, built by repetition (cheap to generate): up to `max` characters. */
const hugeString = (max: number): fc.Arbitrary<string> =>
  fc
    .tuple(fc.oneof(fc.string({ minLength: 1, maxLength: 4 }), fc.constantFrom("a", "é", "\u{1F418}", "\\", '"', "\ud800")), fc.integer({ min: 1_000, max }))
    .map(([s, n]) => s.repeat(Math.max(1, Math.floor(n / s.length))));

const anyKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) },
  { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 3, arbitrary: anyString },
);

const anyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -0, 1, -1, 2, 1.5, 0.1, 2 ** 31, 2 ** 31 - 1, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER + 2, 1e21, 1e308, -1e308, 5e-324),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const leaf: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: anyString },
  { weight: 2, arbitrary: anyNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** Any JSON value, shallow by default. */
const anyJson: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 5, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(fc.tuple(anyKey, tie("value")), { maxLength: 4 }).map(fromEntries) },
  ),
})).value;

/**
 * Deep nesting: arrays or objects `depth` levels deep, a stack-depth test for every recursive walker.
 * Generated as a marker string that `expandDeep` turns into nested JSON text once the body is
 * serialized: JSON.stringify and structuredClone in the generator would overflow first otherwise.
 */
const deeplyNested = (maxDepth: number): fc.Arbitrary<Json> =>
  fc
    .tuple(fc.integer({ min: 20, max: Math.max(20, maxDepth) }), fc.constantFrom("array", "object", "mixed"))
    .map(([depth, shape]) => `\u0000DEEP:${depth}:${shape}\u0000`);

const DEEP_MARKER = /"\\u0000DEEP:(\d+):(array|object|mixed)\\u0000"/g;

/** Replaces every deep-nesting marker in a JSON text by the nesting it stands for. */
function expandDeep(text: string): string {
  return text.replace(DEEP_MARKER, (_m, d: string, shape: string) => {
    const depth = Number(d);
    if (shape === "array") return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
    if (shape === "object") return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    const open: string[] = [];
    const close: string[] = [];
    for (let i = 0; i < depth; i++) {
      open.push(i % 2 ? '{"spec":' : "[");
      close.push(i % 2 ? "}" : "]");
    }
    return `${open.join("")}null${close.reverse().join("")}`;
  });
}

// ---- mutations of valid objects ---------------------------------------------------------------

type Path = readonly (string | number)[];

/** Paths to the values inside `root` (root excluded) down to `maxDepth` levels, in document order. */
function pathsOf(root: Json, maxDepth = 24): Path[] {
  const out: Path[] = [];
  const walk = (v: Json, p: Path): void => {
    if (p.length >= maxDepth) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        out.push([...p, i]);
        walk(x, [...p, i]);
      });
    } else if (v !== null && typeof v === "object") {
      for (const k of Object.keys(v)) {
        out.push([...p, k]);
        walk(v[k]!, [...p, k]);
      }
    }
  };
  walk(root, []);
  return out;
}

function containerAt(root: Json, p: Path): Json | undefined {
  let cur: Json | undefined = root;
  for (const k of p) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, Json>)[k];
  }
  return cur;
}

export type Mutation =
  | { readonly op: "delete"; readonly at: number }
  | { readonly op: "replace"; readonly at: number; readonly value: Json }
  | { readonly op: "retype"; readonly at: number; readonly how: Retype }
  | { readonly op: "add"; readonly at: number; readonly key: string; readonly value: Json };

type Retype = "toString" | "toNumber" | "toArray" | "toObject" | "toNull" | "toBool" | "toEmpty" | "wrapArray" | "stringify";

const retype = (v: Json, how: Retype): Json => {
  switch (how) {
    case "toString":
      return typeof v === "string" ? `${v}x` : (JSON.stringify(v) ?? "");
    case "toNumber":
      return typeof v === "number" ? -v - 1 : typeof v === "string" ? Number(v) || v.length : 7;
    case "toArray":
      return Array.isArray(v) ? [] : v !== null && typeof v === "object" ? Object.values(v) : [v];
    case "toObject":
      return Array.isArray(v) ? fromEntries(v.map((x, i) => [String(i), x] as const)) : v !== null && typeof v === "object" ? {} : fromEntries([["value", v]]);
    case "toNull":
      return null;
    case "toBool":
      return typeof v === "boolean" ? !v : Boolean(v);
    case "toEmpty":
      return Array.isArray(v) ? [] : v !== null && typeof v === "object" ? {} : typeof v === "string" ? "" : 0;
    case "wrapArray":
      return [v];
    case "stringify":
      return JSON.stringify(v) ?? "null";
  }
};

/** Applies mutations to a deep copy; each `at` picks one of the paths present at that moment. */
function mutate(original: Json, mutations: readonly Mutation[]): Json {
  let root: Json = structuredClone(original);
  for (const m of mutations) {
    const paths = pathsOf(root);
    if (m.op === "add") {
      const containers: Path[] = [[], ...paths].filter((p) => {
        const v = p.length ? containerAt(root, p) : root;
        return v !== null && typeof v === "object" && !Array.isArray(v);
      });
      const target = containers[m.at % containers.length];
      const obj = target && (target.length ? containerAt(root, target) : root);
      if (obj && typeof obj === "object" && !Array.isArray(obj)) setKey(obj, m.key, m.value);
      continue;
    }
    if (paths.length === 0) {
      if (m.op === "replace") root = m.value;
      else if (m.op === "retype") root = retype(root, m.how);
      continue;
    }
    const p = paths[m.at % paths.length]!;
    const parent = containerAt(root, p.slice(0, -1)) as Record<string | number, Json> | Json[];
    const last = p[p.length - 1]!;
    if (m.op === "delete") {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else delete (parent as Record<string, Json>)[last];
    } else {
      const next = m.op === "replace" ? m.value : retype((parent as Record<string | number, Json>)[last]!, m.how);
      if (Array.isArray(parent)) parent[Number(last)] = next;
      else setKey(parent as Record<string, unknown>, String(last), next);
    }
  }
  return root;
}

export interface MutationOptions {
  /** Largest string a mutation may insert. */
  readonly hugeString: number;
  /** Deepest nesting a mutation may insert. */
  readonly maxDepth: number;
}

export const DEFAULT_MUTATION: MutationOptions = { hugeString: 100_000, maxDepth: 2_000 };

const mutationValue = (o: MutationOptions): fc.Arbitrary<Json> =>
  fc.oneof({ weight: 12, arbitrary: anyJson }, { weight: 1, arbitrary: hugeString(o.hugeString) }, { weight: 1, arbitrary: deeplyNested(o.maxDepth) });

const mutationArb = (o: MutationOptions = DEFAULT_MUTATION): fc.Arbitrary<Mutation> => {
  const at = fc.nat({ max: 10_000 });
  return fc.oneof(
    { weight: 3, arbitrary: fc.record({ op: fc.constant("delete" as const), at }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant("replace" as const), at, value: mutationValue(o) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant("retype" as const),
        at,
        how: fc.constantFrom<Retype>("toString", "toNumber", "toArray", "toObject", "toNull", "toBool", "toEmpty", "wrapArray", "stringify"),
      }),
    },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("add" as const), at, key: anyKey, value: mutationValue(o) }) },
  );
};

/** A valid object of `kind`, or a mutant of one (1–6 mutations at random depths). */
const objectOf = (kind: Kind, o: MutationOptions = DEFAULT_MUTATION): fc.Arbitrary<Json> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(validObject(kind)) },
    { weight: 8, arbitrary: fc.array(mutationArb(o), { minLength: 1, maxLength: 6 }).map((ms) => mutate(validObject(kind), ms)) },
    { weight: 1, arbitrary: fc.oneof(anyJson, fc.constant(validObject(kind === "Cluster" ? "Backup" : "Cluster"))) },
  );

// ---- the world the resolver answers from -------------------------------------------------------

export type WorldLookup<T> = { state: "present"; object: T } | { state: "absent" } | { state: "unknown"; why: string } | { state: "throw" } | { state: "hang" };

export interface World {
  readonly secret: WorldLookup<{ name: string; keys: string[] }>;
  readonly cluster: WorldLookup<Json>;
  readonly backup: WorldLookup<Json>;
}

const lookupOf = <T>(present: fc.Arbitrary<T>): fc.Arbitrary<WorldLookup<T>> =>
  fc.oneof(
    { weight: 10, arbitrary: present.map((object) => ({ state: "present" as const, object })) },
    { weight: 3, arbitrary: fc.constant({ state: "absent" as const }) },
    { weight: 3, arbitrary: anyString.map((why) => ({ state: "unknown" as const, why })) },
    { weight: 1, arbitrary: fc.constant({ state: "throw" as const }) },
    { weight: 1, arbitrary: fc.constant({ state: "hang" as const }) },
  );

const small: MutationOptions = { hugeString: 5_000, maxDepth: 50 };

const worldArb: fc.Arbitrary<World> = fc.record({
  secret: lookupOf(
    fc.record({
      name: fc.constantFrom("aws-creds", "x") as fc.Arbitrary<string>,
      keys: fc.oneof(fc.constant<string[]>(["ACCESS_KEY_ID", "ACCESS_SECRET_KEY"]), fc.array(anyString, { maxLength: 4 })),
    }),
  ),
  cluster: lookupOf(
    fc.oneof(
      fc.constant<Json>(validCluster()),
      fc.array(mutationArb(small), { minLength: 1, maxLength: 4 }).map((ms) => mutate(validCluster(), ms)),
    ),
  ),
  backup: lookupOf(
    fc.oneof(
      fc.constant<Json>(completedBackup()),
      fc.array(mutationArb(small), { minLength: 1, maxLength: 4 }).map((ms) => mutate(completedBackup(), ms)),
    ),
  ),
});

// ---- AdmissionReview bodies ----------------------------------------------------------------------

export interface ReviewCase {
  readonly kind: Kind;
  readonly role: "mutate" | "validate";
  /** The request body as sent. */
  readonly body: string;
  readonly world: World;
}

const OPERATIONS = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom("CREATE", "UPDATE") },
  { weight: 2, arbitrary: fc.constantFrom("DELETE", "CONNECT") },
  { weight: 1, arbitrary: fc.oneof(anyString, fc.constantFrom<Json>("create", "PATCH", 1, null, true, [], {})) },
);

const uidArb: fc.Arbitrary<Json> = fc.oneof(
  { weight: 10, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: anyString },
  { weight: 1, arbitrary: hugeString(50_000) },
  { weight: 1, arbitrary: fc.oneof<fc.Arbitrary<Json>[]>(anyNumber, fc.constant(null), fc.constant([]), fc.constant({}), fc.boolean()) },
);

/**
 * A body built from a well-formed AdmissionReview with random parts changed: the object (mutated
 * or random), operation, uid, request.kind, envelope apiVersion/kind, name/namespace, oldObject, and
 * then (sometimes) generic mutations of the whole envelope.
 */
export const reviewCase = (o: MutationOptions = DEFAULT_MUTATION): fc.Arbitrary<ReviewCase> =>
  fc
    .record({
      kind: fc.constantFrom(...KINDS),
      role: fc.constantFrom("mutate" as const, "validate" as const),
      operation: OPERATIONS,
      uid: uidArb,
      objectKind: fc.oneof({ weight: 9, arbitrary: fc.constant<"same" | Kind>("same") }, { weight: 1, arbitrary: fc.constantFrom(...KINDS) }),
      oldKind: fc.constantFrom<"same" | "none" | "random">("same", "same", "none", "random"),
      requestKind: fc.oneof(
        { weight: 8, arbitrary: fc.constant<"right" | "missing" | Json>("right") },
        { weight: 1, arbitrary: fc.constant<"missing">("missing") },
        {
          weight: 1,
          arbitrary: fc.oneof(
            fc.record({ group: anyString, version: anyString, kind: anyString }),
            fc.record({
              group: fc.constant(CNP_GROUP),
              version: fc.constant("v1alpha1"),
              kind: fc.constantFrom("Cluster", "Backup", "ScheduledBackup", "Pod"),
            }),
            anyJson,
          ),
        },
      ),
      envelope: fc.oneof(
        { weight: 12, arbitrary: fc.constant<"ok" | [Json, Json]>("ok") },
        {
          weight: 1,
          arbitrary: fc.tuple(
            fc.oneof(anyString, fc.constantFrom<Json>("admission.k8s.io/v1beta1", "v1", null, 1)),
            fc.oneof(anyString, fc.constantFrom<Json>("AdmissionReview", "Review", null)),
          ),
        },
      ),
      namespace: fc.oneof(
        { weight: 8, arbitrary: fc.constant<Json | undefined>(undefined) },
        { weight: 1, arbitrary: anyJson },
        { weight: 1, arbitrary: hugeString(20_000) },
      ),
      name: fc.oneof({ weight: 8, arbitrary: fc.constant<Json | undefined>(undefined) }, { weight: 2, arbitrary: anyJson }),
      dryRun: fc.oneof(fc.constant<Json>(false), fc.constant<Json>(true), anyJson),
      envelopeMutations: fc.oneof(
        { weight: 6, arbitrary: fc.constant<Mutation[]>([]) },
        { weight: 1, arbitrary: fc.array(mutationArb(o), { minLength: 1, maxLength: 3 }) },
      ),
      world: worldArb,
    })
    .chain((r) =>
      fc.tuple(objectOf(r.objectKind === "same" ? r.kind : r.objectKind, o), objectOf(r.kind, o), anyJson).map(([object, oldMutant, randomOld]) => {
        const oldObject: Json = r.oldKind === "same" ? oldMutant : r.oldKind === "random" ? randomOld : null;
        const review = admissionReview(object, { kind: r.kind, operation: "CREATE", oldObject }) as { request: JsonObject } & JsonObject;
        const request = review.request;
        request.operation = r.operation;
        request.uid = r.uid;
        request.dryRun = r.dryRun;
        if (r.requestKind === "missing") delete request.kind;
        else if (r.requestKind !== "right") request.kind = r.requestKind;
        if (r.namespace !== undefined) request.namespace = r.namespace;
        if (r.name !== undefined) request.name = r.name;
        if (r.envelope !== "ok") [review.apiVersion, review.kind] = r.envelope;
        const body = r.envelopeMutations.length ? mutate(review, r.envelopeMutations) : review;
        return { kind: r.kind, role: r.role, body: expandDeep(JSON.stringify(body)), world: r.world };
      }),
    );

/** What decodeReview accepts (README "HTTP API"): anything else must get HTTP 400. */
export function isDecodableReview(value: unknown): value is { request: { uid: string } } {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (v.apiVersion !== REVIEW_API_VERSION || v.kind !== "AdmissionReview") return false;
  const r = v.request;
  if (r === null || typeof r !== "object" || Array.isArray(r)) return false;
  const req = r as Record<string, unknown>;
  return typeof req.uid === "string" && req.uid !== "" && typeof req.operation === "string";
}
