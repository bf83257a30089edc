/**
 * Model selection: which served model answers a request. Upstream's
 * algorithm (`select_best_model` in `server/model_server.py`), with its
 * bugs fixed:
 *
 * 1. One pipeline per energy source: the request's `pipeline_name`, else
 *    the source's default (upstream's `ec2-0.7.11` for rapl-sysfs and
 *    `specpower-0.7.11` for acpi, then `std_v0.7.11`), else the first
 *    loaded pipeline (by name) that has the source.
 * 2. Candidates: the output type; every feature (of the model and of its
 *    feature group) among the request's metrics; the trainer, if given
 *    (exact name, not a substring); the filters (which work, unlike
 *    upstream's); and what the reply needs (weights, an archive, or a model
 *    the estimator can evaluate).
 * 3. Node type, compared as a number (upstream's `"_1" in name` also matched
 *    10): an explicit node type wins; for −1 with a machine spec, node
 *    types whose spec covers the request's win. Otherwise, when loose, the
 *    most similar node type by upstream's spec similarity (processor 5,
 *    cores 1, chips 1, memory 0.5, frequency 0.5); with no similarity,
 *    upstream's fallback to the node type with the most cores.
 * 4. The lowest error (`ERROR_KEY`, default `mae`) across feature groups;
 *    models without it rank last instead of being dropped, so a pipeline
 *    published without metadata is still served.
 *
 * One deliberate difference: Kepler v0.7.12 sends `node_type: 0` from every
 * machine together with its real `machine_spec`. When the spec contradicts
 * the requested node type's spec in the pipeline's index, the spec decides.
 *
 * @module
 */
import { DEFAULT_PIPELINE_NAME } from "../layout.ts";
import {
  ALL_FEATURE_GROUPS,
  type EnergySource,
  type ErrorKey,
  FEATURE_GROUP_FEATURES,
  type FeatureGroup,
  type MachineSpec,
  NODE_ATTRIBUTES,
  OUTPUT_TYPES,
  type OutputType,
} from "../types.ts";
import { keplerCurveOf } from "../pipeline/kepler_weight_file.ts";
import { VCPUS_FEATURE } from "../extract/vm_join.ts";
import { rankingError } from "../pipeline/model_metadata.ts";
import { closestBySpec, specCovers } from "../pipeline/node_type_index.ts";
import { type ModelFilter, passesModelFilter } from "./model_filter.ts";
import type { ServedModel, ServedPipeline } from "./pipeline_catalog.ts";

/** Upstream's default pipeline of each energy source. */
export const DEFAULT_PIPELINES: Readonly<
  Partial<Record<EnergySource, string>>
> = {
  "rapl-sysfs": "ec2-0.7.11",
  acpi: "specpower-0.7.11",
};

/** What the reply needs from the model. */
export type ModelNeed = "weight" | "archive" | "estimate" | "any";

/** A selection request. */
export interface ModelQuery {
  /** Energy source. */
  source: EnergySource;
  /** Output type. */
  outputType: OutputType;
  /** Metrics the client has; undefined skips the feature check. */
  metrics?: readonly string[];
  /** Node type, −1 for any. Default: −1. */
  nodeType?: number;
  /** The client's machine spec. */
  machineSpec?: Partial<MachineSpec>;
  /** Whether an inexact node type may be used. Default: true. */
  looseNodeType?: boolean;
  /** Only this trainer (`""` or undefined: any). */
  trainerName?: string;
  /** Filters on the model metadata. Default: none. */
  filters?: readonly ModelFilter[];
  /** Only this pipeline (`""` or undefined: the source's default). */
  pipelineName?: string;
  /** Only this feature group. Default: any. */
  featureGroup?: FeatureGroup;
  /** What the reply needs. Default: `"any"`. */
  need?: ModelNeed;
  /**
   * Only linear weight files unless a trainer is named: a weight reply
   * without `model_name` is evaluated as linear by Kepler, and one with a
   * curve fit's `model_name` on Kepler's first eBPF counter in Go map order
   * (an arbitrary one; lib/pipeline/kepler_weight_file.ts). Default: false.
   */
  linearOnly?: boolean;
}

/** Options of {@linkcode selectModel}. */
export interface SelectOptions {
  /**
   * Metadata key that ranks models (ERROR_KEY).
   *
   * @default {"mae"}
   */
  errorKey?: ErrorKey;
  /**
   * Default pipeline per source.
   *
   * @default {@linkcode DEFAULT_PIPELINES}
   */
  defaultPipelines?: Readonly<Partial<Record<EnergySource, string>>>;
}

/** How the node type was matched. */
export type NodeMatch = "node_type" | "covers" | "similar" | "largest" | "any";

/** The chosen model. */
export interface ModelSelection {
  /** The model. */
  model: ServedModel;
  /** Its pipeline. */
  pipeline: ServedPipeline;
  /** How its node type was matched. */
  match: NodeMatch;
  /** Spec similarity of its node type to the request (1 when exact). */
  similarity: number;
}

function known(
  spec: Partial<MachineSpec> | undefined,
): spec is Partial<MachineSpec> {
  return spec !== undefined && NODE_ATTRIBUTES.some((a) => {
    const v = spec[a];
    return v !== undefined && v !== "" && v !== -1;
  });
}

/**
 * The pipeline that serves a source: the named one (if it has the source),
 * else the default, else the first by name that has the source.
 *
 * @example
 * ```ts
 * import { choosePipeline } from "./select_model.ts";
 * import type { ServedPipeline } from "./pipeline_catalog.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const p = (name: string) => ({ name, sources: ["rapl-sysfs"] }) as unknown as ServedPipeline;
 * const all = new Map([["mine", p("mine")], ["ec2-0.7.11", p("ec2-0.7.11")]]);
 * assertEquals(choosePipeline(all, "rapl-sysfs")?.name, "ec2-0.7.11");
 * assertEquals(choosePipeline(all, "rapl-sysfs", { pipelineName: "mine" })?.name, "mine");
 * assertEquals(choosePipeline(all, "acpi"), undefined);
 * ```
 */
export function choosePipeline(
  pipelines: ReadonlyMap<string, ServedPipeline>,
  source: EnergySource,
  options: { pipelineName?: string } & Pick<SelectOptions, "defaultPipelines"> =
    {},
): ServedPipeline | undefined {
  const has = (p: ServedPipeline | undefined) =>
    p !== undefined && p.sources.includes(source) ? p : undefined;
  if (options.pipelineName) return has(pipelines.get(options.pipelineName));
  const defaults = options.defaultPipelines ?? DEFAULT_PIPELINES;
  const preferred = defaults[source];
  const found = (preferred ? has(pipelines.get(preferred)) : undefined) ??
    has(pipelines.get(DEFAULT_PIPELINE_NAME));
  if (found) return found;
  return [...pipelines.keys()].sort().map((n) => pipelines.get(n)).find(has);
}

/**
 * The error a served model is ranked by: its blocked cross-validation
 * figure when it has one, else its holdout `key` (a number, or a number in
 * a string as some summaries hold it).
 */
function errorOf(model: ServedModel, key: string): number {
  if (typeof model.metadata.cv_folds === "number") {
    return rankingError(model.metadata, key);
  }
  const v = model.metadata[key];
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : Infinity;
}

function best(
  models: readonly ServedModel[],
  key: string,
): ServedModel | undefined {
  let out: ServedModel | undefined, outErr = Infinity;
  for (const m of models) {
    const e = errorOf(m, key);
    if (
      out === undefined || e < outErr ||
      (e === outErr &&
        (ALL_FEATURE_GROUPS.indexOf(m.featureGroup) <
            ALL_FEATURE_GROUPS.indexOf(out.featureGroup) ||
          (m.featureGroup === out.featureGroup && m.name < out.name)))
    ) {
      out = m;
      outErr = e;
    }
  }
  return out;
}

/**
 * Whether a model can answer the query, ignoring node types.
 *
 * @example
 * ```ts
 * import { isCandidate } from "./select_model.ts";
 * import type { ServedModel, ServedPipeline } from "./pipeline_catalog.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = (name: string, nodeType: number, mae: number) => ({ pipeline: "p", source: "acpi",
 *   outputType: "AbsPower", featureGroup: "BPFOnly", name, trainer: name.replace(/_\d+$/, ""), nodeType,
 *   features: ["bpf_cpu_time_ms", "bpf_page_cache_hit"], metadata: { mae }, hasArchive: true,
 *   estimable: true, archive: () => Promise.resolve(undefined), load: () => Promise.resolve(undefined),
 * }) as ServedModel;
 * const spec = (cores: number) => ({ processor: "x", cores, chips: 1, memory: 64, frequency: 3000 });
 * const p = { name: "p", origin: "", kind: "dir", metadata: {}, sources: ["acpi"], warnings: [], loadedAt: 0,
 *   nodeTypeIndex: { "0": { attrs: spec(16), members: [] }, "1": { attrs: spec(64), members: [] } },
 *   models: [m("SGDRegressorTrainer_0", 0, 2), m("SGDRegressorTrainer_1", 1, 9)] } as ServedPipeline;
 * const q = { source: "acpi", outputType: "AbsPower", metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"] } as const;
 * assertEquals(isCandidate(p.models[0]!, q), true);
 * assertEquals(isCandidate(p.models[0]!, { ...q, metrics: ["bpf_cpu_time_ms"] }), false);
 * assertEquals(isCandidate(p.models[0]!, { ...q, trainerName: "SGD" }), false);
 * ```
 */
export function isCandidate(model: ServedModel, query: ModelQuery): boolean {
  if (model.source !== query.source || model.outputType !== query.outputType) {
    return false;
  }
  if (
    query.featureGroup !== undefined &&
    model.featureGroup !== query.featureGroup
  ) {
    return false;
  }
  if (query.trainerName && model.trainer !== query.trainerName) return false;
  const need = query.need ?? "any";
  if (need === "weight") {
    if (model.weightBody === undefined) return false;
    if (
      query.linearOnly && !query.trainerName &&
      keplerCurveOf(model.name) !== "linear"
    ) {
      return false;
    }
  }
  if (need === "archive" && !model.hasArchive) return false;
  if (need === "estimate" && !model.estimable) return false;
  if (query.metrics !== undefined) {
    // a VM model's vCPU count comes from the VM's spec, folded into the
    // bias of the weights served or evaluated (vmWeightsFor)
    const have = need === "weight" || need === "estimate"
      ? [...query.metrics, VCPUS_FEATURE]
      : query.metrics;
    if (!model.features.every((f) => have.includes(f))) return false;
    if (
      !FEATURE_GROUP_FEATURES[model.featureGroup].every((f) => have.includes(f))
    ) {
      return false;
    }
  }
  return passesModelFilter(model.metadata, model.features, query.filters ?? []);
}

/**
 * Picks the node type and the best model among candidates of one pipeline
 * (step 3 and 4 of the module doc).
 *
 * @example
 * ```ts
 * import { rankCandidates } from "./select_model.ts";
 * import type { ServedModel, ServedPipeline } from "./pipeline_catalog.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = (name: string, nodeType: number, mae: number) => ({ pipeline: "p", source: "acpi",
 *   outputType: "AbsPower", featureGroup: "BPFOnly", name, trainer: name.replace(/_\d+$/, ""), nodeType,
 *   features: ["bpf_cpu_time_ms", "bpf_page_cache_hit"], metadata: { mae }, hasArchive: true,
 *   estimable: true, archive: () => Promise.resolve(undefined), load: () => Promise.resolve(undefined),
 * }) as ServedModel;
 * const spec = (cores: number) => ({ processor: "x", cores, chips: 1, memory: 64, frequency: 3000 });
 * const p = { name: "p", origin: "", kind: "dir", metadata: {}, sources: ["acpi"], warnings: [], loadedAt: 0,
 *   nodeTypeIndex: { "0": { attrs: spec(16), members: [] }, "1": { attrs: spec(64), members: [] } },
 *   models: [m("SGDRegressorTrainer_0", 0, 2), m("SGDRegressorTrainer_1", 1, 9)] } as ServedPipeline;
 * const q = { source: "acpi", outputType: "AbsPower" } as const;
 * assertEquals(rankCandidates(p.models, p, q)?.model.name, "SGDRegressorTrainer_0");
 * const r = rankCandidates(p.models, p, { ...q, machineSpec: { cores: 60 } });
 * assertEquals([r?.model.name, r?.match], ["SGDRegressorTrainer_1", "similar"]);
 * ```
 */
export function rankCandidates(
  candidates: readonly ServedModel[],
  pipeline: ServedPipeline,
  query: ModelQuery,
  options: SelectOptions = {},
): Omit<ModelSelection, "pipeline"> | undefined {
  if (candidates.length === 0) return undefined;
  const key = options.errorKey ?? "mae";
  const loose = query.looseNodeType ?? true;
  const nodeType = query.nodeType ?? -1;
  const attrsOf = (m: ServedModel): Partial<MachineSpec> | undefined =>
    pipeline.nodeTypeIndex[String(m.nodeType)]?.attrs ?? m.machineSpec;
  const spec = known(query.machineSpec) ? query.machineSpec : undefined;
  let target: Partial<MachineSpec> | undefined = spec;
  const pick = (
    list: readonly ServedModel[],
    match: NodeMatch,
    similarity: number,
  ) => {
    const model = best(list, key);
    return model === undefined ? undefined : { model, match, similarity };
  };
  const requested = nodeType >= 0
    ? pipeline.nodeTypeIndex[String(nodeType)]?.attrs
    : undefined;
  const specWins = nodeType >= 0 && spec !== undefined &&
    requested !== undefined &&
    !specCovers(requested, spec);
  if (nodeType >= 0 && !specWins) {
    const exact = candidates.filter((m) => m.nodeType === nodeType);
    if (exact.length > 0) return pick(exact, "node_type", 1);
    if (!loose) return undefined;
    target = spec ?? requested;
  } else if (spec === undefined) {
    return pick(candidates, "any", 1);
  }
  // the requested node type's spec (when it has no model) is not covered:
  // only similarity counts; a machine's own spec is covered first
  const closest = target === undefined
    ? closestBySpec(candidates, attrsOf, {}, { covers: false })
    : closestBySpec(candidates, attrsOf, target, {
      covers: target === spec && !(nodeType >= 0 && !specWins),
    });
  if (closest !== undefined) {
    if (closest.match !== "covers" && !loose) return undefined;
    return pick(closest.items, closest.match, closest.similarity);
  }
  if (!loose) return undefined;
  return pick(candidates, "any", 0);
}

/**
 * The model that answers a query, or undefined when none can.
 *
 * @param pipelines The pipelines served, by name.
 * @param query What the client asks for: source, output type, metrics,
 *   node type or machine spec, and optional trainer, filters, pipeline and
 *   feature group.
 * @param options The error that ranks models and the default pipeline per
 *   source.
 * @returns The model of lowest error among the candidates of the best
 *   matching node type, with its pipeline and how the node type matched;
 *   undefined when no pipeline serves the source or no model qualifies.
 *
 * @example
 * ```ts
 * import { selectModel } from "./select_model.ts";
 * import type { ServedModel, ServedPipeline } from "./pipeline_catalog.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const model = (name: string, nodeType: number, mae: number) => ({ pipeline: "p", source: "acpi",
 *   outputType: "AbsPower", featureGroup: "BPFOnly", name, trainer: name.split("_")[0], nodeType,
 *   features: ["bpf_cpu_time_ms", "bpf_page_cache_hit"], metadata: { mae }, hasArchive: true,
 *   estimable: false, archive: () => Promise.resolve(undefined), load: () => Promise.resolve(undefined),
 * }) as ServedModel;
 * const p = { name: "p", origin: "", kind: "dir", metadata: {}, nodeTypeIndex: {}, sources: ["acpi"],
 *   warnings: [], loadedAt: 0, models: [model("A_1", 1, 5), model("B_10", 10, 1)] } as ServedPipeline;
 * const q = { source: "acpi", outputType: "AbsPower", nodeType: 1, metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"] } as const;
 * assertEquals(selectModel(new Map([["p", p]]), q)?.model.name, "A_1");
 * ```
 */
export function selectModel(
  pipelines: ReadonlyMap<string, ServedPipeline>,
  query: ModelQuery,
  options: SelectOptions = {},
): ModelSelection | undefined {
  const pipeline = choosePipeline(pipelines, query.source, {
    ...(query.pipelineName ? { pipelineName: query.pipelineName } : {}),
    ...(options.defaultPipelines
      ? { defaultPipelines: options.defaultPipelines }
      : {}),
  });
  if (pipeline === undefined) return undefined;
  const candidates = pipeline.models.filter((m) => isCandidate(m, query));
  const ranked = rankCandidates(candidates, pipeline, query, options);
  return ranked === undefined ? undefined : { ...ranked, pipeline };
}

/**
 * The feature groups upstream's `FeatureGroups` dict has (`util/train_types.py`):
 * its clients look each name `GET /best-models` lists up in that dict
 * (`FeatureGroups[FeatureGroup[name]]`), so any other name (IRQOnly,
 * ThirdParty, the legacy CgroupOnly and KubeletOnly) fails them with a
 * KeyError.
 */
export const UPSTREAM_FEATURE_GROUPS: readonly FeatureGroup[] = [
  "Full",
  "WorkloadOnly",
  "CounterOnly",
  "BPFOnly",
  "BPFIRQ",
  "CounterIRQCombined",
  "Basic",
  "AcceleratorOnly",
];

/** Options of {@linkcode bestModels}. */
export interface BestModelsQuery {
  /** Energy source. */
  source: EnergySource;
  /** Only this output type. Default: both. */
  outputType?: OutputType;
  /** Only this feature group. Default: every group of `featureGroups`. */
  featureGroup?: FeatureGroup;
  /**
   * The groups listed when no `featureGroup` is given. Default: every group
   * (the server passes {@linkcode UPSTREAM_FEATURE_GROUPS} unless asked for
   * all).
   */
  featureGroups?: readonly FeatureGroup[];
  /** Only this node type (strict). Default: any. */
  nodeType?: number;
  /** Filters. Default: none. */
  filters?: readonly ModelFilter[];
  /** Only this pipeline. Default: the source's default. */
  pipelineName?: string;
}

/**
 * Upstream's `GET /best-models`: the best model name per output type and
 * feature group, `{"AbsPower": {"BPFOnly": "SGDRegressorTrainer_0"}, ...}`.
 *
 * @param pipelines The pipelines served, by name.
 * @param query The source, and optionally the output type, feature groups,
 *   node type (strict), filters and pipeline to consider.
 * @param options The error that ranks models and the default pipeline per
 *   source.
 * @returns Per output type asked for, the best model's name per feature
 *   group that has one (an output type without models maps to `{}`).
 *
 * @example
 * ```ts
 * import { bestModels } from "./select_model.ts";
 * import type { ServedModel, ServedPipeline } from "./pipeline_catalog.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const m = (name: string, nodeType: number, mae: number) => ({ pipeline: "p", source: "acpi",
 *   outputType: "AbsPower", featureGroup: "BPFOnly", name, trainer: name.replace(/_\d+$/, ""), nodeType,
 *   features: ["bpf_cpu_time_ms", "bpf_page_cache_hit"], metadata: { mae }, hasArchive: true,
 *   estimable: true, archive: () => Promise.resolve(undefined), load: () => Promise.resolve(undefined),
 * }) as ServedModel;
 * const spec = (cores: number) => ({ processor: "x", cores, chips: 1, memory: 64, frequency: 3000 });
 * const p = { name: "p", origin: "", kind: "dir", metadata: {}, sources: ["acpi"], warnings: [], loadedAt: 0,
 *   nodeTypeIndex: { "0": { attrs: spec(16), members: [] }, "1": { attrs: spec(64), members: [] } },
 *   models: [m("SGDRegressorTrainer_0", 0, 2), m("SGDRegressorTrainer_1", 1, 9)] } as ServedPipeline;
 * const all = new Map([["p", p]]);
 * assertEquals(bestModels(all, { source: "acpi", outputType: "AbsPower" }), { AbsPower: { BPFOnly: "SGDRegressorTrainer_0" } });
 * assertEquals(bestModels(all, { source: "acpi", outputType: "AbsPower", nodeType: 1 }), { AbsPower: { BPFOnly: "SGDRegressorTrainer_1" } });
 * ```
 */
export function bestModels(
  pipelines: ReadonlyMap<string, ServedPipeline>,
  query: BestModelsQuery,
  options: SelectOptions = {},
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (
    const outputType of query.outputType ? [query.outputType] : OUTPUT_TYPES
  ) {
    out[outputType] = {};
    for (
      const featureGroup of query.featureGroup
        ? [query.featureGroup]
        : query.featureGroups ?? ALL_FEATURE_GROUPS
    ) {
      const s = selectModel(pipelines, {
        source: query.source,
        outputType,
        featureGroup,
        nodeType: query.nodeType ?? -1,
        looseNodeType: false,
        filters: query.filters ?? [],
        ...(query.pipelineName ? { pipelineName: query.pipelineName } : {}),
      }, options);
      if (s !== undefined) out[outputType]![featureGroup] = s.model.name;
    }
  }
  return out;
}
