// Hand-written extremes that random generation reaches rarely or never: bodies at the size limit,
// nesting deep enough to exhaust a recursive walker's stack, prototype keys where rules look.
import { MAX_BODY_BYTES } from "../../webhook/server/app.js";
import { admissionReview, validBackup, validCluster, validScheduledBackup, type Json, type Kind } from "./objects.js";

export interface EdgeCase {
  readonly name: string;
  readonly kind: Kind;
  readonly role: "mutate" | "validate";
  readonly body: string;
  /** HTTP statuses that are correct for this body. */
  readonly statuses: readonly number[];
}

const UID = "0f0e0d0c-0b0a-4909-8807-060504030201";
const review = (object: Json, operation: "CREATE" | "UPDATE" = "CREATE", oldObject: Json = null): string =>
  JSON.stringify(admissionReview(object, { uid: UID, operation, oldObject }));

/** `{"a":{"a":...}}` or `[[...]]` as text, built without recursion. */
const nestedText = (depth: number, shape: "array" | "object", inner = "1"): string =>
  shape === "array" ? `${"[".repeat(depth)}${inner}${"]".repeat(depth)}` : `${'{"a":'.repeat(depth)}${inner}${"}".repeat(depth)}`;

/** A valid Cluster whose open field `where` (a JSON text slot) holds `inner`. */
function clusterWith(
  slot: "pvcTemplate" | "resources" | "annotation-map" | "extra-spec-field" | "object-root" | "parameters",
  inner: string,
  operation = "CREATE",
): string {
  const marker = "\u0000SLOT\u0000";
  const c = validCluster("deep", "app") as Record<string, Json>;
  const spec = c.spec as Record<string, Json>;
  if (slot === "pvcTemplate") spec.storage = { size: "1Gi", pvcTemplate: marker };
  else if (slot === "resources") spec.resources = marker;
  else if (slot === "annotation-map") (c.metadata as Record<string, Json>).annotations = marker;
  else if (slot === "extra-spec-field") spec.unknownDeep = marker;
  else if (slot === "parameters") (spec.postgresql as Record<string, Json>).parameters = marker;
  else c.extra = marker;
  const text = operation === "UPDATE" ? review(c, "UPDATE", c) : review(c);
  return text.split(JSON.stringify(marker)).join(inner);
}

export function edgeCases(): EdgeCase[] {
  const cases: EdgeCase[] = [];
  const add = (name: string, kind: Kind, role: "mutate" | "validate", body: string, statuses: readonly number[] = [200]) =>
    cases.push({ name, kind, role, body, statuses });

  // Size limit: 7 MiB is accepted, one byte more is 413.
  const base = review(validCluster("big", "app"));
  const pad = (target: number): string => {
    const c = validCluster("big", "app") as Record<string, Json>;
    (c.spec as Record<string, Json>).description = "";
    const empty = review(c);
    (c.spec as Record<string, Json>).description = "x".repeat(target - Buffer.byteLength(empty));
    return review(c);
  };
  add("body of exactly 7 MiB (description string)", "Cluster", "validate", pad(MAX_BODY_BYTES));
  add("body of 7 MiB + 1 byte", "Cluster", "validate", pad(MAX_BODY_BYTES + 1), [413]);
  add("body of 20 MiB", "Cluster", "mutate", pad(20 * 1024 * 1024), [413]);
  add("a 3 KB Cluster, as in the benchmark", "Cluster", "validate", base);

  // Deep nesting in every open slot, both roles, CREATE and UPDATE (UPDATE compares old and new).
  for (const depth of [1_000, 10_000, 100_000]) {
    for (const slot of ["pvcTemplate", "resources", "annotation-map", "extra-spec-field", "object-root", "parameters"] as const) {
      for (const role of ["mutate", "validate"] as const) {
        add(`nested ${depth} deep (objects) in ${slot}, ${role}`, "Cluster", role, clusterWith(slot, nestedText(depth, "object")), [200, 400]);
      }
      add(
        `nested ${depth} deep (arrays) in ${slot}, validate UPDATE`,
        "Cluster",
        "validate",
        clusterWith(slot, nestedText(depth, "array"), "UPDATE"),
        [200, 400],
      );
    }
  }
  // Nesting a million levels deep (2 MB); 7 MiB would allow ~3.5 million.
  add(
    "nested 1,000,000 deep arrays as the object",
    "Backup",
    "validate",
    review("\u0000X\u0000").split(JSON.stringify("\u0000X\u0000")).join(nestedText(1_000_000, "array")),
    [200, 400, 413],
  );
  add(
    "nested 1,000,000 deep objects in the envelope",
    "Backup",
    "validate",
    `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"${UID}","operation":"CREATE","x":${nestedText(1_000_000, "object")}}}`,
    [200, 400],
  );

  // Prototype keys where rules read.
  const proto = (where: string) => `{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},${where}}`;
  add("__proto__ / constructor inside spec", "Cluster", "validate", base.replace('"spec":{', `"spec":${proto('"instances":1').slice(0, -1)},`));
  add(
    "__proto__ as the whole spec.backup",
    "Cluster",
    "validate",
    base.replace(/"backup":\{"barmanObjectStore"/, '"backup":{"__proto__":{"barmanObjectStore":{}},"barmanObjectStore"'),
  );
  add(
    "__proto__ in the envelope and request",
    "Backup",
    "validate",
    JSON.stringify(admissionReview(validBackup(), { uid: UID })).replace('"request":{', '"__proto__":{"request":{}},"request":{"__proto__":{"uid":"x"},'),
  );
  add(
    "__proto__ as request.kind",
    "ScheduledBackup",
    "mutate",
    JSON.stringify(admissionReview(validScheduledBackup(), { uid: UID })).replace('"kind":{"group"', '"kind":{"__proto__":{},"group"'),
  );
  add(
    "__proto__ in postgresql.parameters",
    "Cluster",
    "validate",
    base.replace('"parameters":{', '"parameters":{"__proto__":"x","constructor":"y","ssl":"on",'),
  );
  add("__proto__ as a Secret name", "Cluster", "validate", base.replace(/"accessKeyId":\{"name":"[^"]*"/, '"accessKeyId":{"name":"__proto__"'));
  add("constructor as the Backup's cluster", "Backup", "validate", JSON.stringify(admissionReview(validBackup("b", "app", "constructor"), { uid: UID })));
  add(
    "__proto__ as the recovery Backup name",
    "Cluster",
    "validate",
    base.replace('"bootstrap":{"initdb":{"database":"orders","owner":"orders"}}', '"bootstrap":{"fullRecovery":{"backup":{"name":"__proto__"}}}'),
  );

  // Numbers at the edges, where strings belong, and strings where numbers belong.
  add("instances 1e308", "Cluster", "validate", base.replace('"instances":3', '"instances":1e308'));
  add("instances 1e999 (Infinity in JSON text)", "Cluster", "validate", base.replace('"instances":3', '"instances":1e999'));
  add("instances -0", "Cluster", "validate", base.replace('"instances":3', '"instances":-0'));
  add("jobs 2^53+1", "Cluster", "validate", base.replace('"compression":"bzip2"', '"compression":"bzip2","jobs":9007199254740993'));
  add("storage.size a number", "Cluster", "validate", base.replace('"size":"50Gi"', '"size":50'));
  add("storage.size 1e400", "Cluster", "validate", base.replace('"size":"50Gi"', '"size":"1e400"'));
  add("storage.size 99999999999999999999999999999Ei", "Cluster", "validate", base.replace('"size":"50Gi"', '"size":"99999999999999999999999999999Ei"'));
  add(
    "UPDATE shrinking to a 1e-400 size",
    "Cluster",
    "validate",
    review({ ...validCluster(), spec: { ...(validCluster().spec as object), storage: { size: "1e-400" } } } as Json, "UPDATE", validCluster()),
  );
  add(
    "imageName with a 100 KB tag",
    "Cluster",
    "validate",
    base.replace('"imageName":"quay.io/enterprisedb/postgresql:13.2"', `"imageName":"x:${"1".repeat(100_000)}"`),
  );
  add(
    "destinationPath of 1 MB",
    "Cluster",
    "validate",
    base.replace('"destinationPath":"s3://acme-pg-backups/orders"', `"destinationPath":"s3://${"a".repeat(1_000_000)}"`),
  );
  add(
    "endpointURL of 1 MB",
    "Cluster",
    "validate",
    base.replace('"endpointURL":"https://s3.eu-west-1.amazonaws.com"', `"endpointURL":"http://${"a.".repeat(500_000)}"`),
  );
  add(
    "schedule with 10,000 fields",
    "ScheduledBackup",
    "validate",
    JSON.stringify(admissionReview(validScheduledBackup(), { uid: UID })).replace('"0 0 2 * * *"', `"${"1-59/2,".repeat(1500)}1 ${"* ".repeat(10_000)}"`),
  );
  add(
    "schedule @every with a 100 KB duration",
    "ScheduledBackup",
    "validate",
    JSON.stringify(admissionReview(validScheduledBackup(), { uid: UID })).replace('"0 0 2 * * *"', `"@every ${"1h".repeat(50_000)}"`),
  );
  add(
    "schedule ranges of 10^20",
    "ScheduledBackup",
    "validate",
    JSON.stringify(admissionReview(validScheduledBackup(), { uid: UID })).replace('"0 0 2 * * *"', '"0 0 0-99999999999999999999/1 * * *"'),
  );
  add("1,000,000 warnings worth of pg_hba", "Cluster", "validate", base.replace('"pg_hba":[', `"pg_hba":[${'"x",'.repeat(1_000_000)}`));
  add(
    "10,000 parameters, all managed (a 2.6 MB denial)",
    "Cluster",
    "validate",
    base.replace('"parameters":{', `"parameters":{${Array.from({ length: 10_000 }, (_, i) => `"ssl_${i}":"on"`).join(",")},`),
  );
  return cases;
}
