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

/**
 * The rest of the formats the apiserver knows (schemas/crd.ts KUBERNETES_FORMATS): accepted as they
 * are here, so that a schema using one compiles instead of failing ajv's strict unknown-format check.
 */
const uncheckedKubernetesFormats = [
  "bsonobjectid",
  "cidr",
  "mac",
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
  "datetime",
];

export function createAjv(extra: Options = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    useDefaults: true,
    strict: true,
    strictTypes: false,
    verbose: true,
    ...extra,
  });
  addFormats(ajv, ["date-time", "date", "uri", "email", "hostname", "ipv4", "ipv6", "uuid", "duration"]);
  for (const [name, format] of Object.entries(kubernetesOnlyFormats)) ajv.addFormat(name, format);
  for (const name of uncheckedKubernetesFormats) ajv.addFormat(name, true);
  for (const keyword of ["x-kubernetes-preserve-unknown-fields", "x-kubernetes-int-or-string", "x-kubernetes-embedded-resource"]) {
    ajv.addKeyword(keyword);
  }
  return ajv;
}
