import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { FoldPredictions } from "./fold_predictions.ts";
import { blockedFolds, crossValidate } from "./cross_validate.ts";
import { nestedCrossValidate, selectParams, type TuneParams } from "./tune.ts";
import type { Trainer } from "./model.ts";
import { makeTrainer } from "./trainers.ts";

Deno.test("`FoldPredictions` finds a prediction by setting and by the rows' content, and keeps only finite ones", () => {
  const store = new FoldPredictions();
  const train = Uint32Array.of(0, 1, 2, 3);
  const test = Uint32Array.of(7, 8);
  store.set({ c: 10, epsilon: 0.05 }, train, test, Float64Array.of(1, 2));
  // the same rows in another array, the same setting in another object
  const found = store.get(
    { c: 10, epsilon: 0.05 },
    [0, 1, 2, 3],
    Uint32Array.of(7, 8),
  );
  assertEquals(found, Float64Array.of(1, 2));
  assertEquals(store.get({ c: 10 }, train, test), undefined);
  assertEquals(store.get({ c: 10, epsilon: 0.05 }, [0, 1, 2], test), undefined);
  assertEquals(
    store.get({ c: 10, epsilon: 0.05 }, [0, 1, 2, 4], test),
    undefined,
  );
  assertEquals(store.get({ c: 10, epsilon: 0.05 }, train, [7, 9]), undefined);
  assertEquals(store.hits, 1);
  store.set({}, train, test, Float64Array.of(1, NaN));
  store.set({}, train, test, Float64Array.of(1, Infinity));
  assertEquals(store.get({}, train, test), undefined);
  // recall: the stored one without predicting; else predicts and stores
  let calls = 0;
  const predict = () => (calls++, Float64Array.of(3, 4));
  assertEquals(
    store.recall({ c: 10, epsilon: 0.05 }, train, test, predict),
    Float64Array.of(1, 2),
  );
  assertEquals(
    store.recall({ c: 1 }, train, test, predict),
    Float64Array.of(3, 4),
  );
  assertEquals(
    store.recall({ c: 1 }, train, test, predict),
    Float64Array.of(3, 4),
  );
  assertEquals(calls, 1);
  // the first stored stays
  store.set({ c: 10, epsilon: 0.05 }, train, test, Float64Array.of(5, 6));
  assertEquals(
    store.get({ c: 10, epsilon: 0.05 }, train, test),
    Float64Array.of(1, 2),
  );
});

/** Makes nearest-neighbour trainers of a setting and counts their fits. */
function counting(): { make: (p: TuneParams) => Trainer; fits: () => number } {
  let fits = 0;
  const make = (p: TuneParams): Trainer => {
    const inner = makeTrainer(
      "KNeighborsRegressorTrainer",
      p as Record<string, never>,
    );
    return {
      name: inner.name,
      params: inner.params,
      fit: (x, y, options) => {
        fits++;
        return inner.fit(x, y, options);
      },
    };
  };
  return { make, fits: () => fits };
}

/** A component's evaluation as `trainModel` runs it: search, CV, nested CV. */
function evaluate(store: FoldPredictions | undefined) {
  const n = 600;
  const x = [Float64Array.from({ length: n }, (_, i) => (i * 7) % 200)];
  const y = x[0]!.map((v) => v * v);
  const candidates: TuneParams[] = [{}, { nNeighbors: 1 }];
  const folds = blockedFolds(n, 3);
  const { make, fits } = counting();
  const options = { seed: 42, mainFeature: 0 };
  const chosen = selectParams(
    make,
    candidates,
    x,
    y,
    options,
    store && { store },
  );
  const untuned = crossValidate(
    make({}),
    x,
    y,
    folds,
    options,
    store && { store, setting: {} },
  );
  const nested = nestedCrossValidate(
    make,
    candidates,
    x,
    y,
    folds,
    options,
    store,
  );
  return { chosen, untuned, nested, fits: fits() };
}

Deno.test("the search, the cross-validation and the nested one give the same figures with fewer fits when they share a store", () => {
  const plain = evaluate(undefined);
  const store = new FoldPredictions();
  const shared = evaluate(store);
  assertEquals(shared.chosen, plain.chosen);
  assertEquals(shared.untuned, plain.untuned);
  assertEquals(shared.nested, plain.nested);
  // the nearest neighbour wins everywhere (y is a function of x, which
  // repeats every 200 rows)
  assertEquals(plain.chosen.params, { nNeighbors: 1 });
  assertEquals(plain.nested.choices, [
    { nNeighbors: 1 },
    { nNeighbors: 1 },
    { nNeighbors: 1 },
  ]);
  // Without the store: the search fits 2, the CV 3, the nested CV
  // 3 × (2 + 1). With it, the search's split is the last fold: the CV's
  // last fold reuses the search's default, and the nested CV's last fold
  // reuses its choice (1 nearest neighbour) from the search; its inner
  // searches are on other rows.
  assertEquals(plain.fits, 2 + 3 + 3 * 3);
  assertEquals(shared.fits, 2 + 2 + 3 * 3 - 1);
  assertEquals(store.hits, 2);
});
