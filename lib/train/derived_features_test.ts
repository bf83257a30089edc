import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import type { Frame } from "../extract/frame.ts";
import { mulberry32, normal } from "../numeric/random.ts";
import {
  DEFAULT_NODE_MODEL,
  truePower,
  zeroRates,
} from "../simulate/node_model.ts";
import {
  applicableDerived,
  derivedColumns,
  derivedFeatureNames,
  type DerivedModel,
  derivedTrainer,
} from "./derived_features.ts";
import { type IntervalModel, withInterval } from "./interval.ts";
import { makeTrainer } from "./trainers.ts";
import { loadModel } from "./load_model.ts";
import { trainModel } from "./train_model.ts";
import { nestedChoice } from "./_choose_derived.ts";
import type { TrainerName } from "../types.ts";

const SECONDS = 3;
const BASIC = [
  "bpf_cpu_time_ms",
  "bpf_page_cache_hit",
  "cache_miss",
  "cpu_cycles",
  "cpu_instructions",
];

/**
 * Phases of 20 samples of the simulator's node, each with its own busy
 * threads and its own frequency (1.2 GHz to the 3.2 GHz maximum): the
 * features per 3 s sample and the simulator's true package power.
 */
function phases(seed: number, n: number, maxThreads = 32) {
  const rand = mulberry32(seed);
  const x = BASIC.map(() => new Float64Array(n));
  const truth = new Float64Array(n);
  let threads = 0, ghz = 0, ipc = 0;
  for (let i = 0; i < n; i++) {
    if (i % 20 === 0) {
      threads = 1 + (maxThreads - 1) * rand();
      ghz = 1.2 + 2 * rand();
      ipc = 0.8 + 1.2 * rand();
    }
    const rates = {
      ...zeroRates(),
      bpf_cpu_time_ms: threads * 1000,
      bpf_page_cache_hit: 5000 * rand(),
      cache_miss: 2e7 * threads * rand(),
      cpu_cycles: threads * ghz * 1e9,
      cpu_instructions: threads * ghz * 1e9 * ipc,
    };
    BASIC.forEach((f, j) => {
      x[j]![i] = rates[f as keyof typeof rates] * SECONDS;
    });
    truth[i] = truePower(DEFAULT_NODE_MODEL, rates).package;
  }
  return { x, truth };
}

function frameOf(x: Float64Array[], power: Float64Array): Frame {
  const n = power.length;
  return {
    level: "node",
    source: "rapl-sysfs",
    length: n,
    timestamp: Float64Array.from({ length: n }, (_, i) => SECONDS * i),
    instances: ["node-1"],
    instance: new Uint32Array(n),
    containers: [],
    featureNames: BASIC,
    features: Object.fromEntries(BASIC.map((f, j) => [f, x[j]!])),
    components: ["package"],
    power: { package: power },
    nodeType: new Int32Array(n),
  };
}

function mae(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
}

Deno.test("derivedColumns() computes per-core usage and the effective frequency by hand", () => {
  const spec = {
    features: ["bpf_cpu_time_ms", "cpu_cycles", "node_info"],
    derived: ["per_core", "freq_ratio", "cycles_freq2"] as const,
    cores: 4,
  };
  // 3 s of one CPU at 2.5 GHz; an idle row; 20 GHz clipped to 10
  const x = [
    Float64Array.of(3000, 0, 1),
    Float64Array.of(7.5e9, 0, 2e7),
    Float64Array.of(1, 1, 1),
  ];
  const out = derivedColumns(x, spec);
  assertEquals(derivedFeatureNames(spec), [
    "bpf_cpu_time_ms_per_core",
    "cpu_cycles_per_core",
    "node_info",
    "freq_ratio",
    "cycles_freq2",
  ]);
  assertEquals([...out[0]!], [750, 0, 0.25]);
  assertEquals([...out[1]!], [1.875e9, 0, 5e6]);
  assertEquals([...out[2]!], [1, 1, 1]); // not a usage feature
  assertEquals([...out[3]!], [2.5, 0, 10]);
  assertEquals([...out[4]!], [1.875e9 * 6.25, 0, 5e8]);
  assertThrows(
    () => derivedColumns(x, { ...spec, cores: 0 }),
    /per_core.*cores are 0/,
  );
  assertThrows(
    () =>
      derivedColumns([x[0]!], {
        features: ["bpf_cpu_time_ms"],
        derived: ["freq_ratio"],
      }),
    /needs cpu_cycles/,
  );
});

Deno.test("applicableDerived() never gives weight.json trainers derived features", () => {
  for (
    const t of [
      "SGDRegressorTrainer",
      "LogarithmicRegressionTrainer",
      "LogisticRegressionTrainer",
      "ExponentialRegressionTrainer",
    ] as TrainerName[]
  ) {
    assertEquals(applicableDerived(t, BASIC, { cores: 40 }), []);
  }
  assertEquals(applicableDerived("LinearRegressionTrainer", BASIC), []);
  assertEquals(applicableDerived("KNeighborsRegressorTrainer", BASIC), [
    "freq_ratio",
    "cycles_freq2",
  ]);
});

Deno.test("a derived model round-trips through JSON and loadModel with its interval", () => {
  const spec = {
    features: BASIC,
    derived: ["per_core", "freq_ratio", "cycles_freq2"] as const,
    cores: 40,
  };
  const { x, truth } = phases(3, 400);
  const trainer = derivedTrainer(
    makeTrainer("GradientBoostingRegressorTrainer"),
    spec,
  );
  const fitted = trainer.fit(x, truth, { seed: 1 });
  assertEquals(fitted.kind, "derived");
  assertEquals(fitted.nFeatures, BASIC.length);
  // it is the inner model on the derived columns
  const inner = (fitted as DerivedModel).inner;
  assertEquals(inner.nFeatures, 7);
  assertEquals(fitted.predict(x), inner.predict(derivedColumns(x, spec)));
  const model = withInterval(fitted, { coverage: 0.9, halfWidth: 3, n: 40 });
  const back = loadModel(JSON.parse(JSON.stringify(model))) as IntervalModel;
  assertEquals(back.predict(x), model.predict(x));
  assertEquals(back.interval.halfWidth, 3);
  assertEquals(back.model.kind, "derived");
});

/** The simulator's node with noise σ on its true package power. */
function noisyFrame(maxThreads: number, sigma: number) {
  const { x, truth } = phases(1, 600, maxThreads);
  const rand = mulberry32(7);
  const noisy = truth.map((t) => t + sigma * normal(rand));
  return { frame: frameOf(x, noisy), fresh: phases(2, 400, maxThreads) };
}

Deno.test("trainModel() with derived features auto: the frequency lowers blocked-CV MAE and the error against the simulator's truth", () => {
  // full load (1–32 threads, σ = 2 W), where the package saturates: the
  // trees, which cannot form cycles · f² from cycles and CPU time, gain
  for (
    const [trainer, maxThreads, sigma] of [
      ["GradientBoostingRegressorTrainer", 32, 2],
      ["XgboostFitTrainer", 32, 2],
    ] as [TrainerName, number, number][]
  ) {
    const { frame, fresh } = noisyFrame(maxThreads, sigma);
    const base = {
      featureGroup: "Basic",
      outputType: "AbsPower",
      machineSpec: DEFAULT_NODE_MODEL.spec,
    } as const;
    const plain = trainModel(frame, trainer, base);
    const auto = trainModel(frame, trainer, {
      ...base,
      derivedFeatures: "auto",
    });
    const m = auto.metadata;
    assertEquals(m.derived_features_tried, [
      "per_core",
      "freq_ratio",
      "cycles_freq2",
    ]);
    assertEquals(m.derived_features, m.derived_features_tried, trainer);
    assertEquals(m.cv_mae_without_derived, plain.metadata.cv_mae);
    assert(
      (m.cv_mae_with_derived as number) < (m.cv_mae_without_derived as number),
      `${trainer}: ${m.cv_mae_with_derived} vs ${m.cv_mae_without_derived}`,
    );
    // cv_mae is the choice's nested figure, from each variant's folds
    const without = m.cv_mae_folds_without_derived as number[];
    const withDerived = m.cv_mae_folds_with_derived as number[];
    assertEquals(m.cv_derived_choice, "nested");
    assertEquals(without.length, 3);
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    assert(
      Math.abs(mean(without) - (m.cv_mae_without_derived as number)) < 0.02,
    );
    assert(
      Math.abs(mean(withDerived) - (m.cv_mae_with_derived as number)) < 0.02,
    );
    const nested = nestedChoice(without, withDerived);
    assert(Math.abs(nested.mean - (m.cv_mae as number)) < 0.02, trainer);
    // on unseen phases, against the simulator's noise-free truth
    const errPlain = mae(
      plain.components.package!.model.predict(fresh.x),
      fresh.truth,
    );
    const errDerived = mae(
      auto.components.package!.model.predict(fresh.x),
      fresh.truth,
    );
    assert(errDerived < errPlain, `${trainer}: ${errDerived} vs ${errPlain}`);
    // upstream's fields are the same keys, in the same order
    const keys = Object.keys(plain.metadata);
    assertEquals(Object.keys(m).slice(0, keys.length), keys);
  }
});

Deno.test("trainModel() with derived features auto keeps the raw features when blocked CV says they do better", () => {
  const { frame } = noisyFrame(32, 2);
  const base = {
    featureGroup: "Basic",
    outputType: "AbsPower",
    machineSpec: DEFAULT_NODE_MODEL.spec,
  } as const;
  const plain = trainModel(frame, "KNeighborsRegressorTrainer", base);
  const auto = trainModel(frame, "KNeighborsRegressorTrainer", {
    ...base,
    derivedFeatures: "auto",
  });
  const m = auto.metadata;
  assert(
    (m.cv_mae_with_derived as number) > (m.cv_mae_without_derived as number),
  );
  assertEquals(m.derived_features, []);
  assertEquals(auto.components.package!.model.kind, "knn");
  // the chosen model is the plain one: same figures, same predictions
  assertEquals(m.cv_mae, plain.metadata.cv_mae);
  assertEquals(
    auto.components.package!.model.predict(
      BASIC.map((f) => frame.features[f]!),
    ),
    plain.components.package!.model.predict(
      BASIC.map((f) => frame.features[f]!),
    ),
  );
});

Deno.test("EnsembleTrainer weights members with derived features and round-trips", () => {
  const { frame, fresh } = noisyFrame(32, 2);
  const trained = trainModel(frame, "EnsembleTrainer", {
    featureGroup: "Basic",
    outputType: "AbsPower",
    machineSpec: DEFAULT_NODE_MODEL.spec,
    derivedFeatures: "auto",
    ensemble: {
      members: [
        "GradientBoostingRegressorTrainer",
        "KNeighborsRegressorTrainer",
      ],
    },
  });
  const model = trained.components.package!.model;
  const json = JSON.parse(JSON.stringify(model));
  const kinds = json.members.map((m: { model: { kind: string } }) =>
    m.model.kind
  );
  assert(kinds.includes("derived"), JSON.stringify(kinds));
  const back = loadModel(json);
  assertEquals(back.predict(fresh.x), model.predict(fresh.x));
});
