import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { binColumns } from "../../numeric/histogram.ts";
import { boost } from "../../numeric/boost.ts";
import { mulberry32 } from "../../numeric/random.ts";
import {
  forestModel,
  loadForest,
  parseForest,
  predictForest,
} from "./_forest.ts";
import type { ModelJson } from "../model.ts";

function randomColumn(n: number, seed: number, round = 0): Float64Array {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => {
    const v = r() * 10;
    return round > 0 ? Math.round(v * round) / round : v;
  });
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const ub = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return ua.every((v, i) => v === ub[i]);
}

Deno.test("`boost()` training predictions equal `predictForest()` bit for bit", () => {
  const n = 3000;
  const x = [randomColumn(n, 31), randomColumn(n, 32), randomColumn(n, 33, 1)];
  const y = Float64Array.from(
    { length: n },
    (_, i) => x[0]![i]! ** 2 - 3 * x[1]![i]! + x[2]![i]!,
  );
  for (const subsample of [1, 0.6]) {
    const { trees, pred } = boost(binColumns(x), y, {
      nEstimators: 20,
      maxDepth: 4,
      subsample,
      start: new Float64Array(n).fill(7),
    });
    const again = predictForest({ nFeatures: 3, baseScore: 7, trees }, x);
    assert(sameBits(pred, again), `subsample ${subsample}`);
  }
});

function stumpJson(overrides: Record<string, unknown> = {}): ModelJson {
  return {
    kind: "gbdt",
    version: 1,
    nFeatures: 2,
    baseScore: 1,
    seed: 42,
    params: {},
    trees: [{
      feature: [1, -1, -1],
      threshold: [0.5, 0, 0],
      left: [1, -1, -1],
      right: [2, -1, -1],
      value: [0, -1, 2],
      gain: [3, 0, 0],
    }],
    ...overrides,
  };
}

Deno.test("`loadForest()` predicts on raw columns and round-trips its JSON", () => {
  const model = loadForest(stumpJson(), "gbdt");
  assertEquals(
    [...model.predict([new Float64Array(3), new Float64Array([0, 0.5, 0.6])])],
    [0, 0, 3],
  );
  assertEquals(model.toJSON(), stumpJson());
  assertEquals(model.nTrees, 1);
  assertThrows(() => model.predict([new Float64Array(3)]), RangeError);
  assertThrows(
    () => model.predict([new Float64Array(3), new Float64Array(2)]),
    RangeError,
  );
});

Deno.test("`parseForest()` rejects malformed trees with the field named", () => {
  const tree = (stumpJson().trees as Record<string, number[]>[])[0]!;
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ kind: "xgboost" }, /kind is "xgboost"/],
    [{ nFeatures: 0 }, /nFeatures is 0/],
    [{ baseScore: null }, /baseScore/],
    [{ params: [] }, /params/],
    [{ trees: [{ ...tree, left: [0, -1, -1] }] }, /left child 0/],
    [{ trees: [{ ...tree, feature: [2, -1, -1] }] }, /feature 2/],
    [{ trees: [{ ...tree, value: [0, -1] }] }, /value has 2 nodes/],
    [{ trees: [{ ...tree, threshold: [null, 0, 0] }] }, /threshold/],
  ];
  for (const [override, message] of bad) {
    assertThrows(
      () => parseForest(stumpJson(override), "gbdt"),
      (e: unknown) => e instanceof TypeError && message.test(e.message),
    );
  }
  assertThrows(
    () => parseForest(stumpJson({ version: 2 }), "gbdt"),
    RangeError,
  );
});

Deno.test("`forestModel()` is immutable", () => {
  const { forest, meta } = parseForest(stumpJson(), "gbdt");
  const model = forestModel("gbdt", forest, meta);
  assert(Object.isFrozen(model));
  assertThrows(() => {
    (model as { baseScore: number }).baseScore = 3;
  }, TypeError);
});
