/**
 * `estimateVm()`: a VM's power from its guest's view (the Kepler inside the
 * VM: usage counters, no energy) with a VM pipeline (`train --vm-train`,
 * `"vm": true` in its `metadata.json`). The VM model is that of the
 * closest VM size, chosen as `serve` chooses for a machine spec
 * (`closestBySpec`: sizes whose spec covers the VM's vCPUs and memory,
 * else the most similar by upstream's spec similarity, else the most
 * cores), and among the models of the sizes tied there the lowest
 * recorded error (`ERROR_KEY`), as `serve` ranks them. The
 * pipeline's `vm_normalization` is applied as it was at training:
 * `per-vcpu` divides the usage by the VM's vCPUs and multiplies the power
 * back, `size-feature` gives the VM's vCPUs as the feature `vm_vcpus`,
 * `none` (or a pipeline that does not record one) uses the raw usage.
 *
 * With the host's view as well, the estimate is compared with the power
 * the host's Kepler attributes to the VM (`kepler_vm_<c>_joules_total`),
 * per component, on the intervals both views hold.
 *
 * @module
 */
import type { Frame } from "../extract/frame.ts";
import type { QueryData } from "../extract/read_query.ts";
import {
  guestUsage,
  joinVmViews,
  VCPUS_FEATURE,
  VM_NORMALIZATIONS,
  type VmNormalization,
} from "../extract/vm_join.ts";
import { rankingError } from "../pipeline/model_metadata.ts";
import { closestBySpec } from "../pipeline/node_type_index.ts";
import { readPipeline } from "../pipeline/read_pipeline.ts";
import type {
  Component,
  EnergySource,
  ErrorKey,
  MachineSpec,
  OutputType,
} from "../types.ts";
import { pipelineModelCandidates, readPipelineInfo } from "./find_models.ts";
import type { EstimatorModel } from "./estimator_model.ts";

/** Options of {@linkcode estimateVm}. */
export interface EstimateVmOptions {
  /** The VM pipeline's folder. */
  pipeline: string;
  /** The VM's machine spec: `cores` is its vCPU count (required), memory. */
  spec: Partial<MachineSpec> & { cores: number };
  /**
   * The host's query, to compare with the power it attributes to the VM.
   *
   * @default {undefined} no comparison
   */
  host?: QueryData;
  /**
   * Energy source.
   *
   * @default {"rapl-sysfs"}
   */
  source?: EnergySource;
  /**
   * AbsPower (idle and dynamic) or DynPower.
   *
   * @default {"AbsPower"}
   */
  outputType?: OutputType;
  /**
   * The recorded error that ranks a size's models (ERROR_KEY).
   *
   * @default {"mae"}
   */
  errorKey?: ErrorKey;
}

/** The power of one component of the VM. */
export interface VmComponentEstimate {
  /** The component. */
  component: Component;
  /** Estimated power per interval, watts. */
  power: Float64Array;
  /** The host's attribution per interval, watts (with `host`). */
  hostPower?: Float64Array;
  /** Mean absolute error against the host's attribution (with `host`). */
  mae?: number;
}

/** What {@linkcode estimateVm} estimated. */
export interface VmEstimate {
  /** The VM's name (the guest's `instance`). */
  vm: string;
  /** The VM's vCPUs. */
  vcpus: number;
  /** The model used, `<Trainer>_<node type>`. */
  model: string;
  /** Its node type (VM size) in the pipeline. */
  nodeType: number;
  /** The vCPUs of that size. */
  modelVcpus: number;
  /** Spec similarity of that size to the VM's (1 when exact). */
  similarity: number;
  /** The normalization applied. */
  normalization: VmNormalization;
  /** End of each interval, unix seconds. */
  timestamp: Float64Array;
  /** Per component, in the source's order. */
  components: VmComponentEstimate[];
}

const FEATURE_GROUP = "BPFOnly";

function normalizationOf(
  metadata: Readonly<Record<string, unknown>>,
  path: string,
): VmNormalization {
  const v = metadata.vm_normalization;
  if (v === undefined) return "none";
  if (!(VM_NORMALIZATIONS as readonly unknown[]).includes(v)) {
    throw new TypeError(
      `Invalid VM pipeline metadata ${path}: vm_normalization is ${
        JSON.stringify(v)
      }, expected one of ${VM_NORMALIZATIONS.join(", ")}`,
    );
  }
  return v as VmNormalization;
}

/**
 * The model's input features from the VM's raw usage: `per-vcpu` divides
 * by the vCPUs, `size-feature` adds the vCPU count as `vm_vcpus`.
 */
function modelFeatures(
  raw: Readonly<Record<string, Float64Array>>,
  normalization: VmNormalization,
  vcpus: number,
  length: number,
): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const [f, x] of Object.entries(raw)) {
    out[f] = normalization === "per-vcpu" ? x.map((v) => v / vcpus) : x;
  }
  if (normalization === "size-feature") {
    out[VCPUS_FEATURE] = new Float64Array(length).fill(vcpus);
  }
  return out;
}

/** The VM model chosen for a spec, and how its inputs are normalised. */
interface VmModelChoice {
  model: EstimatorModel;
  name: string;
  nodeType: number;
  modelVcpus: number;
  similarity: number;
  normalization: VmNormalization;
}

/** The pipeline's model of the VM size closest to the spec (see the module doc). */
async function chooseVmModel(
  options: EstimateVmOptions,
  source: EnergySource,
  outputType: OutputType,
): Promise<VmModelChoice> {
  const info = await readPipelineInfo(options.pipeline);
  const read = await readPipeline(info.generation ?? info.folder, {
    sources: [source],
    outputTypes: [outputType],
  });
  const metadata = read.metadata ?? {};
  if (metadata.vm !== true) {
    throw new TypeError(
      `Cannot estimate VM power with pipeline ${info.name}: it is not a VM pipeline (${read.paths.metadata} has no "vm": true; train one with train --vm-train)`,
    );
  }
  const normalization = normalizationOf(metadata, read.paths.metadata);
  const models = read.models.filter((m) =>
    m.featureGroup === FEATURE_GROUP && m.nodeType !== undefined
  );
  const index = read.nodeTypeIndex ?? {};
  const attrsOf = (m: (typeof models)[number]) =>
    index[String(m.nodeType)]?.attrs;
  // serve's choice for a machine spec: covering sizes, else the most
  // similar, else the most cores; among their models the least error
  const closest = closestBySpec(models, attrsOf, options.spec);
  if (closest === undefined) {
    throw new RangeError(
      `Cannot estimate VM power with pipeline ${info.name}: it has no VM model for ${source} ${outputType} ${FEATURE_GROUP}`,
    );
  }
  const key = options.errorKey ?? "mae";
  const rank = (m: (typeof models)[number]) => rankingError(m.metadata, key);
  const best = closest.items.reduce((a, b) =>
    rank(b) < rank(a) || (rank(b) === rank(a) && b.name < a.name) ? b : a
  );
  const { candidates } = await pipelineModelCandidates(
    info,
    { source, outputType },
    { featureGroups: [FEATURE_GROUP], modelName: best.name },
  );
  return {
    model: await candidates[0]!.load(),
    name: best.name,
    nodeType: best.nodeType!,
    modelVcpus: Number(attrsOf(best)!.cores),
    similarity: closest.similarity,
    normalization,
  };
}

/** The VM's raw usage, and the host's attribution when the host is given. */
function vmUsage(
  guest: QueryData,
  options: EstimateVmOptions,
  features: readonly string[],
  source: EnergySource,
  outputType: OutputType,
) {
  if (options.host === undefined) {
    const usage = guestUsage(guest, features);
    return {
      vm: usage.name,
      timestamp: usage.timestamp,
      raw: usage.features,
      hostPower: undefined,
    };
  }
  const { frame } = joinVmViews(options.host, [{
    query: guest,
    spec: {
      processor: "",
      chips: 1,
      memory: 0,
      frequency: 0,
      cores: options.spec.cores,
    },
  }], {
    source,
    features,
    mode: outputType === "AbsPower" ? "all" : "dynamic",
  });
  return {
    vm: frame.instances[0]!,
    timestamp: frame.timestamp,
    raw: frame.features,
    hostPower: frame.power,
  };
}

/**
 * Estimates a VM's power from its guest's view (see the module doc).
 *
 * @param guest The guest Kepler's query (`kepler_container_*` usage).
 * @param options The VM pipeline, the VM's spec, and optionally the host's
 *   query to compare with.
 * @returns The model chosen and the power per component (and the error
 *   against the host's attribution with `host`).
 * @throws {TypeError} when the pipeline is not a VM pipeline.
 * @throws {RangeError} when it has no VM model for the source and output
 *   type, or the guest's usage cannot be read.
 *
 * @example
 * ```ts
 * import { estimateVm } from "./vm_estimate.ts";
 * import { trainVmPipeline } from "../train/vm_pipeline.ts";
 * import { simulateVmHost } from "../simulate/mod.ts";
 * import { queryJsonBytes } from "../simulate/query_json.ts";
 * import { parseQuery } from "../extract/mod.ts";
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * const sim = simulateVmHost({ start: 1_700_000_001, duration: 300 });
 * const [host, ...guests] = [sim.host, ...sim.guests].map((q) => parseQuery(queryJsonBytes(q)));
 * const dir = await Deno.makeTempDir();
 * const report = await trainVmPipeline(host!,
 *   guests.map((query, i) => ({ query, spec: sim.guests[i]!.spec })),
 *   { modelPath: dir, trainers: ["LinearRegressionTrainer"] });
 * const vm = await estimateVm(guests[1]!, { pipeline: report.pipelineDir, spec: { cores: 4, memory: 16 }, host: host! });
 * assertEquals([vm.model, vm.modelVcpus, vm.normalization], ["LinearRegressionTrainer_1", 4, report.normalization]);
 * assert(vm.components.every((c) => c.mae! < 4)); // watts
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function estimateVm(
  guest: QueryData,
  options: EstimateVmOptions,
): Promise<VmEstimate> {
  const source = options.source ?? "rapl-sysfs";
  const outputType = options.outputType ?? "AbsPower";
  const vcpus = options.spec.cores;
  if (!(Number.isInteger(vcpus) && vcpus > 0)) {
    throw new RangeError(
      `Cannot estimate VM power: the VM's vCPUs (cores) must be a positive integer, got ${vcpus}`,
    );
  }
  const choice = await chooseVmModel(options, source, outputType);
  const { model, normalization } = choice;
  const { vm, timestamp, raw, hostPower } = vmUsage(
    guest,
    options,
    model.features.filter((f) => f !== VCPUS_FEATURE),
    source,
    outputType,
  );
  const length = timestamp.length;
  const features = modelFeatures(raw, normalization, vcpus, length);
  const frame: Frame = {
    level: "node",
    source,
    length,
    timestamp,
    instances: [vm],
    instance: new Uint32Array(length),
    containers: [],
    featureNames: Object.keys(features).sort(),
    features,
    components: [...model.components],
    power: {},
    nodeType: new Int32Array(length).fill(choice.nodeType),
  };
  const predicted = model.predict(frame);
  const scale = normalization === "per-vcpu" ? vcpus : 1;
  const components = model.components.map((component) => {
    const power = predicted[component]!.yHat.map((p) => p * scale);
    const truth = hostPower?.[component];
    if (truth === undefined) return { component, power };
    let sum = 0;
    for (let i = 0; i < length; i++) sum += Math.abs(power[i]! - truth[i]!);
    return { component, power, hostPower: truth, mae: sum / length };
  });
  return {
    vm,
    vcpus,
    model: choice.name,
    nodeType: choice.nodeType,
    modelVcpus: choice.modelVcpus,
    similarity: choice.similarity,
    normalization,
    timestamp,
    components,
  };
}
