/**
 * Why `POST /model` found no model: the 400 reply names, for each feature
 * group the serving pipeline has models of (for the request's energy
 * source and output type), the metrics that group needs and which of them
 * the request lacks. Upstream echoed the request instead ("cannot find
 * model for {...} at the moment"), which left the client guessing.
 *
 * @module
 */
import {
  type EnergySource,
  FEATURE_GROUP_FEATURES,
  type FeatureGroup,
  type OutputType,
} from "../types.ts";
import type { ServedPipeline } from "./pipeline_catalog.ts";

/** The request, as far as the explanation needs it. */
export interface NoModelRequest {
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** The metrics the client has. */
  metrics: readonly string[];
  /** Trainer asked for (`""`: any). */
  trainerName?: string;
  /** Node type asked for (−1: any). */
  nodeType?: number;
  /** The filter text as given (`""`: none). */
  filterText?: string;
  /** Whether a weight file was asked for. */
  weight?: boolean;
}

/** The 400 reply body of a request no model matches. */
export interface NoModelReply {
  /** One line: what was asked and why nothing matched. */
  error: string;
  /** Each feature group served for the source and output type → the metrics it needs. */
  feature_groups: Record<string, string[]>;
  /** Each of those groups → the needed metrics the request does not have. */
  missing_metrics: Record<string, string[]>;
}

/**
 * Explains why no model of `pipeline` matches the request.
 *
 * @example
 * ```ts
 * import { explainNoModel } from "./explain_no_model.ts";
 * import type { ServedPipeline } from "./pipeline_catalog.ts";
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * const pipeline = { name: "p", models: [{ source: "acpi", outputType: "AbsPower",
 *   featureGroup: "BPFOnly", features: ["bpf_cpu_time_ms", "bpf_page_cache_hit"] }] } as unknown as ServedPipeline;
 * const r = explainNoModel(pipeline, { source: "acpi", outputType: "AbsPower", metrics: ["bpf_cpu_time_ms"] });
 * assertEquals(r.missing_metrics, { BPFOnly: ["bpf_page_cache_hit"] });
 * assert(r.error.includes("BPFOnly needs bpf_cpu_time_ms, bpf_page_cache_hit"));
 * ```
 */
export function explainNoModel(
  pipeline: ServedPipeline | undefined,
  request: NoModelRequest,
): NoModelReply {
  const what = `${request.outputType} ${request.source}`;
  const groups = new Map<FeatureGroup, Set<string>>();
  for (const m of pipeline?.models ?? []) {
    if (m.source !== request.source || m.outputType !== request.outputType) {
      continue;
    }
    let needs = groups.get(m.featureGroup);
    if (needs === undefined) {
      needs = new Set(FEATURE_GROUP_FEATURES[m.featureGroup]);
      groups.set(m.featureGroup, needs);
    }
    for (const f of m.features) needs.add(f);
  }
  const featureGroups: Record<string, string[]> = {};
  const missing: Record<string, string[]> = {};
  const covered: string[] = [];
  const have = new Set(request.metrics);
  for (const [group, needs] of groups) {
    const list = [...needs].sort();
    featureGroups[group] = list;
    missing[group] = list.filter((f) => !have.has(f));
    if (missing[group]!.length === 0) covered.push(group);
  }
  const asked = request.metrics.length === 0
    ? "no metrics"
    : `metrics ${request.metrics.slice(0, 20).join(", ")}${
      request.metrics.length > 20 ? ", ..." : ""
    }`;
  let error: string;
  if (groups.size === 0) {
    error = `cannot find model for ${what} at the moment: pipeline ${
      pipeline?.name ?? "(none)"
    } has no ${what} models`;
  } else if (covered.length === 0) {
    const needs = Object.entries(featureGroups).map(([g, fs]) =>
      `${g} needs ${fs.join(", ")}`
    );
    error =
      `cannot find model for ${what} at the moment: the request has ${asked}, and a model needs every metric of its feature group (${
        needs.join("; ")
      })`;
  } else {
    const conditions = [
      request.weight
        ? `a weight file${
          request.trainerName ? "" : " of a linear trainer (none named)"
        }`
        : "",
      request.trainerName ? `trainer ${request.trainerName}` : "",
      request.nodeType !== undefined && request.nodeType !== -1
        ? `node type ${request.nodeType}`
        : "",
      request.filterText ? `filter ${JSON.stringify(request.filterText)}` : "",
    ].filter((c) => c !== "");
    error =
      `cannot find model for ${what} at the moment: the request's metrics cover feature groups ${
        covered.join(", ")
      }, but none of their models matches ${
        conditions.length ? conditions.join(", ") : "the request"
      }`;
  }
  return {
    error,
    feature_groups: featureGroups,
    missing_metrics: missing,
  };
}
