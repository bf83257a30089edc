/**
 * The workload plan of a simulation, after upstream's Tekton collect: an idle
 * period, then stress-ng loads (cpu, branch, regs, l1cache, cache, memory,
 * io, irq and a mixed load) one after another, each kind with rising
 * instance counts up to the node's logical CPUs, a short break between
 * loads, and CPU frequency caps that vary between loads. Background
 * containers keep running through every phase (see `simulate`).
 *
 * @module
 */
import { DEFAULT_NODE_MODEL } from "./node_model.ts";

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
 * an idle phase, then every stress kind at rising instance counts, phases
 * sorted by start and non-overlapping.
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
  const slot = rest / (kinds.length * levels);
  const pause = Math.min(options.breakSeconds ?? 5, slot / 4);
  positive("breakSeconds", pause, true);
  let i = 0;
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[k]!;
    for (let level = 1; level <= levels; level++, i++) {
      const instances = Math.max(1, Math.round(cores * level / levels));
      const step = steps[(k + level - 1) % steps.length]!;
      const phaseStart = idleEnd + i * slot;
      plan.push({
        name: `${kind}-${instances}`,
        kind,
        instances,
        frequency: Math.round(fmax * step / 100) * 100,
        start: phaseStart,
        end: phaseStart + slot - pause,
      });
    }
  }
  return plan;
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
