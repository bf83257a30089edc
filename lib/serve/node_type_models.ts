/**
 * Which model and version each node type gets (kepler#1456): per pipeline,
 * node type, source, output type and feature group, the model the server's
 * selection hands out for that node type, and the pipeline's generation
 * (the folder `<pipeline>` points at, `.<pipeline>.generations/<n>`).
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { OUTPUT_TYPES } from "../types.ts";
import type { ServedModel, ServedPipeline } from "./pipeline_catalog.ts";
import { selectModel, type SelectOptions } from "./select_model.ts";

/** One node type's model. */
export interface NodeTypeModel {
  /** The pipeline. */
  pipeline: string;
  /** Its generation (`""` when it is not a published generation, e.g. a URL). */
  generation: string;
  /** The node type. */
  node_type: number;
  /** Energy source. */
  source: string;
  /** Output type. */
  output_type: string;
  /** Feature group. */
  feature_group: string;
  /** The model handed out: `<Trainer>_<node type>`. */
  model: string;
}

/**
 * The generation a pipeline folder is: `n` of `.<p>.generations/<n>`.
 *
 * @param pipeline Where the pipeline was loaded from.
 * @returns The generation, or `""` for a pipeline that is not a published
 *   generation (a URL, a plain folder).
 *
 * @example
 * ```ts
 * import { generationOf } from "./node_type_models.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(generationOf({ kind: "url", origin: "http://x/p.zip" }), "");
 * ```
 */
export function generationOf(
  pipeline: Pick<ServedPipeline, "kind" | "origin">,
): string {
  if (pipeline.kind !== "dir") return "";
  try {
    const real = Deno.realPathSync(pipeline.origin);
    return basename(dirname(real)).endsWith(".generations")
      ? basename(real)
      : "";
  } catch {
    return "";
  }
}

/**
 * Every node type's model in every pipeline served.
 *
 * @param pipelines The pipelines served.
 * @param options The ranking error and default pipelines (serve's).
 * @returns One row per pipeline, node type, source, output type and
 *   feature group that has a model.
 *
 * @example
 * ```ts
 * import { nodeTypeModels } from "./node_type_models.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(nodeTypeModels(new Map()), []);
 * ```
 */
export function nodeTypeModels(
  pipelines: ReadonlyMap<string, ServedPipeline>,
  options: SelectOptions = {},
): NodeTypeModel[] {
  const out: NodeTypeModel[] = [];
  for (
    const p of [...pipelines.values()].sort((a, b) => a.name < b.name ? -1 : 1)
  ) {
    const generation = generationOf(p);
    const groups = new Map<string, ServedModel>();
    for (const m of p.models) {
      groups.set(`${m.nodeType}\u0000${m.source}\u0000${m.featureGroup}`, m);
    }
    for (const key of [...groups.keys()].sort()) {
      const m = groups.get(key)!;
      for (const outputType of OUTPUT_TYPES) {
        const s = selectModel(pipelines, {
          source: m.source,
          outputType,
          featureGroup: m.featureGroup,
          nodeType: m.nodeType,
          looseNodeType: false,
          pipelineName: p.name,
        }, options);
        if (s === undefined) continue;
        out.push({
          pipeline: p.name,
          generation,
          node_type: m.nodeType,
          source: m.source,
          output_type: outputType,
          feature_group: m.featureGroup,
          model: s.model.name,
        });
      }
    }
  }
  return out;
}
