/**
 * A VM model's weights for the requesting VM (`vmWeightsFor`): a model of a
 * per-vcpu or size-feature VM pipeline records its size (`vm_vcpus`) and
 * its bias's slope in vCPUs (`vm_bias_per_vcpu`); its weight file is for
 * raw usage of its size, rescaled here for the VM's cores.
 *
 * @module
 */
import type { Component } from "../types.ts";
import { type ComponentWeights, vmWeightsFor } from "../pipeline/vm_weights.ts";
import type { ServedModel } from "./pipeline_catalog.ts";

/** Whether the model's inputs are normalised by VM size (per-vcpu, size-feature). */
export function isNormalisedVmModel(model: ServedModel): boolean {
  // (callers' hand-made models may carry no metadata)
  const n = (model.metadata ?? {}).vm_normalization;
  return n === "per-vcpu" || n === "size-feature";
}

/**
 * The weights for a VM of `cores` vCPUs, and those cores; undefined when
 * the model records no rescaling, has no weights, or `cores` is not a
 * positive integer other than its size.
 */
export function vmRescaledWeights(
  model: ServedModel,
  cores: number | undefined,
): { weights: ComponentWeights; cores: number } | undefined {
  const { vm_vcpus: size, vm_bias_per_vcpu: slopes } = model.metadata ?? {};
  if (
    typeof size !== "number" || typeof slopes !== "object" ||
    slopes === null || cores === undefined ||
    !(Number.isInteger(cores) && cores > 0) || cores === size ||
    model.weights === undefined
  ) return undefined;
  return {
    weights: vmWeightsFor(
      model.weights,
      slopes as Partial<Record<Component, number>>,
      size,
      cores,
    ),
    cores,
  };
}
