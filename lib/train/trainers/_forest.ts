/**
 * Tree-ensemble models of the two boosting trainers: prediction on raw
 * feature columns ({@linkcode predictForest}), the immutable fitted model
 * and its JSON ({@linkcode forestModel}, {@linkcode parseForest},
 * {@linkcode loadForest}) and the shared hyperparameter checks. The trees
 * are grown by `lib/numeric/boost.ts`.
 *
 * @module
 */
import type { Columns, FittedModel, ModelJson } from "../model.ts";
import type { ModelKind } from "../../types.ts";
import type { Forest, Tree } from "../../numeric/boost.ts";
import { MAX_BINS } from "../../numeric/histogram.ts";
import { checkNumber, checkPredictColumns, numberArray } from "./_validate.ts";

/**
 * Predicts with a forest on raw feature columns. Each row starts at
 * `baseScore` and adds the trees' leaf values in order. A `NaN` feature
 * value goes right at every split on it.
 *
 * @example
 * ```ts
 * import { predictForest } from "./_forest.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const stump = { feature: new Int32Array([0, -1, -1]),
 *   threshold: new Float64Array([2, 0, 0]), left: new Int32Array([1, -1, -1]),
 *   right: new Int32Array([2, -1, -1]), value: new Float64Array([0, -1, 1]),
 *   gain: new Float64Array(3) };
 * const forest = { nFeatures: 1, baseScore: 10, trees: [stump] };
 * assertEquals([...predictForest(forest, [new Float64Array([1, 2, 3])])], [9, 9, 11]);
 * ```
 */
export function predictForest(
  forest: Forest,
  x: Columns,
  options: { kind?: string } = {},
): Float64Array {
  const n = checkPredictColumns(
    options.kind ?? "tree ensemble",
    x,
    forest.nFeatures,
  );
  const out = new Float64Array(n).fill(forest.baseScore);
  for (const tree of forest.trees) {
    const { feature, threshold, left, right, value } = tree;
    const rootFeature = feature[0]!;
    for (let i = 0; i < n; i++) {
      let node = 0;
      let f = rootFeature;
      while (f >= 0) {
        node = x[f]![i]! <= threshold[node]! ? left[node]! : right[node]!;
        f = feature[node]!;
      }
      out[i] = out[i]! + value[node]!;
    }
  }
  return out;
}

/** A fitted tree-ensemble model. */
export interface ForestModel<K extends ModelKind> extends FittedModel {
  /** The model kind. */
  readonly kind: K;
  /** Number of trees. */
  readonly nTrees: number;
  /** The prediction before any tree. */
  readonly baseScore: number;
}

/** What a forest model records besides its trees. */
export interface ForestMeta {
  /** The hyperparameters it was fitted with. */
  params: Readonly<Record<string, unknown>>;
  /** The seed it was fitted with. */
  seed: number;
}

/** A tree in JSON: the arrays of {@linkcode Tree} as plain number arrays. */
export interface TreeJson {
  /** Split feature, or −1 for a leaf. */
  feature: number[];
  /** Raw split threshold (0 for leaves). */
  threshold: number[];
  /** Left child (−1 for leaves). */
  left: number[];
  /** Right child (−1 for leaves). */
  right: number[];
  /** Leaf value, learning rate included (0 for splits). */
  value: number[];
  /** Split gain (0 for leaves). */
  gain: number[];
}

const TREE_KEYS = [
  "feature",
  "threshold",
  "left",
  "right",
  "value",
  "gain",
] as const;

/**
 * Wraps a forest as an immutable fitted model of a kind. Its JSON is
 * `{kind, version: 1, nFeatures, baseScore, seed, params, trees}` with
 * {@linkcode TreeJson} trees; numbers survive `JSON.stringify`/`parse`
 * exactly, so a reloaded model predicts bit for bit the same.
 *
 * @example
 * ```ts
 * import { forestModel, loadForest } from "./_forest.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const leaf = { feature: new Int32Array([-1]), threshold: new Float64Array(1),
 *   left: new Int32Array([-1]), right: new Int32Array([-1]),
 *   value: new Float64Array([0.5]), gain: new Float64Array(1) };
 * const model = forestModel("gbdt", { nFeatures: 1, baseScore: 1, trees: [leaf] },
 *   { params: {}, seed: 42 });
 * assertEquals([...model.predict([new Float64Array([7])])], [1.5]);
 * const again = loadForest(JSON.parse(JSON.stringify(model.toJSON())), "gbdt");
 * assertEquals(again.toJSON(), model.toJSON());
 * ```
 */
export function forestModel<K extends ModelKind>(
  kind: K,
  forest: Forest,
  meta: ForestMeta,
): ForestModel<K> {
  const trees = forest.trees.map((t) => Object.freeze({ ...t }));
  const frozen: Forest = Object.freeze({
    nFeatures: forest.nFeatures,
    baseScore: forest.baseScore,
    trees: Object.freeze(trees),
  });
  const params = Object.freeze({ ...meta.params });
  return Object.freeze({
    kind,
    nFeatures: frozen.nFeatures,
    nTrees: trees.length,
    baseScore: frozen.baseScore,
    predict: (x: Columns) => predictForest(frozen, x, { kind }),
    toJSON: (): ModelJson => ({
      kind,
      version: 1,
      nFeatures: frozen.nFeatures,
      baseScore: frozen.baseScore,
      seed: meta.seed,
      params: { ...params },
      trees: trees.map((t) => {
        const json: Record<string, number[]> = {};
        for (const key of TREE_KEYS) json[key] = numberArray(t[key]);
        return json as unknown as TreeJson;
      }),
    }),
  });
}

function isInt(v: unknown): v is number {
  return Number.isSafeInteger(v);
}

/**
 * Reads and validates the forest and metadata in a forest model's JSON (see
 * {@linkcode forestModel}). Throws a `TypeError` naming the first bad field
 * when the JSON is not a model of that kind, and a `RangeError` for another
 * version.
 *
 * @example
 * ```ts
 * import { parseForest } from "./_forest.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const json = { kind: "xgboost" as const, version: 1, nFeatures: 1, baseScore: 2,
 *   seed: 1, params: {}, trees: [{ feature: [-1], threshold: [0], left: [-1],
 *   right: [-1], value: [1], gain: [0] }] };
 * assertEquals(parseForest(json, "xgboost").forest.trees.length, 1);
 * assertThrows(() => parseForest({ ...json, nFeatures: 0 }, "xgboost"), TypeError);
 * ```
 */
export function parseForest(
  json: ModelJson,
  kind: string,
): { forest: Forest; meta: ForestMeta } {
  const fail = (what: string): never => {
    throw new TypeError(`Cannot load a ${kind} model: ${what}`);
  };
  if (json === null || typeof json !== "object") fail(`got ${String(json)}`);
  if (json.kind !== kind) fail(`kind is ${JSON.stringify(json.kind)}`);
  if (json.version !== 1) {
    throw new RangeError(
      `Cannot load a ${kind} model: version ${
        JSON.stringify(json.version)
      } is not supported (expected 1)`,
    );
  }
  const { nFeatures, baseScore, seed, params, trees } = json;
  if (!isInt(nFeatures) || nFeatures < 1) {
    fail(`nFeatures is ${JSON.stringify(nFeatures)}, expected an integer ≥ 1`);
  }
  const nf = nFeatures as number;
  if (typeof baseScore !== "number" || !Number.isFinite(baseScore)) {
    fail(`baseScore is ${JSON.stringify(baseScore)}, expected a finite number`);
  }
  if (typeof seed !== "number") fail(`seed is ${JSON.stringify(seed)}`);
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    fail(`params is ${JSON.stringify(params)}, expected an object`);
  }
  if (!Array.isArray(trees)) fail(`trees is not an array`);
  const out = (trees as unknown[]).map((t, ti) => parseTree(t, ti, nf, fail));
  return {
    forest: { nFeatures: nf, baseScore: baseScore as number, trees: out },
    meta: {
      params: params as Record<string, unknown>,
      seed: seed as number,
    },
  };
}

/** Reads and validates `trees[ti]` of a forest of nf features. */
function parseTree(
  t: unknown,
  ti: number,
  nf: number,
  fail: (what: string) => never,
): Tree {
  if (t === null || typeof t !== "object") fail(`trees[${ti}] is ${t}`);
  const obj = t as Record<string, unknown>;
  const arrays: Record<string, number[]> = {};
  let n = -1;
  for (const key of TREE_KEYS) {
    const a = obj[key];
    if (!Array.isArray(a) || !a.every((v) => typeof v === "number")) {
      fail(`trees[${ti}].${key} is not an array of numbers`);
    }
    const arr = a as number[];
    if (n < 0) n = arr.length;
    if (arr.length !== n || n === 0) {
      fail(
        `trees[${ti}].${key} has ${arr.length} nodes, expected ${
          Math.max(n, 1)
        }`,
      );
    }
    arrays[key] = arr;
  }
  const { feature, threshold, left, right, value, gain } = arrays as Record<
    typeof TREE_KEYS[number],
    number[]
  >;
  for (let i = 0; i < n; i++) {
    const f = feature[i]!;
    const where = `trees[${ti}] node ${i}`;
    if (!isInt(f) || f < -1 || f >= nf) {
      fail(`${where} has feature ${f}, expected −1 or 0..${nf - 1}`);
    }
    if (f >= 0) {
      for (const [name, c] of [["left", left[i]], ["right", right[i]]]) {
        if (!isInt(c) || (c as number) <= i || (c as number) >= n) {
          fail(
            `${where} has ${name} child ${c}, expected ${i + 1}..${n - 1}`,
          );
        }
      }
      if (!Number.isFinite(threshold[i])) {
        fail(`${where} has threshold ${threshold[i]}`);
      }
    } else if (!Number.isFinite(value[i])) {
      fail(`${where} has leaf value ${value[i]}`);
    }
  }
  return {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float64Array.from(value),
    gain: Float64Array.from(gain),
  };
}

/**
 * Rebuilds a forest model of a kind from its JSON (see
 * {@linkcode forestModel} and {@linkcode parseForest} for the errors).
 *
 * @example
 * ```ts
 * import { loadForest } from "./_forest.ts";
 * import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
 * const json = { kind: "xgboost" as const, version: 1, nFeatures: 1, baseScore: 2,
 *   seed: 1, params: {}, trees: [{ feature: [-1], threshold: [0], left: [-1],
 *   right: [-1], value: [1], gain: [0] }] };
 * assertEquals(loadForest(json, "xgboost").predict([new Float64Array([0])])[0], 3);
 * assertThrows(() => loadForest(json, "gbdt"), TypeError);
 * ```
 */
export function loadForest<K extends ModelKind>(
  json: ModelJson,
  kind: K,
): ForestModel<K> {
  const { forest, meta } = parseForest(json, kind);
  return forestModel(kind, forest, meta);
}

// --------------------------------------------------------------- validation

/** Hyperparameters common to both boosting trainers. */
export interface TreeParams {
  /** Number of trees. */
  nEstimators: number;
  /** Maximum tree depth. */
  maxDepth: number;
  /** Shrinkage of leaf values. */
  learningRate: number;
  /** Row fraction per tree. */
  subsample: number;
  /** Maximum bins per feature. */
  maxBins: number;
}

/**
 * Checks the hyperparameters both boosting trainers share: `nEstimators`
 * and `maxDepth` integers ≥ 1, `learningRate` > 0, `subsample` in (0, 1],
 * `maxBins` an integer in 2–255. Throws a `RangeError` (a `TypeError` for a
 * non-number) naming the trainer, the parameter and its value.
 *
 * @example
 * ```ts
 * import { checkTreeParams } from "./_forest.ts";
 * import { throws as assertThrows } from "node:assert/strict";
 * const p = { nEstimators: 100, maxDepth: 3, learningRate: 0.1, subsample: 1, maxBins: 255 };
 * checkTreeParams("T", p);
 * assertThrows(() => checkTreeParams("T", { ...p, subsample: 1.5 }), RangeError);
 * assertThrows(() => checkTreeParams("T", { ...p, maxDepth: 0 }), RangeError);
 * ```
 */
export function checkTreeParams(who: string, params: TreeParams): void {
  checkNumber(who, "nEstimators", params.nEstimators, {
    min: 1,
    integer: true,
  });
  checkNumber(who, "maxDepth", params.maxDepth, { min: 1, integer: true });
  checkNumber(who, "learningRate", params.learningRate, {
    min: 0,
    exclusiveMin: true,
  });
  checkNumber(who, "subsample", params.subsample, {
    min: 0,
    exclusiveMin: true,
  });
  checkNumber(who, "maxBins", params.maxBins, { min: 2, integer: true });
  for (
    const [name, max] of [["subsample", 1], ["maxBins", MAX_BINS]] as const
  ) {
    if (params[name] > max) {
      throw new RangeError(
        `Cannot fit ${who}: parameter ${name} must be ≤ ${max}, got ${
          params[name]
        }`,
      );
    }
  }
}
