/**
 * A hand-written pipeline for serve tests: one linear rapl-sysfs AbsPower
 * BPFOnly model (package and dram) with a conformal interval, written into
 * a MODEL_PATH folder, with
 * a PowerRequest it answers and its powers computed by hand.
 *
 * @module
 */
import { join } from "node:path";

/**
 * The linear model of each component: scale, coefficients, intercept, and
 * the half-width of its 80 % conformal interval.
 */
export const HAND_MODEL = {
  package: { scale: [4000, 100], coef: [120, 6], intercept: 40, half: 5 },
  dram: { scale: [4000, 100], coef: [10, 2], intercept: 8, half: 1.5 },
} as const;

/** The machine spec of the model's node type. */
export const HAND_SPEC = {
  processor: "p",
  cores: 8,
  chips: 1,
  memory: 32,
  frequency: 3000,
} as const;

/** Rows of {@linkcode HAND_REQUEST}. */
export const HAND_VALUES: number[][] = [[0, 0], [1000, 50], [3990.5, 120]];

/** Kepler's sidecar PowerRequest that the hand model answers. */
export const HAND_REQUEST = {
  metrics: ["bpf_cpu_time_ms", "bpf_page_cache_hit"],
  values: HAND_VALUES,
  output_type: "AbsPower",
  source: "intel_rapl",
  system_features: ["cpu_architecture"],
  system_values: ["Sapphire Rapids"],
  trainer_name: "",
  filter: "",
};

/** Powers by hand: intercept + Σ coef·x/scale, clipped at 0. */
export function handPower(
  component: keyof typeof HAND_MODEL,
  row: readonly number[],
): number {
  const m = HAND_MODEL[component];
  return Math.max(
    0,
    m.intercept + m.coef[0] * row[0]! / m.scale[0] +
      m.coef[1] * row[1]! / m.scale[1],
  );
}

/**
 * Writes the pipeline `hand` into `modelPath` (created if missing).
 * Returns `modelPath`.
 */
export async function writeHandPipeline(modelPath: string): Promise<string> {
  const dir = join(
    modelPath,
    "hand",
    "rapl-sysfs",
    "AbsPower",
    "BPFOnly",
    "SGDRegressorTrainer_0",
  );
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    join(modelPath, "hand", "metadata.json"),
    '{"name": "hand"}',
  );
  const features = HAND_REQUEST.metrics;
  await Deno.writeTextFile(
    join(dir, "metadata.json"),
    JSON.stringify({
      model_name: "SGDRegressorTrainer_0",
      trainer: "SGDRegressorTrainer",
      model_class: "scikit",
      model_file: "SGDRegressorTrainer_0.json",
      features,
      fe_files: [],
      output_type: "AbsPower",
      mae: 3,
      mape: 4,
      node_type: 0,
      machine_spec: HAND_SPEC,
    }),
  );
  const dict: Record<string, unknown> = {};
  for (const [c, m] of Object.entries(HAND_MODEL)) {
    dict[c] = { model_file: `${c}.json`, features, fe_files: [] };
    await Deno.writeTextFile(
      join(dir, `${c}.json`),
      JSON.stringify({
        kind: "linear",
        version: 1,
        trainer: "SGDRegressorTrainer",
        scale: m.scale,
        coef: m.coef,
        intercept: m.intercept,
        interval: { coverage: 0.8, halfWidth: m.half, n: 50 },
      }),
    );
  }
  await Deno.writeTextFile(
    join(dir, "SGDRegressorTrainer_0.json"),
    JSON.stringify(dict),
  );
  return modelPath;
}
