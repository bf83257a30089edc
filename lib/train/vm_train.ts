/**
 * Blocked cross-validation of VM power models across VMs, and the choice
 * of how VM size enters the model (`--vm-normalization auto`).
 *
 * Rows of a VM are not independent (one VM's consecutive samples are
 * alike), so a row-wise split overstates accuracy. Here the folds are
 * whole VMs (leave one VM out) and whole VM sizes (leave every VM of one
 * vCPU count out): the error is that of a VM, or of a size, the model has
 * never seen. Errors are in watts of the VM, so a `per-vcpu` model's
 * predictions are scaled back by the VM's vCPUs before they are compared.
 *
 * Cost by design: a fold fits one trainer on at most `rowCap` rows, thinned
 * per VM evenly in time (every k-th sample of each VM, so every VM and
 * every stretch of the window keeps its share), and the default trainer
 * is the cheap `LinearRegressionTrainer`; the CV runs once per
 * normalization, not per trainer.
 *
 * @module
 */
import type { Component, TrainerName } from "../types.ts";
import type { VmFrame, VmNormalization } from "../extract/vm_join.ts";
import { makeTrainer } from "./trainers.ts";

/** Options of {@linkcode crossValidateVms}. */
export interface VmCrossValidationOptions {
  /**
   * The trainer fitted on each fold.
   *
   * @default {"LinearRegressionTrainer"}
   */
  trainer?: TrainerName;
  /**
   * Most training rows per fold (thinned per VM, evenly in time).
   *
   * @default {2000}
   */
  rowCap?: number;
}

/** One fold: what was held out and the error on it. */
export interface VmFold {
  /** The held-out VM's name, or `<n> vCPUs` for a size fold. */
  heldOut: string;
  /** vCPUs of the held-out rows. */
  vcpus: number;
  /** Rows predicted. */
  rows: number;
  /** Training rows used (after thinning). */
  trainRows: number;
  /** Mean absolute error per component, watts of the VM. */
  mae: Partial<Record<Component, number>>;
}

/** The blocked cross-validation across VMs (`vm_cross_validation.json`). */
export interface VmCrossValidation {
  /** The trainer fitted on each fold. */
  trainer: TrainerName;
  /** How VM size entered the features. */
  normalization: VmNormalization;
  /** One fold per VM (leave one VM out). */
  vms: VmFold[];
  /** One fold per VM size (every VM of that size left out). */
  sizes: VmFold[];
  /** Mean over the VM folds, per component, watts. */
  vmMae: Partial<Record<Component, number>>;
  /** Mean over the size folds, per component, watts. */
  sizeMae: Partial<Record<Component, number>>;
}

/**
 * Rows kept by time-stratified thinning: of each VM's rows (in time order)
 * every k-th, with k the smallest stride that keeps at most `cap` rows in
 * all.
 *
 * @param rows Row indexes, in time order.
 * @param vmOf The VM of each row index.
 * @param cap The most rows to keep.
 * @returns The kept rows, in the input's order.
 *
 * @example
 * ```ts
 * import { thinRowsPerVm } from "./vm_train.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const vm = Uint32Array.of(0, 1, 0, 1, 0, 1, 0, 1);
 * assertEquals(thinRowsPerVm([0, 1, 2, 3, 4, 5, 6, 7], vm, 4), [0, 1, 4, 5]);
 * assertEquals(thinRowsPerVm([0, 1, 2], vm, 10), [0, 1, 2]);
 * ```
 */
export function thinRowsPerVm(
  rows: readonly number[],
  vmOf: Uint32Array,
  cap: number,
): number[] {
  if (rows.length <= cap) return [...rows];
  const stride = Math.ceil(rows.length / cap);
  const seen = new Map<number, number>();
  return rows.filter((i) => {
    const v = vmOf[i]!;
    const k = seen.get(v) ?? 0;
    seen.set(v, k + 1);
    return k % stride === 0;
  });
}

function meanOf(folds: readonly VmFold[], c: Component): number {
  return folds.reduce((s, f) => s + f.mae[c]!, 0) / folds.length;
}

/** Fits on `train`, predicts `test`, MAE per component in VM watts. */
function fold(
  vf: VmFrame,
  normalization: VmNormalization,
  train: number[],
  test: number[],
  trainer: TrainerName,
): Partial<Record<Component, number>> {
  const { frame } = vf;
  const cols = (rows: number[]) =>
    frame.featureNames.map((f) =>
      Float64Array.from(rows, (i) => frame.features[f]![i]!)
    );
  const xTrain = cols(train), xTest = cols(test);
  const scale = Float64Array.from(
    test,
    (i) => normalization === "per-vcpu" ? vf.vcpus[frame.instance[i]!]! : 1,
  );
  const mae: Partial<Record<Component, number>> = {};
  for (const c of frame.components) {
    const power = frame.power[c]!;
    const model = makeTrainer(trainer).fit(
      xTrain,
      Float64Array.from(train, (i) => power[i]!),
    );
    const yHat = model.predict(xTest);
    let sum = 0;
    test.forEach((i, j) => {
      sum += Math.abs((yHat[j]! - power[i]!) * scale[j]!);
    });
    mae[c] = sum / test.length;
  }
  return mae;
}

/**
 * Blocked cross-validation across VMs (see the module doc): leave one VM
 * out, then leave one VM size out.
 *
 * @param vf The joined VM frame (from `joinVmViews`).
 * @param normalization How the frame was normalised (to scale errors back
 *   to VM watts).
 * @param options The trainer and the row cap.
 * @returns The folds and their mean errors.
 * @throws {RangeError} when the frame holds fewer than two VMs.
 *
 * @example
 * ```ts
 * import { crossValidateVms } from "./vm_train.ts";
 * import type { VmFrame } from "../extract/vm_join.ts";
 * import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
 * const n = 60;
 * const cpu = Float64Array.from({ length: n }, (_, i) => (i * 37) % 100);
 * const vm = Uint32Array.from({ length: n }, (_, i) => i % 3);
 * const vf: VmFrame = {
 *   frame: {
 *     level: "node", source: "acpi", length: n,
 *     timestamp: Float64Array.from({ length: n }, (_, i) => Math.floor(i / 3)),
 *     instances: ["a", "b", "c"], instance: vm, containers: [],
 *     featureNames: ["bpf_cpu_time_ms"], features: { bpf_cpu_time_ms: cpu },
 *     components: ["platform"], power: { platform: cpu.map((x) => 5 + 0.1 * x) },
 *     nodeType: Int32Array.from(vm, (v) => (v === 2 ? 1 : 0)),
 *   },
 *   vcpus: [2, 2, 4], sizes: [2, 4], vmIds: ["a", "b", "c"],
 * };
 * const cv = crossValidateVms(vf, "none");
 * assertEquals(cv.vms.map((f) => f.heldOut), ["a", "b", "c"]);
 * assertEquals(cv.sizes.map((f) => f.heldOut), ["2 vCPUs", "4 vCPUs"]);
 * assert(cv.vmMae.platform! < 1e-6); // power is exactly linear in usage
 * ```
 */
export function crossValidateVms(
  vf: VmFrame,
  normalization: VmNormalization,
  options: VmCrossValidationOptions = {},
): VmCrossValidation {
  const trainer = options.trainer ?? "LinearRegressionTrainer";
  const cap = options.rowCap ?? 2000;
  const { frame } = vf;
  if (frame.instances.length < 2) {
    throw new RangeError(
      `Cannot cross-validate across VMs: ${frame.instances.length} VM given, at least 2 are needed`,
    );
  }
  const all = Array.from({ length: frame.length }, (_, i) => i);
  const run = (
    heldOut: string,
    vcpus: number,
    out: (i: number) => boolean,
  ): VmFold => {
    const train = thinRowsPerVm(
      all.filter((i) => !out(i)),
      frame.instance,
      cap,
    );
    const test = all.filter(out);
    return {
      heldOut,
      vcpus,
      rows: test.length,
      trainRows: train.length,
      mae: fold(vf, normalization, train, test, trainer),
    };
  };
  const vms = frame.instances.map((name, v) =>
    run(name, vf.vcpus[v]!, (i) => frame.instance[i] === v)
  );
  const sizes = vf.sizes.length < 2 ? [] : vf.sizes.map((size) =>
    run(
      `${size} vCPUs`,
      size,
      (i) => vf.vcpus[frame.instance[i]!] === size,
    )
  );
  const vmMae: Partial<Record<Component, number>> = {};
  const sizeMae: Partial<Record<Component, number>> = {};
  for (const c of frame.components) {
    vmMae[c] = meanOf(vms, c);
    if (sizes.length > 0) sizeMae[c] = meanOf(sizes, c);
  }
  return { trainer, normalization, vms, sizes, vmMae, sizeMae };
}

/**
 * The normalization whose held-out error is least: the mean over
 * components of the VM folds' and the size folds' mean MAE (`auto`).
 *
 * @param results One cross-validation per candidate normalization.
 * @returns The chosen normalization and each candidate's score in watts.
 * @throws {RangeError} when `results` is empty.
 *
 * @example
 * ```ts
 * import { chooseVmNormalization } from "./vm_train.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const cv = (normalization: "none" | "per-vcpu", w: number) => ({
 *   trainer: "LinearRegressionTrainer" as const, normalization, vms: [], sizes: [],
 *   vmMae: { platform: w }, sizeMae: { platform: 2 * w },
 * });
 * const choice = chooseVmNormalization([cv("none", 3), cv("per-vcpu", 1)]);
 * assertEquals(choice, { normalization: "per-vcpu", scores: { none: 4.5, "per-vcpu": 1.5 } });
 * ```
 */
export function chooseVmNormalization(
  results: readonly VmCrossValidation[],
): {
  normalization: VmNormalization;
  scores: Partial<Record<VmNormalization, number>>;
} {
  if (results.length === 0) {
    throw new RangeError("Cannot choose a VM normalization: no candidate");
  }
  const scores: Partial<Record<VmNormalization, number>> = {};
  let best = results[0]!;
  let bestScore = Infinity;
  for (const r of results) {
    const parts: number[] = [];
    for (const [c, v] of Object.entries(r.vmMae)) {
      const s = r.sizeMae[c as Component];
      parts.push(s === undefined ? v : (v + s) / 2);
    }
    const score = parts.reduce((a, b) => a + b, 0) / parts.length;
    scores[r.normalization] = score;
    if (score < bestScore) [best, bestScore] = [r, score];
  }
  return { normalization: best.normalization, scores };
}
