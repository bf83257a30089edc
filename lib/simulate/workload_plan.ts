/**
 * The workload plan of a simulation, after upstream's Tekton collect: an idle
 * period, then stress-ng loads (cpu, branch, regs, l1cache, cache, memory,
 * io, irq and a mixed load) one after another, each kind with rising
 * instance counts up to the node's logical CPUs, a short break between
 * loads, and CPU frequency caps that vary between loads. Background
 * containers keep running through every phase (see `simulate`).
 *
 * Without a seed the plan is the canonical one (Tekton's order, evenly
 * spaced instance counts, equal slots). With a seed the same loads are
 * drawn: each kind's instance counts are drawn within its levels' strata,
 * the frequency caps from the steps, the slot lengths around the mean
 * (×0.5–1.5, the total kept) and the order of the loads shuffled, so two
 * seeds run two different workloads of the same kind; `backgroundArrivals`
 * draws when background containers start working.
 *
 * @module
 */
import { DEFAULT_NODE_MODEL } from "./node_model.ts";
import { createRng } from "./_rng.ts";
import type { Rng } from "./_rng.ts";

/** Stress-ng loads, in the order the plan runs them. */
export const STRESS_KINDS = [
  "cpu",
  "branch",
  "regs",
  "l1cache",
  "cache",
  "memory",
  "io",
  "irq",
  "mixed",
] as const;
/** One stress load kind. */
export type StressKind = typeof STRESS_KINDS[number];

/** A phase kind: `idle` or a stress load. */
export type WorkloadKind = "idle" | StressKind;

/** One phase of the plan: `[start, end)` in unix seconds. */
export interface WorkloadPhase {
  /** Readable name, e.g. `idle` or `cpu-16`. */
  name: string;
  /** What runs. */
  kind: WorkloadKind;
  /** Stress-ng instances (0 for idle). */
  instances: number;
  /** CPU frequency cap during the phase, MHz. */
  frequency: number;
  /** Start, unix seconds. */
  start: number;
  /** End, unix seconds (exclusive). */
  end: number;
}

/**
 * The usage one stress-ng instance (or one background container at its base
 * level) produces per second: CPU time, instructions per cycle, last-level
 * cache misses per 1000 instructions, page-cache hits and soft IRQs.
 */
export interface UsageProfile {
  /** On-CPU milliseconds per second. */
  cpuMs: number;
  /** Instructions per cycle. */
  ipc: number;
  /** Cache misses per 1000 instructions. */
  mpki: number;
  /** Page-cache hits per second. */
  pageCacheHits: number;
  /** Block soft IRQs per second. */
  blockIrq: number;
  /** NET_RX soft IRQs per second. */
  netRxIrq: number;
  /** NET_TX soft IRQs per second. */
  netTxIrq: number;
}

/** The kinds `mixed` cycles through, instance by instance. */
export const MIXED_KINDS = [
  "cpu",
  "branch",
  "regs",
  "l1cache",
  "cache",
  "memory",
  "io",
  "irq",
] as const satisfies readonly StressKind[];

/** Per-instance usage of each stress kind (`mixed` cycles through them). */
export const STRESS_PROFILES: Readonly<
  Record<Exclude<StressKind, "mixed">, Readonly<UsageProfile>>
> = Object.freeze({
  cpu: p(990, 1.7, 0.05, 0, 0, 0, 0),
  branch: p(990, 1.0, 0.05, 0, 0, 0, 0),
  regs: p(990, 2.8, 0.01, 0, 0, 0, 0),
  l1cache: p(990, 1.3, 0.3, 0, 0, 0, 0),
  cache: p(980, 0.8, 6, 0, 0, 0, 0),
  memory: p(950, 0.35, 22, 200, 0, 0, 0),
  io: p(350, 0.6, 3, 8000, 250, 5, 5),
  irq: p(500, 0.9, 1, 20, 20, 3000, 2500),
});

function p(
  cpuMs: number,
  ipc: number,
  mpki: number,
  pageCacheHits: number,
  blockIrq: number,
  netRxIrq: number,
  netTxIrq: number,
): Readonly<UsageProfile> {
  return Object.freeze({
    cpuMs,
    ipc,
    mpki,
    pageCacheHits,
    blockIrq,
    netRxIrq,
    netTxIrq,
  });
}

/** Options of {@linkcode workloadPlan}. */
export interface WorkloadPlanOptions {
  /**
   * Logical CPUs: the largest instance count.
   *
   * @default {undefined} 40 (the default node)
   */
  cores?: number;
  /**
   * Maximum CPU frequency, MHz.
   *
   * @default {undefined} 3200 (the default node)
   */
  maxFrequency?: number;
  /**
   * Seconds of idle at the start (no stress; background only).
   *
   * @default {undefined} 10 % of the duration, at most 100 s (Tekton's idle collect)
   */
  idle?: number;
  /**
   * Seconds of break after each stress load.
   *
   * @default {undefined} 5 (at most ¼ of a load's slot)
   */
  breakSeconds?: number;
  /**
   * Stress kinds, in order.
   *
   * @default {undefined} all of {@linkcode STRESS_KINDS}
   */
  kinds?: readonly StressKind[];
  /**
   * Instance-count levels per kind (level ℓ of L runs round(cores·ℓ/L)
   * instances).
   *
   * @default {undefined} as many as fit with at least 30 s per load, 1 to 5
   */
  levels?: number;
  /**
   * Frequency caps as fractions of the maximum; load i of kind k uses
   * entry (k + i) mod length.
   *
   * @default {[1, 0.85, 0.7]}
   */
  frequencySteps?: readonly number[];
  /**
   * Seed of a drawn plan: instance counts, frequency caps, slot lengths
   * and the order of the loads come from it (same seed, same plan).
   *
   * @default {undefined} the canonical plan (no draws)
   */
  seed?: number;
}

/** One stress load before it is laid out in time. */
interface Load {
  kind: StressKind;
  instances: number;
  /** Frequency cap as a fraction of the maximum. */
  step: number;
  /** Relative slot length (1 in the canonical plan). */
  weight: number;
}

function positive(what: string, value: number, allowZero = false): void {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new RangeError(
      `Invalid workload plan: ${what} must be a finite number ${
        allowZero ? "≥" : ">"
      } 0, got ${value}`,
    );
  }
}

/**
 * The workload plan for `duration` seconds from `start` (unix seconds):
 * an idle phase, then every stress kind at rising instance counts (with a
 * `seed`: drawn counts, caps, slot lengths and order), phases sorted by
 * start and non-overlapping.
 *
 * @example
 * ```ts
 * import { workloadPlan } from "./workload_plan.ts";
 * import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
 * const plan = workloadPlan(1_700_000_000, 3600);
 * assertEquals(plan[0], { name: "idle", kind: "idle", instances: 0, frequency: 3200, start: 1_700_000_000, end: 1_700_000_100 });
 * assertEquals(plan.length, 1 + 9 * 5);
 * assertEquals(plan.slice(1, 6).map((p) => p.instances), [8, 16, 24, 32, 40]);
 * assert(plan.every((p, i) => i === 0 || p.start >= plan[i - 1]!.end));
 * assert(plan.at(-1)!.end <= 1_700_003_600);
 * // A drawn plan: the same loads' kinds, another workload.
 * const drawn = workloadPlan(1_700_000_000, 3600, { seed: 2 });
 * assertEquals(drawn.length, plan.length);
 * assert(drawn.map((p) => p.name).join() !== plan.map((p) => p.name).join());
 * ```
 */
export function workloadPlan(
  start: number,
  duration: number,
  options: WorkloadPlanOptions = {},
): WorkloadPhase[] {
  positive("start", start, true);
  positive("duration", duration);
  const cores = options.cores ?? DEFAULT_NODE_MODEL.spec.cores;
  const fmax = options.maxFrequency ?? DEFAULT_NODE_MODEL.spec.frequency;
  positive("cores", cores);
  positive("maxFrequency", fmax);
  const kinds = options.kinds ?? STRESS_KINDS;
  const steps = options.frequencySteps ?? [1, 0.85, 0.7];
  if (steps.length === 0 || steps.some((s) => !(s > 0 && s <= 1))) {
    throw new RangeError(
      `Invalid workload plan: frequencySteps must be fractions in (0, 1], got [${steps}]`,
    );
  }
  for (const kind of kinds) {
    if (!(STRESS_KINDS as readonly string[]).includes(kind)) {
      throw new RangeError(
        `Invalid workload plan: unknown stress kind "${kind}"; valid kinds are ${
          STRESS_KINDS.join(", ")
        }`,
      );
    }
  }
  const idle = options.idle ?? Math.min(100, Math.round(duration * 0.1));
  positive("idle", idle, true);
  const plan: WorkloadPhase[] = [];
  const idleEnd = start + Math.min(idle, duration);
  if (idleEnd > start) {
    plan.push({
      name: "idle",
      kind: "idle",
      instances: 0,
      frequency: fmax,
      start,
      end: idleEnd,
    });
  }
  const rest = duration - (idleEnd - start);
  if (rest <= 0 || kinds.length === 0) return plan;
  const levels = options.levels ??
    Math.max(1, Math.min(5, Math.floor(rest / (kinds.length * 30))));
  if (!Number.isInteger(levels) || levels < 1) {
    throw new RangeError(
      `Invalid workload plan: levels must be an integer ≥ 1, got ${levels}`,
    );
  }
  const layout = {
    idleEnd,
    rest,
    cores,
    fmax,
    steps,
    breakSeconds: options.breakSeconds,
  };
  if (options.seed === undefined) {
    canonicalLoads(plan, kinds, levels, layout);
  } else {
    const rng = createRng(options.seed, "plan");
    layLoads(plan, drawnLoads(kinds, levels, layout, rng), layout);
  }
  return plan;
}

/** Where loads go: after the idle phase, `rest` seconds in all. */
interface Layout {
  idleEnd: number;
  rest: number;
  cores: number;
  fmax: number;
  steps: readonly number[];
  /** Seconds of break after each load (at most ¼ of its slot); default 5. */
  breakSeconds: number | undefined;
}

/** Phase of a load from `start` to `end`. */
function phaseOf(
  load: Load,
  fmax: number,
  start: number,
  end: number,
): WorkloadPhase {
  return {
    name: `${load.kind}-${load.instances}`,
    kind: load.kind,
    instances: load.instances,
    frequency: Math.round(fmax * load.step / 100) * 100,
    start,
    end,
  };
}

/** The canonical loads: kinds in order, rising instances, equal slots. */
function canonicalLoads(
  plan: WorkloadPhase[],
  kinds: readonly StressKind[],
  levels: number,
  layout: Layout,
): void {
  const { idleEnd, rest, cores, fmax, steps } = layout;
  const slot = rest / (kinds.length * levels);
  const pause = Math.min(layout.breakSeconds ?? 5, slot / 4);
  positive("breakSeconds", pause, true);
  let i = 0;
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[k]!;
    for (let level = 1; level <= levels; level++, i++) {
      const instances = Math.max(1, Math.round(cores * level / levels));
      const step = steps[(k + level - 1) % steps.length]!;
      const phaseStart = idleEnd + i * slot;
      const load = { kind, instances, step, weight: 1 };
      plan.push(phaseOf(load, fmax, phaseStart, phaseStart + slot - pause));
    }
  }
}

/**
 * Drawn loads: level ℓ of L of each kind runs round(cores·(ℓ − 1 + u)/L)
 * instances (u uniform, at least 1), a cap drawn from `steps`, a slot
 * weight in [0.5, 1.5); the loads shuffled.
 */
function drawnLoads(
  kinds: readonly StressKind[],
  levels: number,
  layout: Layout,
  rng: Rng,
): Load[] {
  const { cores, steps } = layout;
  const loads: Load[] = [];
  for (const kind of kinds) {
    for (let level = 1; level <= levels; level++) {
      const u = level - 1 + rng.next();
      loads.push({
        kind,
        instances: Math.min(cores, Math.max(1, Math.round(cores * u / levels))),
        step: steps[Math.floor(rng.next() * steps.length)]!,
        weight: 0.5 + rng.next(),
      });
    }
  }
  for (let i = loads.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [loads[i], loads[j]] = [loads[j]!, loads[i]!];
  }
  return loads;
}

/** Lays drawn loads one after another, slots in proportion to weights. */
function layLoads(
  plan: WorkloadPhase[],
  loads: readonly Load[],
  layout: Layout,
): void {
  const total = loads.reduce((sum, load) => sum + load.weight, 0);
  let t = layout.idleEnd;
  for (const load of loads) {
    const slot = layout.rest * load.weight / total;
    const pause = Math.min(layout.breakSeconds ?? 5, slot / 4);
    positive("breakSeconds", pause, true);
    plan.push(phaseOf(load, layout.fmax, t, t + slot - pause));
    t += slot;
  }
}

/**
 * When each of `count` background containers starts working, unix
 * seconds, drawn from `seed` and `stream`: about 60 % from `start`, the
 * others at a uniform time in the first 80 % of the window. Before its
 * arrival a container runs nothing.
 *
 * @param start The window's start, unix seconds.
 * @param duration The window's length, seconds.
 * @param options `count`, the number of background containers; `seed` and
 *   `stream`, what the draws come from (e.g. `arrivals:0` for node 0).
 * @returns One arrival time per container, each in
 *   `[start, start + 0.8 · duration]`.
 * @throws {RangeError} when `count` is not a whole number ≥ 0 or the seed
 *   is not an integer.
 *
 * @example
 * ```ts
 * import { backgroundArrivals } from "./workload_plan.ts";
 * import { ok as assert, deepStrictEqual as assertEquals } from "node:assert/strict";
 * const a = backgroundArrivals(0, 1000, { count: 40, seed: 2, stream: "arrivals:0" });
 * assertEquals(a.length, 40);
 * assert(a.every((t) => t >= 0 && t <= 800));
 * assert(a.some((t) => t === 0) && a.some((t) => t > 0));
 * assertEquals(a, backgroundArrivals(0, 1000, { count: 40, seed: 2, stream: "arrivals:0" }));
 * ```
 */
export function backgroundArrivals(
  start: number,
  duration: number,
  options: { count: number; seed: number; stream: string },
): number[] {
  const { count } = options;
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(
      `Cannot draw container arrivals: count must be a whole number ≥ 0, got ${count}`,
    );
  }
  const rng = createRng(options.seed, options.stream);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const late = rng.next() >= 0.6;
    const at = rng.next();
    out.push(late ? start + 0.8 * duration * at : start);
  }
  return out;
}

/**
 * The phase running at unix time `t`, or undefined in a break or outside the
 * plan.
 *
 * @example
 * ```ts
 * import { phaseAt, workloadPlan } from "./workload_plan.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const plan = workloadPlan(0, 3600);
 * assertEquals(phaseAt(plan, 50)?.kind, "idle");
 * assertEquals(phaseAt(plan, 101)?.name, "cpu-8");
 * assertEquals(phaseAt(plan, 99_999), undefined);
 * ```
 */
export function phaseAt(
  plan: readonly WorkloadPhase[],
  t: number,
): WorkloadPhase | undefined {
  return plan.find((phase) => phase.start <= t && t < phase.end);
}
