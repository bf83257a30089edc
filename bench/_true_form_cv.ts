/**
 * The simulator's own power function, fitted under blocked CV: a
 * reference for issue 18's AbsPower goal (private to bench/).
 *
 * The oracle figure (the noise-free truth against the measured labels)
 * scores a model that already knows the node's coefficients. Blocked
 * cross-validation asks for more: learn them from the other folds, then
 * predict a fold whose loads were never seen. Where a coefficient shows
 * only in the held-out loads (the page-cache hits of `io` add up to 16 W of
 * DRAM power; the training folds see at most 0.4 W of it, under 2 W of
 * noise), no fit to the training folds can learn it.
 *
 * {@linkcode trueFormCv} measures what the right model family alone buys:
 * `truePower`'s form with free coefficients, fitted by least squares
 * (Levenberg–Marquardt, started from the true coefficients, the most
 * favourable start) on each training fold and scored on the test fold;
 * holdout and folds cut as `train` cuts them; summarised as `cv_mae` is
 * (each fold's largest MAE over the components, averaged over the folds).
 * Its inputs are the noise-free node rates of the features Basic sees (CPU
 * time, cycles, instructions, cache misses, page-cache hits); acpi's IRQ
 * terms are left out, as Basic does not see them. It is not a lower bound:
 * a trainer with a prior that limits extrapolation (SaturatingRegression's
 * cap) can do better on a fold whose coefficient the fit cannot identify.
 *
 * @module
 */
import type { Component } from "../lib/types.ts";
import type { Simulation } from "../lib/simulate/mod.ts";
import type { NodeModel } from "../lib/simulate/node_model.ts";
import { levenbergMarquardt } from "../lib/numeric/levenberg_marquardt.ts";
import { blockedFolds } from "../lib/train/cross_validate.ts";
import { blockedHoldout } from "../lib/train/split.ts";
import type { BenchFigure } from "./_types.ts";

/** The node's rates in the units of the power function, per row. */
interface Inputs {
  /** Busy hardware threads (CPU seconds per second). */
  threads: Float64Array;
  /** 10⁹ cycles per second. */
  gcycles: Float64Array;
  /** 10⁹ instructions per second. */
  ginstr: Float64Array;
  /** 10⁶ cache misses per second. */
  mmisses: Float64Array;
  /** 10³ page-cache hits per second. */
  kpch: Float64Array;
  /** Maximum frequency, GHz. */
  fmax: number;
}

/** A component's power function of its coefficients, at row `i`. */
type PowerForm = (theta: ArrayLike<number>, inp: Inputs, i: number) => number;

const saturate = (z: number, s: number) =>
  s > 0 ? s * (1 - Math.exp(-z / s)) : z;

/** Package-like dynamic power: θ = [a, b, c, S] from `at`. */
function packageDyn(t: ArrayLike<number>, inp: Inputs, i: number, at = 0) {
  const th = inp.threads[i]!, gc = inp.gcycles[i]!;
  const r = th > 0 ? Math.min(1.5, gc / th / inp.fmax) : 0;
  const z = t[at]! * th + t[at + 1]! * gc * r * r + t[at + 2]! * inp.ginstr[i]!;
  return saturate(z, t[at + 3]!);
}

/** DRAM dynamic power: θ = [misses, page-cache hits, threads, S] from `at`. */
function dramDyn(t: ArrayLike<number>, inp: Inputs, i: number, at = 0) {
  const z = t[at]! * inp.mmisses[i]! + t[at + 1]! * inp.kpch[i]! +
    t[at + 2]! * inp.threads[i]!;
  return saturate(z, t[at + 3]!);
}

/**
 * Each component's form and its true coefficients (node level: a socket's
 * saturation S becomes chips · S on the node's summed rates).
 */
function forms(model: NodeModel): Record<string, [PowerForm, number[]]> {
  const ch = model.spec.chips, p = model.package, d = model.dram;
  const pkg = (k: number) => [
    k * p.perThread,
    k * p.perGigacycle,
    k * p.perGigainstruction,
    k * ch * p.saturation,
  ];
  const dram = [
    d.perMillionMisses,
    d.perThousandPageCacheHits,
    d.perThread,
    ch * d.saturation,
  ];
  const idle = model.idle, pl = model.platform;
  // θ = [idle, the dynamic part's coefficients from index 1]
  const pkgForm: PowerForm = (t, inp, i) => t[0]! + packageDyn(t, inp, i, 1);
  const dramForm: PowerForm = (t, inp, i) => t[0]! + dramDyn(t, inp, i, 1);
  return {
    package: [pkgForm, [idle.package, ...pkg(1)]],
    core: [pkgForm, [idle.core, ...pkg(model.coreShare)]],
    uncore: [pkgForm, [idle.uncore, ...pkg(model.uncoreShare)]],
    dram: [dramForm, [idle.dram, ...dram]],
    platform: [(t, inp, i) => {
      const x = packageDyn(t, inp, i, 1) + dramDyn(t, inp, i, 5);
      return t[0]! + x + t[9]! * x + t[10]! * x * x;
    }, [idle.platform, ...pkg(1), ...dram, pl.linear, pl.quadratic]],
  };
}

function inputsOf(sim: Simulation): Inputs {
  const node = sim.nodes[0]!;
  const r = node.truth.rates;
  const scaled = (v: Float64Array, k: number) => v.map((x) => x / k);
  return {
    threads: scaled(r.bpf_cpu_time_ms, 1000),
    gcycles: scaled(r.cpu_cycles, 1e9),
    ginstr: scaled(r.cpu_instructions, 1e9),
    mmisses: scaled(r.cache_miss, 1e6),
    kpch: scaled(r.bpf_page_cache_hit, 1e3),
    fmax: node.model.spec.frequency / 1000,
  };
}

/**
 * Least squares of `form` on `rows` (LM from `theta0`, gradients by central
 * differences): the fitted coefficients.
 */
function fit(
  form: PowerForm,
  inp: Inputs,
  y: Float64Array,
  rows: Uint32Array,
  theta0: number[],
): number[] {
  const m = theta0.length;
  const probe = new Float64Array(m);
  const curve = {
    eval(theta: ArrayLike<number>, x: number, grad: Float64Array) {
      const i = rows[x]!;
      for (let j = 0; j < m; j++) probe[j] = theta[j]!;
      for (let j = 0; j < m; j++) {
        const h = 1e-6 * Math.max(Math.abs(theta[j]!), 1e-3);
        probe[j] = theta[j]! + h;
        const up = form(probe, inp, i);
        probe[j] = theta[j]! - h;
        grad[j] = (up - form(probe, inp, i)) / (2 * h);
        probe[j] = theta[j]!;
      }
      return form(theta, inp, i);
    },
  };
  const index = Float64Array.from(rows, (_, k) => k);
  const yRows = Float64Array.from(rows, (i) => y[i]!);
  return levenbergMarquardt(curve, index, yRows, theta0, { maxIterations: 500 })
    .theta;
}

/** What {@linkcode trueFormCv} measured for one source. */
export interface TrueFormCv {
  /** The mean over folds of each fold's largest component MAE (W). */
  cvMae: number;
  /** Each fold's MAE per component (W), fold order. */
  perFold: Record<string, number>[];
  /** The same with the true coefficients, not fitted (W): the oracle. */
  oracleMae: number;
}

/**
 * The true form's blocked-CV MAE for one source's components on a
 * simulation's first node (see the module comment).
 *
 * @param sim The simulation.
 * @param components The source's components.
 * @param k Folds, as `train --cv-folds`.
 * @returns Fitted and oracle CV MAE, with each fold's per component.
 */
export function trueFormCv(
  sim: Simulation,
  components: readonly Component[],
  k = 3,
): TrueFormCv {
  const node = sim.nodes[0]!;
  const inp = inputsOf(sim);
  // Row 0 has no rate (no interval before it); train's frame starts after.
  const n = inp.threads.length - 1;
  const all = blockedHoldout(n).train.map((r) => r + 1);
  const folds = blockedFolds(all.length, k).map((s) => ({
    train: s.train.map((j) => all[j]!),
    test: s.test.map((j) => all[j]!),
  }));
  const table = forms(node.model);
  const perFold: Record<string, number>[] = folds.map(() => ({}));
  const oracle: number[] = folds.map(() => 0);
  for (const c of components) {
    const [form, truth] = table[c]!;
    const y = node.truth.measured[c];
    folds.forEach((f, i) => {
      const theta = fit(form, inp, y, f.train, truth);
      const mae = (t: number[]) =>
        f.test.reduce((s, r) => s + Math.abs(form(t, inp, r) - y[r]!), 0) /
        f.test.length;
      perFold[i]![c] = mae(theta);
      oracle[i] = Math.max(oracle[i]!, mae(truth));
    });
  }
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  return {
    cvMae: mean(perFold.map((f) => Math.max(...Object.values(f)))),
    perFold,
    oracleMae: mean(oracle),
  };
}

/**
 * The accuracy bench's figures: per source, the true form's blocked-CV MAE
 * in σ, with each fold's largest component MAE and the unfitted truth's
 * on the same test rows.
 *
 * @param sim The simulation the bench trains on.
 * @param sources Each source and its components.
 * @param sigma The noise σ (W).
 * @returns One figure per source.
 */
export function trueFormFigures(
  sim: Simulation,
  sources: readonly (readonly [string, readonly Component[]])[],
  sigma: number,
): BenchFigure[] {
  return sources.map(([source, components]) => {
    const r = trueFormCv(sim, components);
    const folds = r.perFold.map((f) => {
      const [c, mae] = Object.entries(f).sort((a, b) => b[1] - a[1])[0]!;
      return `${c} ${mae.toFixed(2)} W`;
    });
    return {
      name:
        `${source}: the simulator's own power function fitted on the training folds (Basic's features), blocked-CV MAE (each fold's worst: ${
          folds.join(", ")
        }; its true coefficients on the same rows: ${
          (r.oracleMae / sigma).toFixed(2)
        } σ)`,
      value: r.cvMae / sigma,
      unit: "σ",
    };
  });
}
