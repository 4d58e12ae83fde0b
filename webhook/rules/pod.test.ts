// The instance Pod and claim release 0.5 builds from a Cluster (cnp v0.5.0 pkg/specs/pods.go,
// pkg/specs/pvcs.go), judged as Kubernetes judges them: each bad case denied with the apiserver's (or
// the kubelet's) reason on the Cluster's own field, its good twin admitted.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { admissionOptions, check, CREDS_KEYS, CREDS_SECRET, judge, validCluster, withField, type CheckOptions } from "../../tools/testkit/admission.js";
import { admissionReview } from "../../tools/testkit/review.js";
import { handle } from "../admission/handler.js";
import { route } from "../routes.js";
import { RULES } from "./registry.js";

const state = { secrets: { [CREDS_SECRET]: CREDS_KEYS } };
const resources = (r: object) => withField(validCluster(), "spec.resources", r);
const template = (t: object) => withField(validCluster(), "spec.storage.pvcTemplate", t);

/** Exactly these errors, each [rule, type, field], and no warnings. */
const denied = async (object: unknown, errors: [string, string, string][], opts: CheckOptions = {}) =>
  assert.deepEqual(await judge("Cluster", object, { state, ...opts }), { denied: errors, warned: [] });
/** `field: message` lines, as apimachinery prints them. */
const errorsOf = async (object: unknown, opts: CheckOptions = {}) => (await check("Cluster", object, { state, ...opts })).errors;
const admitted = async (object: unknown, opts: CheckOptions = {}) =>
  assert.deepEqual(await judge("Cluster", object, { state, ...opts }), { denied: [], warned: [] });

describe("cluster/resources: the postgres container's resources (pods.go:458) as kubernetes ValidateContainerResourceRequirements judges them", () => {
  test("a request above its limit is denied in the apiserver's words; at or below it, admitted, compared exactly", async () => {
    assert.deepEqual(await errorsOf(resources({ requests: { cpu: "2" }, limits: { cpu: "1" } })), [
      'spec.resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1',
    ]);
    await denied(resources({ requests: { memory: "1025Mi" }, limits: { memory: "1Gi" } }), [
      ["cluster/resources", "Invalid", "spec.resources.requests[memory]"],
    ]);
    // The same quantity spelled three ways, and milli-units: equal is admitted (a float compare says 1100m > 1.1).
    await admitted(resources({ requests: { memory: "1024Mi", cpu: "1100m" }, limits: { memory: "1Gi", cpu: "1.1" } }));
    await admitted(resources({ requests: { memory: 1073741824, cpu: "500m" }, limits: { memory: "1Gi", cpu: 1 } }));
  });

  test("storage is a resource name, but not a container's: 'must be a standard resource for containers' (validateContainerResourceName)", async () => {
    assert.deepEqual(await errorsOf(resources({ requests: { storage: "1Gi" } })), [
      'spec.resources.requests[storage]: Invalid value: "storage": must be a standard resource for containers',
    ]);
    await admitted(resources({ requests: { "ephemeral-storage": "1Gi" }, limits: { "ephemeral-storage": "2Gi" } }));
  });

  test("a name that is no resource at all gets both of validateResourceName's and validateContainerResourceName's errors", async () => {
    assert.deepEqual(await errorsOf(resources({ limits: { gpu: "1" } })), [
      'spec.resources.limits[gpu]: Invalid value: "gpu": must be a standard resource type or fully qualified',
      'spec.resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
    ]);
    const badName = await errorsOf(resources({ limits: { "requests.example.com/gpu": "1" } }));
    assert.deepEqual(badName, [
      'spec.resources.limits[requests.example.com/gpu]: Invalid value: "requests.example.com/gpu": doesn\'t follow extended resource name standard',
    ]);
    await admitted(resources({ limits: { "example.com/gpu": "1" } }));
  });

  test("extended resources (helper.IsOvercommitAllowed is false): whole numbers, a limit, and a request equal to it", async () => {
    assert.deepEqual(await errorsOf(resources({ requests: { "example.com/gpu": "1" }, limits: { "example.com/gpu": "2" } })), [
      'spec.resources.requests[example.com/gpu]: Invalid value: "1": must be equal to example.com/gpu limit of 2',
    ]);
    assert.deepEqual(await errorsOf(resources({ requests: { "example.com/gpu": "1" } })), [
      "spec.resources.limits[example.com/gpu]: Required value: Limit must be set for non overcommitable resources",
    ]);
    assert.deepEqual(await errorsOf(resources({ limits: { "example.com/gpu": "500m" } })), [
      'spec.resources.limits[example.com/gpu]: Invalid value: "500m": must be an integer',
    ]);
    // The Pod's defaulting copies a limit into a missing request, so a limit alone is enough.
    await admitted(resources({ requests: { "example.com/gpu": "2" }, limits: { "example.com/gpu": 2 } }));
  });

  test("negative quantities (ValidateNonnegativeQuantity): a string or a JSON integer", async () => {
    assert.deepEqual(await errorsOf(resources({ limits: { memory: "-1Gi", cpu: -1 } })), [
      'spec.resources.limits[memory]: Invalid value: "-1Gi": must be greater than or equal to 0',
      "spec.resources.limits[cpu]: Invalid value: -1: must be greater than or equal to 0",
    ]);
    await admitted(resources({ limits: { memory: "0", cpu: 0 } }));
  });

  test("hugepages: whole pages, a request equal to the limit, and cpu or memory beside them", async () => {
    assert.deepEqual(await errorsOf(resources({ limits: { "hugepages-2Mi": "3Mi", memory: "1Gi" } })), [
      'spec.resources.limits[hugepages-2Mi]: Invalid value: "3Mi": 3Mi is not positive integer multiple of hugepages-2Mi',
    ]);
    await denied(resources({ requests: { "hugepages-2Mi": "2Mi", memory: "1Gi" }, limits: { "hugepages-2Mi": "4Mi", memory: "1Gi" } }), [
      ["cluster/resources", "Invalid", "spec.resources.requests[hugepages-2Mi]"],
    ]);
    assert.deepEqual(await errorsOf(resources({ limits: { "hugepages-1Gi": "2Gi" } })), ["spec.resources: Forbidden: HugePages require cpu or memory"]);
    await admitted(resources({ limits: { "hugepages-2Mi": "4Mi", memory: "1Gi" } }));
  });

  test("a quantity the CRD's pattern lets through and Go's ParseQuantity refuses: release 0.5 cannot even decode the Cluster", async () => {
    assert.deepEqual(await errorsOf(resources({ limits: { cpu: "1e1.5" } })), [
      "spec.resources.limits[cpu]: Invalid value: \"1e1.5\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': release 0.5 cannot decode the Cluster",
    ]);
    await admitted(resources({ limits: { cpu: "1e1" } }));
  });

  test("what the schema already refuses (the CRD's pattern) is the schema's alone", async () => {
    await denied(resources({ limits: { cpu: "two" } }), [["cluster/schema", "Invalid", "spec.resources.limits.cpu"]]);
  });

  test("UPDATE: lowering a limit under an unchanged request is denied on the limit, so that ratcheting cannot let it through", async () => {
    const old = resources({ requests: { cpu: "1" }, limits: { cpu: "2" } });
    const lowered = withField(old, "spec.resources.limits", { cpu: "500m" });
    assert.deepEqual(await errorsOf(lowered, { operation: "UPDATE", old }), [
      'spec.resources.limits[cpu]: Invalid value: "500m": must be greater than or equal to cpu request of 1',
    ]);
    // A Cluster stored with the problem stays updatable (README "Rules", ratcheting).
    const stored = resources({ requests: { cpu: "2" }, limits: { cpu: "1" } });
    const v = await check("Cluster", withField(stored, "metadata.labels", { team: "a" }), { state, operation: "UPDATE", old: stored });
    assert.equal(v.allowed, true);
    assert.deepEqual(
      v.warningFindings.map((w) => [w.rule, w.field]),
      [["cluster/resources", "spec.resources.requests[cpu]"]],
    );
  });
});

describe("cluster/volume-mode: the data volume is mounted with volumeMounts (pods.go:396-400)", () => {
  test("Block is refused by the kubelet, any other word by the apiserver; Filesystem and unset are admitted", async () => {
    assert.deepEqual(await errorsOf(template({ volumeMode: "Block" })), [
      'spec.storage.pvcTemplate.volumeMode: Unsupported value: "Block": supported values: "Filesystem"; release 0.5 mounts the data volume with volumeMounts, and the kubelet refuses a Block volume there ("volume pgdata has volumeMode Block, but is specified in volumeMounts"): the instance never starts',
    ]);
    for (const mode of ["filesystem", ""]) {
      await denied(template({ volumeMode: mode }), [["cluster/volume-mode", "NotSupported", "spec.storage.pvcTemplate.volumeMode"]]);
    }
    await admitted(template({ volumeMode: "Filesystem" }));
    await admitted(template({ accessModes: ["ReadWriteOnce"] }));
  });
});

describe("cluster/pvc-template: the claim pvcs.go:27-74 builds, as kubernetes ValidatePersistentVolumeClaimSpec judges it", () => {
  test("access modes: known ones, ReadWriteOncePod alone; none at all is ReadWriteOnce (pvcs.go:67-71)", async () => {
    assert.deepEqual(await errorsOf(template({ accessModes: ["ReadWriteOnce", "RWO"] })), [
      'spec.storage.pvcTemplate.accessModes[1]: Unsupported value: "RWO": supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
    ]);
    await denied(template({ accessModes: ["ReadWriteOncePod", "ReadWriteOnce"] }), [
      ["cluster/pvc-template", "Forbidden", "spec.storage.pvcTemplate.accessModes"],
    ]);
    for (const accessModes of [[], ["ReadWriteOncePod"], ["ReadWriteOnce", "ReadWriteMany"]]) await admitted(template({ accessModes }));
  });

  test("the class name is a DNS subdomain (ValidateClassName); storage.storageClass replaces the template's (pvcs.go:50-53)", async () => {
    await denied(template({ storageClassName: "Fast_SSD" }), [["cluster/pvc-template", "Invalid", "spec.storage.pvcTemplate.storageClassName"]]);
    await admitted(withField(template({ storageClassName: "Fast_SSD" }), "spec.storage.storageClass", "fast-ssd"));
    await denied(withField(validCluster(), "spec.storage.storageClass", "Fast_SSD"), [["cluster/pvc-template", "Invalid", "spec.storage.storageClass"]]);
    await admitted(template({ storageClassName: "fast-ssd.example.com" }));
  });

  test("the selector as apimachinery ValidateLabelSelector judges it", async () => {
    assert.deepEqual(await errorsOf(template({ selector: { matchLabels: { tier: "gold plated" }, matchExpressions: [{ key: "zone", operator: "In" }] } })), [
      "spec.storage.pvcTemplate.selector.matchLabels[tier]: Invalid value: \"gold plated\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345')",
      "spec.storage.pvcTemplate.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    ]);
    await denied(template({ selector: { matchExpressions: [{ key: "zone", operator: "Exists", values: ["a"] }] } }), [
      ["cluster/pvc-template", "Forbidden", "spec.storage.pvcTemplate.selector.matchExpressions[0].values"],
    ]);
    await denied(template({ selector: { matchExpressions: [{ key: "bad key", operator: "Equals", values: ["a"] }] } }), [
      ["cluster/pvc-template", "Invalid", "spec.storage.pvcTemplate.selector.matchExpressions[0].operator"],
      ["cluster/pvc-template", "Invalid", "spec.storage.pvcTemplate.selector.matchExpressions[0].key"],
    ]);
    await admitted(
      template({ selector: { matchLabels: { tier: "gold" }, matchExpressions: [{ key: "example.com/zone", operator: "NotIn", values: ["a", "b"] }] } }),
    );
  });

  test("dataSource as validateDataSource judges it: a core-group source is a PersistentVolumeClaim", async () => {
    assert.deepEqual(await errorsOf(template({ dataSource: { kind: "VolumeSnapshot", name: "snap" } })), [
      "spec.storage.pvcTemplate.dataSource: Invalid value: \"VolumeSnapshot\": must be 'PersistentVolumeClaim' when referencing the default apiGroup",
    ]);
    await denied(template({ dataSource: { kind: "PersistentVolumeClaim", name: "" } }), [
      ["cluster/pvc-template", "Required", "spec.storage.pvcTemplate.dataSource.name"],
    ]);
    await admitted(template({ dataSource: { apiGroup: "snapshot.storage.k8s.io", kind: "VolumeSnapshot", name: "snap" } }));
    await admitted(template({ dataSource: { kind: "PersistentVolumeClaim", name: "seed" } }));
  });

  test("its resources are replaced by storage.size (pvcs.go:56-65) but decoded first: a quantity Go cannot read is denied", async () => {
    await denied(template({ resources: { limits: { storage: "1e.5" } } }), [
      ["cluster/pvc-template", "Invalid", "spec.storage.pvcTemplate.resources.limits[storage]"],
    ]);
    await admitted(template({ resources: { limits: { storage: "-1Gi", cpu: "1" } } }));
  });

  test("what the schema refuses in the template (a requirement without key or operator, a number as access mode, a nameless dataSource) is the schema's alone", async () => {
    const v = await check(
      "Cluster",
      template({ selector: { matchExpressions: [{}, { key: "zone", operator: "In", values: [7] }] }, accessModes: [5], dataSource: { kind: "X" } }),
      { state },
    );
    assert.equal(v.allowed, false);
    assert.deepEqual([...new Set(v.violations.map((x) => x.rule))], ["cluster/schema"]);
  });

  test("volumeName: one PersistentVolume binds one claim, so only a single instance can use it", async () => {
    const pinned = template({ volumeName: "pv-0" });
    assert.deepEqual(await errorsOf(pinned), [
      'spec.storage.pvcTemplate.volumeName: Invalid value: "pv-0": every instance\'s claim asks for this PersistentVolume, which binds to one claim only: the other 2 instances never start',
    ]);
    const single = withField(pinned, "spec.instances", 1);
    await admitted(single);
    // Scaling up an admitted single instance is the change that breaks it: denied on spec.instances.
    await denied(pinned, [["cluster/pvc-template", "Invalid", "spec.instances"]], { operation: "UPDATE", old: single });
  });
});

test("through the in-memory handler: the AdmissionReview's causes carry the Cluster's fields and the apiserver's reasons", async () => {
  let cluster = withField(validCluster(), "spec.resources", { requests: { cpu: "2" }, limits: { cpu: "1" } });
  cluster = withField(cluster, "spec.storage.pvcTemplate", { volumeMode: "Block" });
  const deps = { registry: RULES, options: admissionOptions({ state }) };
  const handled = await handle(route("validate", "Cluster"), Buffer.from(JSON.stringify(admissionReview("Cluster", cluster))), "application/json", deps);
  assert.ok(handled.status === 200 && !handled.allowed);
  const { response } = JSON.parse(handled.body);
  assert.equal(response.status.code, 422);
  assert.deepEqual(
    response.status.details.causes.map((c: { field: string; reason: string }) => [c.field, c.reason]),
    [
      ["spec.storage.pvcTemplate.volumeMode", "FieldValueNotSupported"],
      ["spec.resources.requests[cpu]", "FieldValueInvalid"],
    ],
  );
  assert.deepEqual(handled.log?.rules, ["cluster/volume-mode", "cluster/resources"]);
});
