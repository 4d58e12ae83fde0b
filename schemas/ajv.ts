// One ajv configuration for everything that validates against the schemas: the generator's
// standalone validators and its checks of CRD defaults.
import { Ajv, type Options } from "ajv";
import addFormatsModule from "ajv-formats";

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** Formats the apiserver knows beyond ajv-formats; Kubernetes validates the numeric ones by type alone. */
const kubernetesOnlyFormats: Record<string, true | RegExp> = {
  int32: true,
  int64: true,
  float: true,
  double: true,
  byte: /^[A-Za-z0-9+/]*={0,2}$/,
  password: true,
};

/** Formats the apiserver validates (k8s.io/kube-openapi strfmt plus the OpenAPI number formats). */
export const KUBERNETES_FORMATS = new Set([
  "bsonobjectid",
  "uri",
  "email",
  "hostname",
  "ipv4",
  "ipv6",
  "cidr",
  "mac",
  "uuid",
  "uuid3",
  "uuid4",
  "uuid5",
  "isbn",
  "isbn10",
  "isbn13",
  "creditcard",
  "ssn",
  "hexcolor",
  "rgbcolor",
  "byte",
  "password",
  "date",
  "duration",
  "datetime",
  "date-time",
  "int32",
  "int64",
  "float",
  "double",
]);

/** Formats ajv-formats checks as the apiserver does. */
const AJV_FORMATS = ["date-time", "date", "uri", "email", "hostname", "ipv4", "ipv6", "uuid", "duration"] as const;

export function createAjv(extra: Options = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    strict: true,
    strictTypes: false,
    verbose: true,
    ...extra,
  });
  addFormats(ajv, [...AJV_FORMATS]);
  for (const [name, format] of Object.entries(kubernetesOnlyFormats)) ajv.addFormat(name, format);
  // The rest of the apiserver's formats are accepted as they are, so that a schema using one compiles
  // instead of failing ajv's strict unknown-format check.
  const handled = new Set<string>([...AJV_FORMATS, ...Object.keys(kubernetesOnlyFormats)]);
  for (const name of KUBERNETES_FORMATS) if (!handled.has(name)) ajv.addFormat(name, true);
  for (const keyword of ["x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource"]) {
    ajv.addKeyword(keyword);
  }
  return ajv;
}
