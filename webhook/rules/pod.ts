// What the apiserver and the kubelet refuse in the instance Pod and PersistentVolumeClaim release 0.5
// builds from a Cluster, judged on the Cluster's own fields in apimachinery's words (README "Rules").
// The operator stores an instance's serial before it creates the Pod, and creates the claim after the
// Pod (cnp v0.5.0 controllers/cluster_create.go:399-403, 454-484; docs/operator-0.5.md §4): a refused
// Pod leaves a new cluster without a primary for good, and a claim that cannot be created, bound or
// mounted leaves its Pod Pending, with nothing that retries it.
import type { Cluster, LabelSelector, LabelSelectorRequirement, TypedLocalObjectReference } from "../../generated/types/index.js";
import { type FieldError, FieldPath, forbidden, invalid, notSupported, required, valueAtField } from "../admission/field.js";
import { deny } from "../admission/finding.js";
import type { RuleContext } from "../admission/rule.js";
import { dns1123SubdomainProblems, labelValueProblems, qualifiedNameProblems } from "../formats/formats.js";
import { sameJSON } from "../formats/json.js";
import { compareQuantities, milliUnits, type Quantity, quantity, wholeUnits } from "../formats/quantity.js";
import { clusterRule } from "./builders.js";

const RESOURCES = FieldPath.root("spec", "resources");
const STORAGE = FieldPath.root("spec", "storage");
const PVC = STORAGE.child("pvcTemplate");

/**
 * An error that two fields make together, put on the one this UPDATE changed (else on the first):
 * UPDATE ratcheting (README "Rules") lets an error on an unchanged field through as a warning, which
 * must not let a change to the other field through.
 */
function onChanged({ object, oldObject }: RuleContext<Cluster>, first: FieldError, ...others: FieldError[]): FieldError {
  if (!oldObject) return first;
  const changed = (e: FieldError): boolean => {
    const [now, before] = [valueAtField(object, e.field), valueAtField(oldObject, e.field)];
    return !(now && before && sameJSON(now.value, before.value));
  };
  return changed(first) ? first : (others.find(changed) ?? first);
}

/** A quantity Go cannot parse fails the decoding of the whole Cluster: its webhook refuses it (failurePolicy Fail). */
const unreadable = (path: FieldPath, raw: unknown, error: string): FieldError => invalid(path, raw, `${error}: release 0.5 cannot decode the Cluster`);

// ---- the postgres container's resources -----------------------------------------------------------

/** kubernetes pkg/apis/core/helper standardResources: what a name without a '/' may be. */
const STANDARD_RESOURCES = new Set([
  ...["cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage"],
  ...["limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas", "services", "replicationcontrollers"],
  ...["secrets", "configmaps", "persistentvolumeclaims", "storage", "requests.storage", "services.nodeports", "services.loadbalancers"],
]);
/** helper.integerResources: object counts, measured in whole units. */
const INTEGER_RESOURCES = new Set([
  ...["pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims"],
  ...["services.nodeports", "services.loadbalancers"],
]);
/** helper.standardContainerResources (and hugepages-<size>): what a container may ask for. */
const CONTAINER_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage"]);

const HUGE_PAGES = "hugepages-";
const isHugePages = (name: string): boolean => name.startsWith(HUGE_PAGES);
/** helper.IsNativeResource: unprefixed, or in the kubernetes.io/ namespace. */
const isNative = (name: string): boolean => !name.includes("/") || name.includes("kubernetes.io/");
/** helper.IsExtendedResourceName: `example.com/gpu`. */
const isExtended = (name: string): boolean => !isNative(name) && !name.startsWith("requests.") && qualifiedNameProblems(`requests.${name}`).length === 0;
/** helper.IsOvercommitAllowed: requests of any other resource must equal its limit. */
const overcommitAllowed = (name: string): boolean => isNative(name) && !isHugePages(name);

/** validateContainerResourceName, with the validateResourceName it starts with. */
function resourceNameProblems(name: string): string[] {
  const problems = qualifiedNameProblems(name);
  const unprefixed = !name.includes("/");
  const standard = STANDARD_RESOURCES.has(name) || isHugePages(name) || name.startsWith(`requests.${HUGE_PAGES}`);
  if (problems.length === 0 && unprefixed && !standard) problems.push("must be a standard resource type or fully qualified");
  if (unprefixed && !CONTAINER_RESOURCES.has(name) && !isHugePages(name)) problems.push("must be a standard resource for containers");
  if (!unprefixed && !isNative(name) && !isExtended(name)) problems.push("doesn't follow extended resource name standard");
  return problems;
}

/** helper.IsHugePageResourceValueDivisible: a whole number of pages of the size the name gives. */
function wholePages(name: string, q: Quantity): boolean {
  const page = quantity(name.slice(HUGE_PAGES.length));
  if (page.ok !== true || page.quantity.nanos <= 0n || milliUnits(page.quantity) % 1000n !== 0n) return false;
  return wholeUnits(q) % wholeUnits(page.quantity) === 0n;
}

/** ValidateResourceQuantityValue and validateResourceQuantityHugePageValue. */
function quantityProblems(name: string, q: Quantity, text: string): string[] {
  const problems: string[] = [];
  if (q.nanos < 0n) problems.push("must be greater than or equal to 0");
  if ((INTEGER_RESOURCES.has(name) || isExtended(name)) && milliUnits(q) % 1000n !== 0n) problems.push("must be an integer");
  if (isHugePages(name) && !wholePages(name, q)) problems.push(`${text} is not positive integer multiple of ${name}`);
  return problems;
}

interface Read {
  readonly raw: string | number;
  readonly quantity: Quantity;
}

/** The checks between a request and the limit of the same name (validateResourceRequirements). */
function requestAgainstLimit(ctx: RuleContext<Cluster>, name: string, request: Read, limit: Read | undefined): FieldError[] {
  const [requestPath, limitPath] = [RESOURCES.child("requests").key(name), RESOURCES.child("limits").key(name)];
  if (!limit) {
    if (overcommitAllowed(name)) return [];
    const why = "Limit must be set for non overcommitable resources";
    return [onChanged(ctx, required(limitPath, why), invalid(requestPath, request.raw, `${why}: limits[${name}] is missing`))];
  }
  const order = compareQuantities(request.quantity, limit.quantity);
  if (order !== 0 && !overcommitAllowed(name)) {
    return [
      onChanged(
        ctx,
        invalid(requestPath, request.raw, `must be equal to ${name} limit of ${limit.raw}`),
        invalid(limitPath, limit.raw, `must be equal to ${name} request of ${request.raw}`),
      ),
    ];
  }
  if (order <= 0) return [];
  return [
    onChanged(
      ctx,
      invalid(requestPath, request.raw, `must be less than or equal to ${name} limit of ${limit.raw}`),
      invalid(limitPath, limit.raw, `must be greater than or equal to ${name} request of ${request.raw}`),
    ),
  ];
}

export const resourcesRule = clusterRule({
  id: "cluster/resources",
  severity: "deny",
  summary:
    "resources are what Kubernetes accepts for a container: container resource names, quantities Go can read, none negative, requests at most their limits (equal for extended resources and hugepages), hugepages with cpu or memory",
  protects:
    "an instance Pod the apiserver refuses: release 0.5 copies resources into every instance's postgres container, after it has stored the instance's serial, so a new cluster never gets its primary",
  source:
    "cnp v0.5.0 pkg/specs/pods.go:458, controllers/cluster_create.go:399-463; kubernetes ValidateContainerResourceRequirements, validateContainerResourceName, ValidateResourceQuantityValue; apimachinery ParseQuantity",
  check: (ctx) => {
    const resources = ctx.object.spec?.resources;
    if (!resources) return [];
    const errors: FieldError[] = [];
    const read = { limits: new Map<string, Read>(), requests: new Map<string, Read>() };
    for (const side of ["limits", "requests"] as const) {
      for (const [name, raw] of Object.entries(resources[side] ?? {})) {
        const path = RESOURCES.child(side).key(name);
        errors.push(...resourceNameProblems(name).map((p) => invalid(path, name, p)));
        const q = quantity(raw);
        if (q.ok === false) errors.push(unreadable(path, raw, q.error));
        if (q.ok !== true) continue;
        errors.push(...quantityProblems(name, q.quantity, String(raw)).map((p) => invalid(path, raw, p)));
        read[side].set(name, { raw, quantity: q.quantity });
      }
    }
    for (const [name, request] of read.requests) {
      // A limit Go cannot read has its own error; without one there is nothing to compare.
      if (Object.hasOwn(resources.limits ?? {}, name) && !read.limits.has(name)) continue;
      errors.push(...requestAgainstLimit(ctx, name, request, read.limits.get(name)));
    }
    const names = [...Object.keys(resources.limits ?? {}), ...Object.keys(resources.requests ?? {})];
    if (names.some(isHugePages) && !names.some((n) => n === "cpu" || n === "memory")) {
      errors.push(forbidden(RESOURCES, "HugePages require cpu or memory"));
    }
    return errors.map(deny);
  },
});

// ---- the data volume and its claim ----------------------------------------------------------------

const VOLUME_MODES = ["Filesystem"];

export const volumeModeRule = clusterRule({
  id: "cluster/volume-mode",
  severity: "deny",
  summary: "storage.pvcTemplate.volumeMode is Filesystem or unset: release 0.5 mounts the data volume as a filesystem",
  protects:
    "instances that never start: the kubelet refuses to mount a Block volume through volumeMounts, and the apiserver refuses a claim with any mode but Block or Filesystem",
  source:
    'cnp v0.5.0 pkg/specs/pods.go:302-309, 396-400 (pgdata in volumeMounts), pkg/specs/pvcs.go:46-48; kubernetes kubelet desired_state_of_world_populator ("has volumeMode Block, but is specified in volumeMounts"), ValidatePersistentVolumeClaimSpec',
  check: ({ object }) => {
    const mode = object.spec?.storage?.pvcTemplate?.volumeMode;
    if (mode === undefined || VOLUME_MODES.includes(mode)) return [];
    const why =
      mode === "Block"
        ? 'release 0.5 mounts the data volume with volumeMounts, and the kubelet refuses a Block volume there ("volume pgdata has volumeMode Block, but is specified in volumeMounts"): the instance never starts'
        : 'the apiserver refuses a claim whose volumeMode is not "Block" or "Filesystem", and release 0.5 cannot use Block';
    return [deny(notSupported(PVC.child("volumeMode"), mode, VOLUME_MODES, why))];
  },
});

/** ValidatePersistentVolumeClaimSpec's access modes, as sets.List sorts them. */
const ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"];

function accessModeErrors(modes: readonly (string | undefined)[]): FieldError[] {
  const path = PVC.child("accessModes");
  // An entry the schema refused is gone (undefined): the schema has reported it.
  const errors = modes.flatMap((m, i) => (m === undefined || ACCESS_MODES.includes(m) ? [] : [notSupported(path.index(i), m, ACCESS_MODES)]));
  if (modes.includes("ReadWriteOncePod") && modes.some((m) => m !== undefined && m !== "ReadWriteOncePod" && ACCESS_MODES.includes(m))) {
    errors.push(forbidden(path, "may not use ReadWriteOncePod with other access modes"));
  }
  return errors;
}

/** The claim's class: storage.storageClass when set, else the template's (cnp v0.5.0 pkg/specs/pvcs.go:50-53). */
function storageClassErrors(object: Cluster): FieldError[] {
  const storage = object.spec?.storage;
  const [path, name] =
    storage?.storageClass !== undefined
      ? [STORAGE.child("storageClass"), storage.storageClass]
      : [PVC.child("storageClassName"), storage?.pvcTemplate?.storageClassName];
  // ValidateClassName is NameIsDNSSubdomain; an empty class is a value the storage-class rule warns about.
  return name ? dns1123SubdomainProblems(name).map((p) => invalid(path, name, p)) : [];
}

/** apimachinery ValidateLabelSelector. */
function selectorErrors(ctx: RuleContext<Cluster>, selector: LabelSelector): FieldError[] {
  const path = PVC.child("selector");
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    const at = path.child("matchLabels").key(key);
    errors.push(...qualifiedNameProblems(key).map((p) => invalid(at, key, p)), ...labelValueProblems(value).map((p) => invalid(at, value, p)));
  }
  (selector.matchExpressions ?? []).forEach((expr: Partial<LabelSelectorRequirement> | undefined, i) => {
    // A requirement without its key or operator is the schema's to report.
    if (typeof expr?.key !== "string" || typeof expr.operator !== "string") return;
    const at = path.child("matchExpressions").index(i);
    const values = expr.values ?? [];
    if (expr.operator === "In" || expr.operator === "NotIn") {
      const why = "must be specified when `operator` is 'In' or 'NotIn'";
      if (values.length === 0) errors.push(onChanged(ctx, required(at.child("values"), why), required(at, `values ${why}`)));
    } else if (expr.operator === "Exists" || expr.operator === "DoesNotExist") {
      const why = "may not be specified when `operator` is 'Exists' or 'DoesNotExist'";
      if (values.length > 0) errors.push(onChanged(ctx, forbidden(at.child("values"), why), forbidden(at, `values ${why}`)));
    } else {
      errors.push(invalid(at.child("operator"), expr.operator, "not a valid selector operator"));
    }
    errors.push(...qualifiedNameProblems(expr.key).map((p) => invalid(at.child("key"), expr.key, p)));
    values.forEach((v: string | undefined, j) => {
      if (v !== undefined) errors.push(...labelValueProblems(v).map((p) => invalid(at.child("values").index(j), v, p)));
    });
  });
  return errors;
}

/** kubernetes validateDataSource. */
function dataSourceErrors(source: Partial<TypedLocalObjectReference>): FieldError[] {
  const path = PVC.child("dataSource");
  if (typeof source.kind !== "string" || typeof source.name !== "string") return []; // the schema requires both
  const group = source.apiGroup ?? "";
  return [
    ...(source.name === "" ? [required(path.child("name"))] : []),
    ...(source.kind === "" ? [required(path.child("kind"))] : []),
    ...(group === "" && source.kind !== "PersistentVolumeClaim"
      ? [invalid(path, source.kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup")]
      : []),
    ...(group === "" ? [] : dns1123SubdomainProblems(group).map((p) => invalid(path.child("apiGroup"), group, p))),
  ];
}

/** Every instance's claim copies volumeName (cnp v0.5.0 pkg/specs/pvcs.go:46-48); a volume binds to one claim. */
function sharedVolumeErrors(ctx: RuleContext<Cluster>): FieldError[] {
  const volume = ctx.object.spec?.storage?.pvcTemplate?.volumeName;
  const instances = ctx.object.spec?.instances ?? 1;
  if (!volume || instances < 2) return [];
  return [
    onChanged(
      ctx,
      invalid(
        PVC.child("volumeName"),
        volume,
        `every instance's claim asks for this PersistentVolume, which binds to one claim only: the other ${instances - 1} instances never start`,
      ),
      invalid(
        FieldPath.root("spec", "instances"),
        instances,
        `must be 1 while storage.pvcTemplate.volumeName is set: a PersistentVolume binds to one claim only`,
      ),
    ),
  ];
}

export const pvcTemplateRule = clusterRule({
  id: "cluster/pvc-template",
  severity: "deny",
  summary:
    "the claim release 0.5 builds from storage is one the apiserver accepts and that can bind: access modes, class name, selector, dataSource and quantities as Kubernetes validates them; no volumeName shared by several instances",
  protects:
    "an instance Pod left Pending for good: the operator creates each claim after the instance's Pod and never retries a claim the apiserver refused, and a PersistentVolume binds to one claim only",
  source:
    "cnp v0.5.0 pkg/specs/pvcs.go:27-74, controllers/cluster_create.go:454-484, 518-549; kubernetes ValidatePersistentVolumeClaimSpec, validateDataSource; apimachinery ValidateLabelSelector, ParseQuantity",
  check: (ctx) => {
    const template = ctx.object.spec?.storage?.pvcTemplate;
    // pvcTemplate.resources is replaced by storage.size (pvcs.go:56-65), but it is decoded first.
    const unreadables = (["limits", "requests"] as const).flatMap((side) =>
      Object.entries(template?.resources?.[side] ?? {}).flatMap(([name, raw]) => {
        const q = quantity(raw);
        return q.ok === false ? [unreadable(PVC.child("resources", side).key(name), raw, q.error)] : [];
      }),
    );
    return [
      ...accessModeErrors(template?.accessModes ?? []),
      ...storageClassErrors(ctx.object),
      ...(template?.selector ? selectorErrors(ctx, template.selector) : []),
      ...(template?.dataSource ? dataSourceErrors(template.dataSource) : []),
      ...unreadables,
      ...sharedVolumeErrors(ctx),
    ].map(deny);
  },
});
