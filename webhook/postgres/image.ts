// The PostgreSQL major an image runs, read from imageName exactly as release 0.5 reads it
// (api/v1alpha1/cluster_webhook.go validateImageName: pkg/utils/imagename.go GetImageTag, then
// pkg/postgres/version.go GetPostgresVersionFromTag and GetPostgresMajorVersion).
import { majorVersionText, operatorImageTag, postgresMajorVersion, postgresVersionFromTag } from "../formats/formats.js";
import { MAJORS, type Major } from "./gucs.js";

export type ImageMajor =
  /** version: 130001 for 13.1; major: 13, or 9.6 below 10; supported: the major when these checkers know it (10–13). */
  | { ok: true; version: number; major: number; supported: Major | undefined }
  /** error: the operator's own reason (its webhook refuses the image). */
  | { ok: false; error: string };

/** Reads the PostgreSQL major of `imageName` as release 0.5 does; an empty name is release 0.5's default image. */
export function postgresMajor(imageName: string): ImageMajor {
  const tag = operatorImageTag(imageName === "" ? "quay.io/enterprisedb/postgresql:13.1" : imageName);
  if (tag === "latest") return { ok: false, error: "Can't use 'latest' as image tag as we can't detect upgrades" };
  const parsed = postgresVersionFromTag(tag);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  const major = Number(majorVersionText(postgresMajorVersion(parsed.version)));
  return { ok: true, version: parsed.version, major, supported: MAJORS.find((m) => m === major) };
}
