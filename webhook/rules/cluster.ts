// Cluster: defaults and rules (README "Rules"); the object store's and the recovery's in their own modules.
import { validateCluster } from "../../generated/validators/index.js";
import { FieldPath, forbidden, invalid, required } from "../admission/field.js";
import { deny, warn } from "../admission/finding.js";
import type { KindAdmission } from "../admission/rule.js";
import { isDNS1035Label, majorVersionText, operatorImageTag, parseQuantity, postgresMajorVersion, postgresVersionFromTag } from "../formats/formats.js";
import { isRecord, sameJSON } from "../formats/json.js";
import { OBJECT_STORE_RULES } from "./objectstore.js";
import { imageWithParametersRule, parametersRule } from "./parameters.js";
import { POSTGRES_RULES } from "./postgres.js";
import { RECOVERY_RULES } from "./recovery.js";
import { recoverySourceRule } from "./recovery-source.js";
import { walArchiveRule } from "./archive.js";
import { clusterRule } from "./builders.js";
import { pvcTemplateRule, resourcesRule, volumeModeRule } from "./pod.js";

const spec = FieldPath.root("spec");

// ---- defaults -------------------------------------------------------------------------------

/** Defaults that depend on flags or other fields; the schema's constant defaults follow them. */
function deriveClusterDefaults(cluster: Record<string, unknown>, options: { defaultImage: string }): void {
  const s = cluster.spec;
  if (!isRecord(s)) return;
  if (s.imageName === undefined || s.imageName === "") s.imageName = options.defaultImage;

  if (s.bootstrap === undefined) s.bootstrap = {};
  if (isRecord(s.bootstrap)) {
    if (s.bootstrap.initdb === undefined && s.bootstrap.fullRecovery === undefined) s.bootstrap.initdb = {};
    const initdb = s.bootstrap.initdb;
    // An empty string means "not set" here, as in the operator: the schema default fills it.
    if (isRecord(initdb) && initdb.database === "") delete initdb.database;
  }

  const store = isRecord(s.backup) ? s.backup.barmanObjectStore : undefined;
  if (isRecord(store)) {
    if (typeof store.endpointURL === "string" && store.endpointURL !== "" && !/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(store.endpointURL)) {
      store.endpointURL = `https://${store.endpointURL}`;
    }
    const creds = store.s3Credentials;
    if (isRecord(creds) && creds.secretAccessKey === undefined && isRecord(creds.accessKeyId) && typeof creds.accessKeyId.name === "string") {
      creds.secretAccessKey = { name: creds.accessKeyId.name };
    }
  }
}

/** The initdb owner defaults to the database, itself defaulted by the schema. */
function finishClusterDefaults(cluster: Record<string, unknown>): void {
  const bootstrap = isRecord(cluster.spec) ? cluster.spec.bootstrap : undefined;
  const initdb = isRecord(bootstrap) ? bootstrap.initdb : undefined;
  if (isRecord(initdb) && (initdb.owner === undefined || initdb.owner === "") && typeof initdb.database === "string") {
    initdb.owner = initdb.database;
  }
}

// ---- rules ----------------------------------------------------------------------------------

/** The Services <name>-any, -r and -rw are DNS-1035 labels of at most 63 characters. */
const MAX_CLUSTER_NAME = 63 - "-any".length;

const nameRule = clusterRule({
  id: "cluster/name",
  severity: "deny",
  summary: `the Cluster's name is a DNS-1035 label (a lowercase letter first) of at most ${MAX_CLUSTER_NAME} characters`,
  protects: "Services <name>-rw, <name>-r and <name>-any the apiserver refuses: the cluster never gets its endpoints",
  source: "cnp v0.5.0 pkg/specs/services.go:18-77, pkg/specs/pods.go:199-200; apimachinery IsDNS1035Label",
  check: ({ operation, name }) => {
    if (operation !== "CREATE" || name === "") return [];
    const path = FieldPath.root("metadata", "name");
    if (name.length > MAX_CLUSTER_NAME) {
      return [deny(invalid(path, name, `must be no more than ${MAX_CLUSTER_NAME} characters: the operator names Services ${name}-any, -r and -rw`))];
    }
    return isDNS1035Label(name)
      ? []
      : [
          deny(
            invalid(
              path,
              name,
              `must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter): the operator names Services ${name}-rw, -r and -any`,
            ),
          ),
        ];
  },
});

const SIZE = spec.child("storage", "size");

const storageSizeRule = clusterRule({
  id: "cluster/storage-size",
  severity: "deny or warn",
  summary: "storage.size is a Kubernetes quantity above zero, even with a pvcTemplate, whose storage request it replaces (warned when they differ)",
  protects: "PVCs that cannot be created: release 0.5 always sizes claims from storage.size, after it has created the instance Pod",
  source: "cnp v0.5.0 api/v1alpha1/cluster_webhook.go:234-247; pkg/specs/pvcs.go:46-65",
  check: ({ object }) => {
    const storage = object.spec?.storage;
    const size = storage?.size;
    const resources = storage?.pvcTemplate?.resources;
    const templated = isRecord(resources) && isRecord(resources.requests) ? resources.requests.storage : undefined;
    // Within storage, the schema requires size (as release 0.5's CRD does); a Cluster without storage has none either.
    if (storage === undefined) return [deny(required(SIZE, "a quantity such as 1Gi: release 0.5's webhook refuses a Cluster without it"))];
    if (typeof size !== "string") return [];
    if (size === "") {
      const why = templated === undefined ? "a quantity such as 1Gi" : "release 0.5 sizes every claim from storage.size, not from pvcTemplate";
      return [deny(required(SIZE, why))];
    }
    const bytes = parseQuantity(size);
    if (bytes === undefined) return [deny(invalid(SIZE, size, "must be a Kubernetes quantity, e.g. 1Gi, 500M or 1e3"))];
    if (!(bytes > 0)) return [deny(invalid(SIZE, size, "must be greater than zero"))];
    if ((typeof templated === "string" || typeof templated === "number") && parseQuantity(String(templated)) !== bytes) {
      return [
        warn(spec.child("storage", "pvcTemplate", "resources", "requests", "storage"), `replaced by storage.size (${size}): release 0.5 sizes claims from it`),
      ];
    }
    return [];
  },
});

const storageClassRule = clusterRule({
  id: "cluster/storage-class",
  severity: "warn",
  summary: 'storage.storageClass: "" is a value, not "unset": it turns dynamic provisioning off',
  protects: "claims that wait for a PersistentVolume someone creates by hand: release 0.5 copies an empty class into each claim",
  source: "cnp v0.5.0 pkg/specs/pvcs.go:50-53 (storageClass is a *string, copied when set)",
  check: ({ object }) =>
    object.spec?.storage?.storageClass === ""
      ? [
          warn(
            spec.child("storage", "storageClass"),
            "an empty class turns dynamic provisioning off: each claim waits for a PersistentVolume created by hand; leave it out for the default class",
          ),
        ]
      : [],
});

const primaryUpdateStrategyRule = clusterRule({
  id: "cluster/primary-update-strategy",
  severity: "warn",
  summary: 'primaryUpdateStrategy is "supervised", "unsupervised" or empty: release 0.5 reads any other value as unsupervised',
  protects: "a primary switched over automatically although the spelling meant supervised",
  source: "cnp v0.5.0 api/v1alpha1/cluster_types.go:542-549 GetPrimaryUpdateStrategy; controllers/cluster_upgrade.go:107",
  check: ({ object }) => {
    const strategy = object.spec?.primaryUpdateStrategy;
    if (strategy === undefined || ["", "supervised", "unsupervised"].includes(strategy)) return [];
    return [warn(spec.child("primaryUpdateStrategy"), `release 0.5 reads ${JSON.stringify(strategy)} as unsupervised: only "supervised" waits for you`)];
  },
});

const imagePullSecretsRule = clusterRule({
  id: "cluster/image-pull-secrets",
  severity: "warn",
  summary: "an imagePullSecrets entry without a name is passed on and skipped by the kubelet",
  protects: "a private image that cannot be pulled because the entry meant to name its Secret is empty",
  source: "cnp v0.5.0 controllers/cluster_create.go:269-271 (names copied into the ServiceAccount); kubernetes validateImagePullSecrets accepts an empty name",
  check: ({ object }) =>
    (object.spec?.imagePullSecrets ?? []).flatMap((ref, i) =>
      ref?.name ? [] : [warn(spec.child("imagePullSecrets").index(i).child("name"), "empty: this entry names no Secret and is skipped")],
    ),
});

const storageShrinkRule = clusterRule({
  id: "cluster/storage-shrink",
  severity: "deny",
  summary: "UPDATE: storage.size may grow but not shrink",
  protects: "new instances created on volumes smaller than the data they must hold",
  source: "cnp v0.5.0 pkg/specs/pvcs.go:46-65 (new claims take the current size)",
  check: ({ operation, object, oldObject }) => {
    if (operation !== "UPDATE") return [];
    const [now, before] = [object.spec?.storage?.size, oldObject?.spec?.storage?.size];
    const [a, b] = [parseQuantity(now ?? ""), parseQuantity(before ?? "")];
    return a !== undefined && b !== undefined && a < b ? [deny(forbidden(SIZE, `storage may not shrink (from ${before} to ${now})`))] : [];
  },
});

const bootstrapMethodRule = clusterRule({
  id: "cluster/bootstrap-method",
  severity: "deny",
  summary: "at most one bootstrap method: initdb or fullRecovery",
  protects: 'the operator\'s own webhook refusing the Cluster ("Too many bootstrap types specified")',
  source: "cnp v0.5.0 api/v1alpha1/cluster_webhook.go:205-231 validateBootstrapMethod",
  check: ({ object }) => {
    const b = object.spec?.bootstrap;
    return b?.initdb && b.fullRecovery ? [deny(forbidden(spec.child("bootstrap"), "only one bootstrap method may be set: initdb or fullRecovery"))] : [];
  },
});

const bootstrapUpdateRule = clusterRule({
  id: "cluster/bootstrap-update",
  severity: "warn",
  summary: "UPDATE: a change to bootstrap has no effect once the cluster exists",
  protects: "edits the operator never acts on",
  source: "cnp v0.5.0 controllers/cluster_controller.go:168-170 (bootstrap runs only while status.instances is 0)",
  check: ({ operation, object, oldObject }) =>
    operation === "UPDATE" && !sameJSON(object.spec?.bootstrap, oldObject?.spec?.bootstrap)
      ? [warn(spec.child("bootstrap"), "changes have no effect after the cluster has been created")]
      : [],
});

/** The PostgreSQL version an image runs as release 0.5 reads its tag, or why it cannot tell. */
function imageVersion(image: string): { ok: true; version: number } | { ok: false; why: string } {
  const tag = operatorImageTag(image);
  if (tag === "latest") {
    const which = image.includes(":") ? "the tag 'latest'" : "an image without a tag (read as 'latest')";
    return { ok: false, why: `release 0.5 refuses ${which}: it cannot tell which PostgreSQL version runs; use e.g. :13.1` };
  }
  const parsed = postgresVersionFromTag(tag);
  if (parsed.ok) return parsed;
  const read = `release 0.5 reads the tag as the text after the first ':' (${JSON.stringify(tag)})`;
  const hint = image.includes("@")
    ? "; digests cannot be used"
    : /^[^/]*:[0-9]+\//.test(image)
      ? "; a registry with a port cannot be used"
      : "; tags are a PostgreSQL version such as 13, 13.1 or 9.6.20, optionally followed by - or _ and anything";
  return { ok: false, why: `${read} and refuses it (${parsed.error})${hint}` };
}

const imageTagRule = clusterRule({
  id: "cluster/image-tag",
  severity: "deny",
  summary: "imageName's tag names a PostgreSQL version as release 0.5 parses it: not latest, no registry port, no digest",
  protects: "the operator's own webhook refusing the image, and a configuration it cannot build without the version",
  source: "cnp v0.5.0 api/v1alpha1/cluster_webhook.go:251-280; pkg/utils/imagename.go:22-49; pkg/postgres/version.go:26-62",
  check: ({ object }) => {
    const image = object.spec?.imageName;
    if (typeof image !== "string" || image === "") return [];
    const version = imageVersion(image);
    return version.ok ? [] : [deny(invalid(spec.child("imageName"), image, version.why))];
  },
});

const imageMajorRule = clusterRule({
  id: "cluster/image-major",
  severity: "deny",
  summary: "UPDATE: imageName may change the PostgreSQL minor version, not the major",
  protects: "the operator's refusal to upgrade between majors (\"can't upgrade between\"), or data files the new major cannot read",
  source: "cnp v0.5.0 api/v1alpha1/cluster_webhook.go:333-365; pkg/postgres/version.go:69-112",
  check: ({ operation, object, oldObject }) => {
    const [now, before] = [object.spec?.imageName, oldObject?.spec?.imageName];
    if (operation !== "UPDATE" || !now || !before || now === before) return [];
    const [a, b] = [imageVersion(now), imageVersion(before)];
    // An unreadable tag is the image-tag rule's (or, for the old image, the operator's own webhook's) to refuse.
    if (!a.ok || !b.ok || postgresMajorVersion(a.version) === postgresMajorVersion(b.version)) return [];
    const [from, to] = [majorVersionText(postgresMajorVersion(b.version)), majorVersionText(postgresMajorVersion(a.version))];
    return [deny(forbidden(spec.child("imageName"), `changing the PostgreSQL major version (${from} to ${to}) is not supported`))];
  },
});

export const clusterAdmission: KindAdmission<"Cluster"> = {
  kind: "Cluster",
  validator: validateCluster,
  deriveDefaults: deriveClusterDefaults,
  finishDefaults: finishClusterDefaults,
  rules: [
    nameRule,
    storageSizeRule,
    storageShrinkRule,
    storageClassRule,
    volumeModeRule,
    pvcTemplateRule,
    resourcesRule,
    primaryUpdateStrategyRule,
    imagePullSecretsRule,
    bootstrapMethodRule,
    bootstrapUpdateRule,
    imageTagRule,
    imageMajorRule,
    parametersRule,
    imageWithParametersRule,
    ...POSTGRES_RULES,
    ...OBJECT_STORE_RULES,
    walArchiveRule,
    ...RECOVERY_RULES,
    recoverySourceRule,
  ],
};
