/**
 * The weights Kepler inside a VM loads. Kepler evaluates a `weight.json`
 * on the guest's raw usage (`P = Bias_Weight + Σ weight · x / scale`), but
 * a VM model may be fitted on normalised inputs (`vm_normalization`):
 *
 * - `per-vcpu`: `P / v = B + Σ c·(x / v)`, so for a VM of `v` vCPUs
 *   `P = v·B + Σ c·x`: the bias times `v`, the feature weights unchanged;
 * - `size-feature`: `P = B + Σ c·x + c_v·v` with `c_v` the weight over
 *   the scale of `vm_vcpus`, so `Bias_Weight = B + c_v·v` and `vm_vcpus`
 *   leaves the file (Kepler does not collect it);
 * - `none`: the file as fitted.
 *
 * Either way the bias is linear in the VM's vCPUs, with a slope per
 * component (`B` or `c_v`): a file written for `s` vCPUs is rescaled for
 * `v` by adding `slope·(v − s)` to each bias (`vmWeightsFor`). Curve-fit
 * weights cannot be rescaled; a normalised curve-fit model has no file.
 *
 * @module
 */
import type { Component } from "../types.ts";
import { VCPUS_FEATURE, type VmNormalization } from "../extract/vm_join.ts";
import type { KeplerWeights } from "./kepler_weight_file.ts";

/** Kepler weights per component, as a `weight.json` holds them. */
export type ComponentWeights = Partial<Record<Component, KeplerWeights>>;

/** Raw-usage weights for one VM size and the bias's slope in vCPUs. */
export interface VmRawWeights {
  /** The weights on the guest's raw usage, for the VM size given. */
  weights: ComponentWeights;
  /**
   * Watts of bias per vCPU, per component (absent for `none`): the file
   * for `v` vCPUs has `Bias_Weight + slope·(v − vcpus)`.
   */
  biasPerVcpu?: Partial<Record<Component, number>>;
}

/**
 * The weights Kepler evaluates on a VM's raw usage, from the weights of a
 * model fitted with `normalization`, for a VM of `vcpus` (see the module
 * doc); undefined when they cannot be (curve-fit weights of a normalised
 * model).
 *
 * @param weights The fitted model's weights (its inputs normalised).
 * @param normalization How the model's inputs were normalised.
 * @param vcpus The VM size the file is written for.
 * @returns The raw-usage weights and the bias's slope, or undefined.
 *
 * @example
 * ```ts
 * import { vmRawWeights } from "./vm_weights.ts";
 * import { keplerPredict } from "./kepler_weight_file.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const w = (bias: number, vars: Record<string, { scale: number; weight: number }>) =>
 *   ({ All_Weights: { Bias_Weight: bias, Categorical_Variables: {}, Numerical_Variables: vars } });
 * // per vCPU: 2 W + 0.01 W per CPU-ms/s per vCPU; a 4-vCPU VM at 1000 CPU-ms/s
 * const perVcpu = vmRawWeights({ platform: w(2, { bpf_cpu_time_ms: { scale: 100, weight: 1 } }) }, "per-vcpu", 4)!;
 * assertEquals(keplerPredict(perVcpu.weights.platform!, "linear", { bpf_cpu_time_ms: 1000 }), 4 * (2 + 0.01 * 250));
 * assertEquals(perVcpu.biasPerVcpu, { platform: 2 });
 * // the vCPU count as a feature: 1.5 W per vCPU folded into the bias
 * const sized = vmRawWeights({ platform: w(3, { bpf_cpu_time_ms: { scale: 100, weight: 1 },
 *   vm_vcpus: { scale: 8, weight: 12 } }) }, "size-feature", 4)!;
 * assertEquals(sized.weights.platform!.All_Weights.Bias_Weight, 3 + 1.5 * 4);
 * assertEquals(Object.keys(sized.weights.platform!.All_Weights.Numerical_Variables), ["bpf_cpu_time_ms"]);
 * ```
 */
export function vmRawWeights(
  weights: ComponentWeights,
  normalization: VmNormalization,
  vcpus: number,
): VmRawWeights | undefined {
  if (normalization === "none") return { weights };
  const out: ComponentWeights = {};
  const slopes: Partial<Record<Component, number>> = {};
  for (
    const [c, w] of Object.entries(weights) as [Component, KeplerWeights][]
  ) {
    const all = w.All_Weights;
    if (all.CurveFit_Weights !== undefined) return undefined;
    const bias = all.Bias_Weight ?? 0;
    const numerical = { ...all.Numerical_Variables };
    let slope = bias;
    if (normalization === "size-feature") {
      const v = numerical[VCPUS_FEATURE];
      delete numerical[VCPUS_FEATURE];
      slope = v !== undefined && v.scale !== 0 && v.weight
        ? v.weight / v.scale
        : 0;
    }
    slopes[c] = slope;
    out[c] = {
      All_Weights: {
        ...all,
        Bias_Weight: normalization === "per-vcpu"
          ? bias * vcpus
          : bias + slope * vcpus,
        Numerical_Variables: numerical,
      },
    };
  }
  return { weights: out, biasPerVcpu: slopes };
}

/**
 * A VM size's raw-usage weights rescaled for a VM of another size: each
 * component's bias plus its slope × (`toVcpus` − `fromVcpus`); the input
 * is not changed.
 *
 * @param weights The file written for `fromVcpus` (from `vmRawWeights`).
 * @param biasPerVcpu The bias's slope per component (model metadata
 *   `vm_bias_per_vcpu`).
 * @param fromVcpus The size the file is for (model metadata `vm_vcpus`).
 * @param toVcpus The requesting VM's vCPUs.
 * @returns The weights for `toVcpus`.
 *
 * @example
 * ```ts
 * import { vmWeightsFor } from "./vm_weights.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const file = { platform: { All_Weights: { Bias_Weight: 8, Categorical_Variables: {},
 *   Numerical_Variables: { bpf_cpu_time_ms: { scale: 100, weight: 1 } } } } };
 * const six = vmWeightsFor(file, { platform: 2 }, 4, 6);
 * assertEquals(six.platform!.All_Weights.Bias_Weight, 12);
 * assertEquals(file.platform.All_Weights.Bias_Weight, 8);
 * ```
 */
export function vmWeightsFor(
  weights: ComponentWeights,
  biasPerVcpu: Readonly<Partial<Record<Component, number>>>,
  fromVcpus: number,
  toVcpus: number,
): ComponentWeights {
  const out: ComponentWeights = {};
  for (
    const [c, w] of Object.entries(weights) as [Component, KeplerWeights][]
  ) {
    const slope = biasPerVcpu[c] ?? 0;
    out[c] = {
      All_Weights: {
        ...w.All_Weights,
        Bias_Weight: (w.All_Weights.Bias_Weight ?? 0) +
          slope * (toVcpus - fromVcpus),
      },
    };
  }
  return out;
}
