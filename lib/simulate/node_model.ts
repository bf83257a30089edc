/**
 * The simulated node: its machine spec, its true idle power per component and
 * its ground-truth power function of the node's usage rates.
 *
 * The ground truth, per socket (usage is split evenly over the `chips`
 * sockets), with T busy threads, C 10⁹ cycles/s, I 10⁹ instructions/s,
 * M 10⁶ cache misses/s, H 10³ page-cache hits/s of that socket and
 * r = (C / T) / f_max the relative effective frequency:
 *
 * - package = idle + S·(1 − e^(−x/S)), x = a_t·T + a_c·C·r² + a_i·I
 *   (rises with CPU time, cycles and instructions, grows with the square of
 *   the frequency per cycle, saturates at S above idle: the TDP);
 * - core = idle + core share × package dynamic; uncore likewise;
 * - dram = idle + D·(1 − e^(−y/D)), y = d_m·M + d_h·H + d_t·T;
 * - platform (node) = Σ package + Σ dram + rest idle + l·X + q·X²
 *   + b·(block IRQ/s)/10³ + n·(net IRQ/s)/10³, X = package + dram dynamic
 *   (fans and PSU losses: a mild nonlinearity).
 *
 * Every term is a function of the node's summed per-second counter rates,
 * so a model given the right features can reach the measurement noise:
 * package, core and uncore need `bpf_cpu_time_ms`, `cpu_cycles` and
 * `cpu_instructions`; dram adds `cache_miss` and `bpf_page_cache_hit` (the
 * `Basic` group has all five); platform also needs `bpf_block_irq`,
 * `bpf_net_rx_irq` and `bpf_net_tx_irq` (`WorkloadOnly`, `Full`). Groups
 * with fewer features keep an error above the noise (e.g. `CounterOnly`
 * cannot see the frequency cap, `BPFOnly` cannot see IPC).
 *
 * @module
 */
import type { Component, MachineSpec } from "../types.ts";

/** The per-container usage counters the simulator produces, in slot order. */
export const SIMULATED_FEATURES = [
  "bpf_cpu_time_ms",
  "cpu_cycles",
  "cpu_instructions",
  "cache_miss",
  "bpf_page_cache_hit",
  "bpf_block_irq",
  "bpf_net_rx_irq",
  "bpf_net_tx_irq",
] as const;
/** One simulated usage feature. */
export type SimulatedFeature = typeof SIMULATED_FEATURES[number];

/** Node-level usage: the per-second rate of each feature, summed over containers. */
export type NodeRates = Readonly<Record<SimulatedFeature, number>>;

/** Power per component in watts (node level: summed over sockets). */
export type ComponentPower = Record<Component, number>;

/** A simulated node: spec, idle power and ground-truth coefficients. */
export interface NodeModel {
  /** The machine spec (`machine_spec/<id>.json` attrs). */
  readonly spec: Readonly<MachineSpec>;
  /** `cpu_architecture` of `kepler_node_info`. */
  readonly cpuArchitecture: string;
  /** True idle power per component, node level (W, summed over sockets). */
  readonly idle: Readonly<ComponentPower>;
  /** Package dynamic power coefficients, per socket. */
  readonly package: Readonly<{
    /** W per busy hardware thread. */
    perThread: number;
    /** W per 10⁹ cycles/s at the maximum frequency (scales with r²). */
    perGigacycle: number;
    /** W per 10⁹ instructions/s. */
    perGigainstruction: number;
    /** Saturation: the largest dynamic power of one socket (W). */
    saturation: number;
  }>;
  /** Share of package dynamic power that RAPL reports as core. */
  readonly coreShare: number;
  /** Share of package dynamic power that RAPL reports as uncore. */
  readonly uncoreShare: number;
  /** DRAM dynamic power coefficients, per socket. */
  readonly dram: Readonly<{
    /** W per 10⁶ cache misses/s. */
    perMillionMisses: number;
    /** W per 10³ page-cache hits/s. */
    perThousandPageCacheHits: number;
    /** W per busy hardware thread. */
    perThread: number;
    /** Saturation: the largest dynamic power of one socket's DRAM (W). */
    saturation: number;
  }>;
  /** Rest of the machine (platform − package − dram), node level. */
  readonly platform: Readonly<{
    /** W per W of package + dram dynamic power (PSU losses, fans). */
    linear: number;
    /** W per W² of package + dram dynamic power. */
    quadratic: number;
    /** W per 10³ block IRQs/s (disks). */
    perThousandBlockIrq: number;
    /** W per 10³ network IRQs/s (rx + tx, NICs). */
    perThousandNetIrq: number;
  }>;
}

/**
 * The default node: a 2-socket Intel Xeon Silver 4210R (Cascade Lake,
 * 2 × 10 cores × 2 threads, 3.2 GHz turbo, 100 W TDP per socket, 125 GiB),
 * like the Dell R440 of published stress-ng studies. Idle: package 36 W,
 * core 12 W, uncore 8 W, dram 8 W, platform 95 W; a full `cpu` stress adds
 * about 130 W of package power.
 */
export const DEFAULT_NODE_MODEL: NodeModel = Object.freeze({
  spec: Object.freeze({
    processor: "intel_xeon_silver_4210r",
    cores: 40,
    chips: 2,
    memory: 125,
    frequency: 3200,
  }),
  cpuArchitecture: "Cascade Lake",
  idle: Object.freeze({
    package: 36,
    core: 12,
    uncore: 8,
    dram: 8,
    platform: 95,
  }),
  package: Object.freeze({
    perThread: 1.0,
    perGigacycle: 0.6,
    perGigainstruction: 0.5,
    saturation: 82,
  }),
  coreShare: 0.75,
  uncoreShare: 0.12,
  dram: Object.freeze({
    perMillionMisses: 0.03,
    perThousandPageCacheHits: 0.05,
    perThread: 0.1,
    saturation: 25,
  }),
  platform: Object.freeze({
    linear: 0.06,
    quadratic: 0.0006,
    perThousandBlockIrq: 1.0,
    perThousandNetIrq: 0.1,
  }),
});

/**
 * Usage rates of zero for every feature.
 *
 * @example
 * ```ts
 * import { zeroRates } from "./node_model.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(zeroRates().cpu_cycles, 0);
 * ```
 */
export function zeroRates(): Record<SimulatedFeature, number> {
  return {
    bpf_cpu_time_ms: 0,
    cpu_cycles: 0,
    cpu_instructions: 0,
    cache_miss: 0,
    bpf_page_cache_hit: 0,
    bpf_block_irq: 0,
    bpf_net_rx_irq: 0,
    bpf_net_tx_irq: 0,
  };
}

function saturate(x: number, limit: number): number {
  return limit > 0 ? limit * (1 - Math.exp(-x / limit)) : x;
}

/**
 * The ground-truth power of a node (W per component, summed over sockets)
 * for its summed per-second usage rates. With all rates zero it returns the
 * idle power. Negative or non-finite rates are a `RangeError`.
 *
 * @param model The node: its spec, idle power and coefficients.
 * @param rates The node's per-second usage rates, summed over its
 *   workloads (e.g. `bpf_cpu_time_ms` per second, cycles per second).
 * @returns The true power in W per component, summed over sockets,
 *   idle included.
 * @throws {RangeError} when a rate is negative or not finite.
 *
 * @example
 * ```ts
 * import { DEFAULT_NODE_MODEL, truePower, zeroRates } from "./node_model.ts";
 * import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(truePower(DEFAULT_NODE_MODEL, zeroRates()), DEFAULT_NODE_MODEL.idle);
 * // 20 threads busy at 3.2 GHz with IPC 1.5:
 * const busy = { ...zeroRates(), bpf_cpu_time_ms: 20_000, cpu_cycles: 64e9, cpu_instructions: 96e9 };
 * const p = truePower(DEFAULT_NODE_MODEL, busy);
 * assert(p.package > 36 + 50 && p.package < 36 + 164);
 * assert(p.platform > p.package + p.dram);
 * ```
 */
export function truePower(model: NodeModel, rates: NodeRates): ComponentPower {
  for (const [name, value] of Object.entries(rates)) {
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new RangeError(
        `Cannot compute the true power: rate ${name} is ${value}, expected a finite number ≥ 0`,
      );
    }
  }
  const chips = model.spec.chips;
  const fmaxGHz = model.spec.frequency / 1000;
  const threads = rates.bpf_cpu_time_ms / 1000 / chips;
  const gcycles = rates.cpu_cycles / 1e9 / chips;
  const ginstr = rates.cpu_instructions / 1e9 / chips;
  const r = threads > 0 ? Math.min(1.5, gcycles / threads / fmaxGHz) : 0;
  const p = model.package;
  const pkgRaw = p.perThread * threads + p.perGigacycle * gcycles * r * r +
    p.perGigainstruction * ginstr;
  const pkgDyn = chips * saturate(pkgRaw, p.saturation);
  const d = model.dram;
  const dramRaw = d.perMillionMisses * rates.cache_miss / 1e6 / chips +
    d.perThousandPageCacheHits * rates.bpf_page_cache_hit / 1e3 / chips +
    d.perThread * threads;
  const dramDyn = chips * saturate(dramRaw, d.saturation);
  const idle = model.idle;
  const x = pkgDyn + dramDyn;
  const pl = model.platform;
  const restIdle = idle.platform - idle.package - idle.dram;
  const rest = restIdle + pl.linear * x + pl.quadratic * x * x +
    pl.perThousandBlockIrq * rates.bpf_block_irq / 1e3 +
    pl.perThousandNetIrq * (rates.bpf_net_rx_irq + rates.bpf_net_tx_irq) /
      1e3;
  const pkg = idle.package + pkgDyn;
  const dram = idle.dram + dramDyn;
  return {
    package: pkg,
    core: idle.core + model.coreShare * pkgDyn,
    uncore: idle.uncore + model.uncoreShare * pkgDyn,
    dram,
    platform: pkg + dram + rest,
  };
}

/**
 * The true idle power of a node per component (W, summed over sockets):
 * {@linkcode truePower} at zero usage.
 *
 * @example
 * ```ts
 * import { DEFAULT_NODE_MODEL, idlePower } from "./node_model.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(idlePower(DEFAULT_NODE_MODEL).platform, 95);
 * ```
 */
export function idlePower(model: NodeModel): ComponentPower {
  return { ...model.idle };
}

/**
 * A copy of a model whose idle power and coefficients are scaled by
 * `factor` (e.g. 1.02 for a node 2 % hungrier than its siblings).
 *
 * @example
 * ```ts
 * import { DEFAULT_NODE_MODEL, scaleNodeModel } from "./node_model.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(scaleNodeModel(DEFAULT_NODE_MODEL, 2).idle.dram, 16);
 * ```
 */
export function scaleNodeModel(model: NodeModel, factor: number): NodeModel {
  if (!(factor > 0) || !Number.isFinite(factor)) {
    throw new RangeError(
      `Cannot scale a node model: factor ${factor} must be a finite number > 0`,
    );
  }
  const scale = <T extends object>(o: T): T =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [k, (v as number) * factor]),
    ) as T;
  return {
    ...model,
    idle: scale(model.idle),
    package: { ...scale(model.package) },
    dram: { ...scale(model.dram) },
    platform: {
      ...model.platform,
      perThousandBlockIrq: model.platform.perThousandBlockIrq * factor,
      perThousandNetIrq: model.platform.perThousandNetIrq * factor,
    },
  };
}

/** The coefficients {@linkcode varyNodeModel} draws, in draw order. */
export const VARIED_COEFFICIENTS = [
  "idle.package",
  "idle.dram",
  "idle.rest",
  "package.perThread",
  "package.perGigacycle",
  "package.perGigainstruction",
  "package.saturation",
  "dram.perMillionMisses",
  "dram.perThousandPageCacheHits",
  "dram.perThread",
  "dram.saturation",
  "platform.linear",
  "platform.quadratic",
  "platform.perThousandBlockIrq",
  "platform.perThousandNetIrq",
] as const;

/**
 * Another node of the same machine type: each coefficient of
 * {@linkcode VARIED_COEFFICIENTS} is its nominal value × (1 + U(−v, v)),
 * one uniform draw each from `uniform`. The idle power of package, dram
 * and the rest of the platform vary independently (platform idle is their
 * sum); core and uncore idle keep their nominal share of the package's
 * idle, and the split of package dynamic power into core and uncore
 * (`coreShare`, `uncoreShare`) is the CPU model's, so it does not vary.
 * The spec is the same. With `variation` 0 the model is returned as is.
 *
 * @param model The nominal node of the machine type.
 * @param variation The largest relative deviation v, in [0, 0.3].
 * @param uniform Uniform draws in [0, 1), e.g. a seeded generator.
 * @returns The varied node: every varied coefficient within
 *   nominal × [1 − v, 1 + v].
 * @throws {RangeError} when `variation` is not a number in [0, 0.3].
 *
 * @example
 * ```ts
 * import { DEFAULT_NODE_MODEL, varyNodeModel } from "./node_model.ts";
 * import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
 * const node = varyNodeModel(DEFAULT_NODE_MODEL, 0.1, () => 1); // the top of every range
 * assert(Math.abs(node.idle.package - 36 * 1.1) < 1e-9);
 * assert(Math.abs(node.idle.platform - 95 * 1.1) < 1e-9);
 * assertEquals(node.coreShare, DEFAULT_NODE_MODEL.coreShare);
 * assertEquals(varyNodeModel(DEFAULT_NODE_MODEL, 0, Math.random), DEFAULT_NODE_MODEL);
 * ```
 */
export function varyNodeModel(
  model: NodeModel,
  variation: number,
  uniform: () => number,
): NodeModel {
  if (!(variation >= 0 && variation <= 0.3)) {
    throw new RangeError(
      `Cannot vary a node model: variation ${variation} must be a number in [0, 0.3]`,
    );
  }
  if (variation === 0) return model;
  const f = () => 1 + variation * (2 * uniform() - 1);
  const idle = model.idle;
  const pkg = idle.package * f();
  const dram = idle.dram * f();
  const rest = (idle.platform - idle.package - idle.dram) * f();
  const scale = <T extends object>(o: T): T =>
    Object.fromEntries(
      Object.entries(o).map(([k, v]) => [k, (v as number) * f()]),
    ) as T;
  return {
    ...model,
    idle: {
      package: pkg,
      core: idle.core * pkg / idle.package,
      uncore: idle.uncore * pkg / idle.package,
      dram,
      platform: pkg + dram + rest,
    },
    package: scale(model.package),
    dram: scale(model.dram),
    platform: scale(model.platform),
  };
}
