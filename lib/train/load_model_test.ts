import {
  deepStrictEqual as assertEquals,
  ok as assert,
  throws as assertThrows,
} from "node:assert/strict";
import { TRAINERS } from "../types.ts";
import { loadModel } from "./load_model.ts";
import { MODEL_KINDS } from "../types.ts";
import { type IntervalModel, withInterval } from "./interval.ts";
import { makeTrainer } from "./trainers.ts";
import { syntheticPower } from "./testing.ts";
import { withDerived } from "./derived_features.ts";

Deno.test("`loadModel()` round-trips every trainer's model bit-identically", () => {
  const { x, y } = syntheticPower({ n: 300, p: 3, noise: 2, seed: 51 });
  const probe = syntheticPower({ n: 64, p: 3, seed: 52 }).x;
  const kinds = new Set<string>();
  for (const name of TRAINERS) {
    const m = makeTrainer(name).fit(x, y, { mainFeature: 0 });
    kinds.add(m.kind);
    const text = JSON.stringify(m);
    const back = loadModel(JSON.parse(text));
    assertEquals(back.kind, m.kind, name);
    assertEquals(back.nFeatures, 3, name);
    const a = m.predict(probe), b = back.predict(probe);
    assert(a.every((v, i) => Object.is(v, b[i])), `${name} predictions differ`);
    assertEquals(JSON.stringify(back), text, name);
    // and with a conformal interval attached
    const iv = { coverage: 0.9, halfWidth: 1.5, n: 30 };
    const wrapped = loadModel(JSON.parse(JSON.stringify(withInterval(m, iv))));
    assertEquals((wrapped as IntervalModel).interval, iv, name);
    assertEquals(wrapped.predict(probe), a, name);
  }
  // a model on derived features computes them from the raw columns
  const spec = { features: ["a", "b", "c"], derived: [] };
  const derived = withDerived(
    makeTrainer("LinearRegressionTrainer").fit(x, y),
    spec,
  );
  kinds.add(derived.kind);
  const back = loadModel(JSON.parse(JSON.stringify(derived)));
  assertEquals(back.predict(probe), derived.predict(probe));
  assertEquals([...kinds].sort(), [...MODEL_KINDS].sort());
});

Deno.test("`loadModel()` rejects what is not a model JSON", () => {
  assertThrows(() => loadModel(null), TypeError);
  assertThrows(() => loadModel([]), TypeError);
  assertThrows(() => loadModel("{}"), TypeError);
  assertThrows(() => loadModel({ version: 1 }), TypeError);
  assertThrows(() => loadModel({ kind: "linear" }), TypeError);
  assertThrows(() => loadModel({ kind: "pickle", version: 1 }), RangeError);
  assertThrows(() => loadModel({ kind: "linear", version: 2 }), RangeError);
  assertThrows(
    () =>
      loadModel({
        kind: "linear",
        version: 1,
        trainer: "SGDRegressorTrainer",
        scale: [1],
        coef: ["x"],
        intercept: 0,
      }),
    TypeError,
  );
  assertThrows(
    () =>
      loadModel({
        kind: "linear",
        version: 1,
        trainer: "SGDRegressorTrainer",
        scale: [0],
        coef: [1],
        intercept: 0,
      }),
    RangeError,
  );
  assertThrows(
    () =>
      loadModel({
        kind: "knn",
        version: 1,
        k: 1,
        scale: [1],
        x: [0, 1, 2],
        y: [1, 2],
      }),
    TypeError,
  );
});
