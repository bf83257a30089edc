/**
 * Public URLs of exported models, as the error reports link them: the raw
 * files of the kepler-model-db repository,
 * `<base>/<version>/<pipeline>/<source>/<ot>/<FG>/<model>.{json|zip}`.
 *
 * @module
 */
import type { EnergySource, FeatureGroup, OutputType } from "../types.ts";

/**
 * Where kepler-model-db's models are served (upstream's `repo_url`).
 *
 * @example
 * ```ts
 * import { KEPLER_MODEL_DB_URL } from "./model_url.ts";
 * import { ok as assert } from "node:assert/strict";
 * assert(KEPLER_MODEL_DB_URL.endsWith("/kepler-model-db/main/models"));
 * ```
 */
export const KEPLER_MODEL_DB_URL =
  "https://raw.githubusercontent.com/sustainable-computing-io/kepler-model-db/main/models";

/** What an exported model URL points at. */
export interface ExportedModelKey {
  /** Pipeline name. */
  pipeline: string;
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Feature group. */
  featureGroup: FeatureGroup;
  /** Model name, `<Trainer>_<node type>`. */
  modelName: string;
}

/** Options of {@linkcode exportedModelUrl}. */
export interface ExportedModelUrlOptions {
  /**
   * Base URL of the `models` folder.
   *
   * @default {@linkcode KEPLER_MODEL_DB_URL}
   */
  baseUrl?: string;
  /**
   * Version folder.
   *
   * @default {"v0.7"}
   */
  version?: string;
}

/**
 * The URL of an exported model's weight file (`json`, for Kepler's local
 * estimator) or archive (`zip`, for the sidecar estimator). Each path
 * segment is percent-encoded; the base must be an http(s) URL.
 *
 * @example
 * ```ts
 * import { exportedModelUrl } from "./model_url.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(
 *   exportedModelUrl({ pipeline: "ec2-0.7.11", source: "rapl-sysfs", outputType: "AbsPower",
 *     featureGroup: "BPFOnly", modelName: "SGDRegressorTrainer_0" }, "json"),
 *   "https://raw.githubusercontent.com/sustainable-computing-io/kepler-model-db/main/models/v0.7/ec2-0.7.11/rapl-sysfs/AbsPower/BPFOnly/SGDRegressorTrainer_0.json",
 * );
 * ```
 */
export function exportedModelUrl(
  key: ExportedModelKey,
  kind: "json" | "zip",
  options: ExportedModelUrlOptions = {},
): string {
  const base = options.baseUrl ?? KEPLER_MODEL_DB_URL;
  let url: URL;
  try {
    url = new URL(base.endsWith("/") ? base : `${base}/`);
  } catch {
    throw new TypeError(`Invalid model base URL "${base}": not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError(
      `Invalid model base URL "${base}": it must be http or https`,
    );
  }
  const segments = [
    options.version ?? "v0.7",
    key.pipeline,
    key.source,
    key.outputType,
    key.featureGroup,
    `${key.modelName}.${kind}`,
  ];
  return new URL(segments.map(encodeURIComponent).join("/"), url).href;
}
