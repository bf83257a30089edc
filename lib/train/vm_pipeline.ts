/**
 * `trainVmPipeline()`: VM power models in today's pipeline layout. The
 * host's per-VM energy is joined with each guest's usage
 * (`joinVmViews`), and for each VM size (a node type, its spec the VM's:
 * vCPUs as `cores`, memory, instance type as `processor`) and output type
 * (AbsPower: idle and dynamic energy; DynPower: dynamic only) every
 * trainer fits one model. Each `weight.json` is for the guest's raw usage
 * of a VM of its size (`vmRawWeights`), so Kepler inside a VM loads it
 * exactly as it loads node weights. The pipeline's `metadata.json` says
 * `metric_type: vm_metrics` and `vm: true`; `vm_cross_validation.json`
 * holds the blocked cross-validation across VMs and VM sizes of each
 * candidate normalization and the choice (`auto`: the least held-out
 * error), and the models are fitted with that choice, recorded as
 * `vm_normalization` in `metadata.json`: `none` fits each size's VMs on
 * raw usage; `per-vcpu` fits each size's VMs on usage and power per vCPU
 * (applied to a VM of `v` vCPUs: usage ÷ `v`, power × `v`); `size-feature`
 * fits every VM (a vCPU count that is constant within a size cannot be
 * learned) with the vCPU count as the feature `vm_vcpus`, written once per
 * size. `estimate` applies the normalization, and `serve` rescales a
 * linear `weight.json` for the requesting VM's vCPUs
 * (`vmWeightsFor`), so Kepler's linear formula on the guest's raw usage
 * gives the VM's watts.
 *
 * Cost by design: each model's rows are capped (`rowCap`, thinned per VM
 * evenly in time), the across-VM CV fits one cheap trainer per fold and
 * runs once per normalization, and the per-model CV folds default to 0.
 *
 * @module
 */
import type {
  EnergySource,
  FeatureGroup,
  MachineSpec,
  OutputType,
  TrainerName,
} from "../types.ts";
import type { Frame } from "../extract/frame.ts";
import { joinVmViews, VM_NORMALIZATIONS } from "../extract/vm_join.ts";
import type {
  GuestView,
  VmFrame,
  VmNormalization,
} from "../extract/vm_join.ts";
import type { QueryData } from "../extract/read_query.ts";
import { beginGeneration } from "../pipeline/generation.ts";
import {
  writePipelineFiles,
  writePipelineModel,
} from "../pipeline/write_pipeline.ts";
import { formatPipelineTime } from "../pipeline/pipeline_metadata.ts";
import type { NodeTypeIndex } from "../pipeline/node_type_index.ts";
import { trainModel } from "./train_model.ts";
import type { TrainedModel } from "./train_model_types.ts";
import { vmRawWeights } from "../pipeline/vm_weights.ts";
import { writeSummary } from "./pipeline.ts";
import {
  chooseVmNormalization,
  crossValidateVms,
  thinRowsPerVm,
} from "./vm_train.ts";
import type { VmCrossValidation } from "./vm_train.ts";

/** Options of {@linkcode trainVmPipeline}. */
export interface TrainVmPipelineOptions {
  /** Folder of pipelines (MODEL_PATH). */
  modelPath: string;
  /**
   * The pipeline's name.
   *
   * @default {"vm_pipeline"}
   */
  pipelineName?: string;
  /**
   * The host's energy source.
   *
   * @default {"rapl-sysfs"}
   */
  source?: EnergySource;
  /**
   * Trainers of every model.
   *
   * @default {["LinearRegressionTrainer", "SGDRegressorTrainer", "XgboostFitTrainer"]}
   */
  trainers?: readonly TrainerName[];
  /**
   * How VM size enters the across-VM CV: one normalization, or `auto`
   * (each is cross-validated and the least held-out error recorded).
   *
   * @default {"auto"}
   */
  normalization?: VmNormalization | "auto";
  /**
   * Most rows per model and per CV fold (thinned per VM, evenly in time).
   *
   * @default {2000}
   */
  rowCap?: number;
  /**
   * Seed of the split and the trainers.
   *
   * @default {42}
   */
  seed?: number;
  /**
   * Called after each model is written.
   *
   * @default {undefined} nothing
   */
  onModel?: (outputType: OutputType, name: string) => void;
}

/** What {@linkcode trainVmPipeline} wrote. */
export interface VmTrainReport {
  /** The pipeline folder. */
  pipelineDir: string;
  /** The VM sizes (vCPUs) by node type. */
  sizes: number[];
  /** The models written, `<Trainer>_<node type>` per output type. */
  models: { outputType: OutputType; name: string; mae: number }[];
  /** The normalization the across-VM CV chose (or was given). */
  normalization: VmNormalization;
  /** The across-VM cross-validation of each candidate. */
  crossValidation: VmCrossValidation[];
}

const FEATURE_GROUP: FeatureGroup = "BPFOnly";
const DEFAULT_TRAINERS: readonly TrainerName[] = [
  "LinearRegressionTrainer",
  "SGDRegressorTrainer",
  "XgboostFitTrainer",
];

/** The frame restricted to `rows`. */
function subsetFrame(frame: Frame, rows: readonly number[]): Frame {
  const pick = (a: Float64Array) => Float64Array.from(rows, (i) => a[i]!);
  const features: Record<string, Float64Array> = {};
  for (const f of frame.featureNames) features[f] = pick(frame.features[f]!);
  const power: Frame["power"] = Object.fromEntries(
    frame.components.map((c) => [c, pick(frame.power[c]!)]),
  );
  return {
    ...frame,
    length: rows.length,
    timestamp: pick(frame.timestamp),
    instance: Uint32Array.from(rows, (i) => frame.instance[i]!),
    features,
    power,
    nodeType: Int32Array.from(rows, (i) => frame.nodeType[i]!),
  };
}

/** The node type index: one entry per VM size, members its VMs. */
function vmNodeTypes(vf: VmFrame, specs: readonly MachineSpec[]) {
  const index: NodeTypeIndex = {};
  vf.sizes.forEach((size, t) => {
    const members = vf.frame.instances.filter((_, v) => vf.vcpus[v] === size);
    // the guests' specs are in input order, the frame's VMs by name
    const spec = specs.find((s) => s.cores === size)!;
    index[String(t)] = { attrs: { ...spec, cores: size }, members };
  });
  return index;
}

/**
 * The model as written: its `weight.json` on the raw usage of a VM of the
 * size (`vmRawWeights`; none for a normalised curve fit), its metadata with
 * `vm_vcpus`, `vm_normalization` and `vm_bias_per_vcpu` (how `serve`
 * rescales the file for another size).
 */
function forKepler(
  trained: TrainedModel,
  normalization: VmNormalization,
  vcpus: number,
): TrainedModel {
  const { weights, ...rest } = trained;
  const raw = weights === undefined
    ? undefined
    : vmRawWeights(weights, normalization, vcpus);
  return {
    ...rest,
    metadata: {
      ...trained.metadata,
      vm_vcpus: vcpus,
      vm_normalization: normalization,
      ...(raw?.biasPerVcpu ? { vm_bias_per_vcpu: raw.biasPerVcpu } : {}),
    },
    ...(raw === undefined ? {} : { weights: raw.weights }),
  };
}

/** Trains and writes every model; returns the sizes and the index. */
async function writeVmModels(
  dir: string,
  host: QueryData,
  guests: readonly GuestView[],
  options: TrainVmPipelineOptions,
  normalization: VmNormalization,
) {
  const source = options.source ?? "rapl-sysfs";
  const trainers = options.trainers ?? DEFAULT_TRAINERS;
  const cap = options.rowCap ?? 2000;
  const models: VmTrainReport["models"] = [];
  let sizes: number[] = [];
  let nodeTypeIndex: NodeTypeIndex = {};
  for (const outputType of ["AbsPower", "DynPower"] as const) {
    const vf = joinVmViews(host, guests, {
      source,
      mode: outputType === "AbsPower" ? "all" : "dynamic",
      normalization,
    });
    sizes = vf.sizes;
    nodeTypeIndex = vmNodeTypes(vf, guests.map((g) => g.spec));
    for (let t = 0; t < vf.sizes.length; t++) {
      const rows = Array.from({ length: vf.frame.length }, (_, i) => i)
        .filter((i) =>
          normalization === "size-feature" || vf.frame.nodeType[i] === t
        );
      const frame = subsetFrame(
        vf.frame,
        thinRowsPerVm(rows, vf.frame.instance, cap),
      );
      for (const trainer of trainers) {
        const fitted = trainModel(frame, trainer, {
          featureGroup: FEATURE_GROUP,
          outputType,
          nodeType: t,
          seed: options.seed ?? 42,
          cvFolds: 0,
          machineSpec: nodeTypeIndex[String(t)]!.attrs,
        });
        const trained = forKepler(fitted, normalization, vf.sizes[t]!);
        await writePipelineModel(
          dir,
          { source, outputType, featureGroup: FEATURE_GROUP },
          trained,
        );
        models.push({
          outputType,
          name: trained.name,
          mae: trained.metadata.mae,
        });
        options.onModel?.(outputType, trained.name);
      }
    }
    await writeSummary(dir, source, outputType);
  }
  return { sizes, models, nodeTypeIndex };
}

/** metadata.json (`vm_metrics`, `vm: true`) and node_type_index.json. */
async function writeVmFiles(
  dir: string,
  name: string,
  source: EnergySource,
  trainers: readonly TrainerName[],
  seed: number,
  nodeTypeIndex: NodeTypeIndex,
  normalization: VmNormalization,
): Promise<void> {
  const time = formatPipelineTime(new Date());
  await writePipelineFiles(dir, {
    metadata: {
      name,
      isolator: "none",
      extractor: "default",
      abs_trainers: [...trainers],
      dyn_trainers: [...trainers],
      metric_type: "vm_metrics",
      init_time: time,
      last_update_time: time,
      energy_sources: [source],
      seed,
      vm: true,
      vm_normalization: normalization,
    },
    nodeTypeIndex,
  });
}

/**
 * Trains VM power models into a pipeline (see the module doc).
 *
 * @param host The host Kepler's query (`kepler_vm_*_joules_total`).
 * @param guests Each guest's query and machine spec (vCPUs as `cores`).
 * @param options Where to write, trainers, normalization, row cap.
 * @returns What was written.
 * @throws {RangeError} when the views do not join, or fewer than two VMs
 *   are given.
 *
 * @example
 * ```ts
 * import { trainVmPipeline } from "./vm_pipeline.ts";
 * import { simulateVmHost } from "../simulate/mod.ts";
 * import { queryJsonBytes } from "../simulate/query_json.ts";
 * import { parseQuery } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const sim = simulateVmHost({ start: 1_700_000_001, duration: 300 });
 * const dir = await Deno.makeTempDir();
 * const report = await trainVmPipeline(
 *   parseQuery(queryJsonBytes(sim.host)),
 *   sim.guests.map((g) => ({ query: parseQuery(queryJsonBytes(g)), spec: g.spec })),
 *   { modelPath: dir, trainers: ["LinearRegressionTrainer"] },
 * );
 * assertEquals(report.sizes, [2, 4, 8, 16]);
 * assertEquals(report.models.length, 8); // 4 sizes × AbsPower, DynPower
 * const meta = JSON.parse(await Deno.readTextFile(`${dir}/vm_pipeline/metadata.json`));
 * assertEquals([meta.metric_type, meta.vm], ["vm_metrics", true]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function trainVmPipeline(
  host: QueryData,
  guests: readonly GuestView[],
  options: TrainVmPipelineOptions,
): Promise<VmTrainReport> {
  const name = options.pipelineName ?? "vm_pipeline";
  const source = options.source ?? "rapl-sysfs";
  const trainers = options.trainers ?? DEFAULT_TRAINERS;
  const cap = options.rowCap ?? 2000;
  const wanted = options.normalization ?? "auto";
  const candidates = wanted === "auto" ? [...VM_NORMALIZATIONS] : [wanted];
  const crossValidation = candidates.map((normalization) =>
    crossValidateVms(
      joinVmViews(host, guests, { source, normalization }),
      normalization,
      { rowCap: cap },
    )
  );
  const { normalization } = chooseVmNormalization(crossValidation);
  const generation = await beginGeneration(options.modelPath, name);
  const dir = generation.dir;
  try {
    const { sizes, models, nodeTypeIndex } = await writeVmModels(
      dir,
      host,
      guests,
      options,
      normalization,
    );
    await writeVmFiles(
      dir,
      name,
      source,
      trainers,
      options.seed ?? 42,
      nodeTypeIndex,
      normalization,
    );
    await writePipelineFiles(dir, {
      vmCrossValidation: {
        normalization,
        candidates: crossValidation,
        row_cap: cap,
        thinning: "every k-th sample of each VM, k = ceil(rows / row_cap)",
      },
    });
    await generation.publish();
    return {
      pipelineDir: generation.pipelineDir,
      sizes,
      models,
      normalization,
      crossValidation,
    };
  } catch (error) {
    await generation.abort();
    throw error;
  }
}
