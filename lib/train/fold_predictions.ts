/**
 * Held-out predictions already made, so a fit that two steps of a model's
 * evaluation both need runs once.
 *
 * A component's evaluation fits the same setting on the same rows more
 * than once: the search's inner split of the training rows (the last third
 * held out, 20 rows either side left out) is exactly the last fold of the
 * blocked cross-validation of those rows, and the nested cross-validation
 * refits, in its last fold, the setting the search there chose. A fit is
 * deterministic (same setting, rows, labels and seed: the same model, bit
 * for bit), so the predictions stored by the first are the ones the second
 * would compute. At 10 min × 10 containers this is one fit in ten.
 *
 * A store belongs to one table (feature columns and labels) and one set of
 * fit options; rows are indices into that table.
 *
 * @module
 */
import type { TuneParams } from "./tune.ts";

interface Entry {
  setting: string;
  train: ArrayLike<number>;
  test: ArrayLike<number>;
  yHat: Float64Array;
}

/** A setting's key: its parameters, as JSON (`{}` is the defaults). */
function keyOf(setting: TuneParams): string {
  return JSON.stringify(setting);
}

function sameRows(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Predictions of one table's held-out rows by fits of settings on its
 * training rows.
 *
 * @example
 * ```ts
 * import { FoldPredictions } from "./fold_predictions.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * const store = new FoldPredictions();
 * const train = Uint32Array.of(0, 1, 2), test = Uint32Array.of(5, 6);
 * store.set({}, train, test, Float64Array.of(1, 2));
 * assertEquals(store.get({}, Uint32Array.of(0, 1, 2), test), Float64Array.of(1, 2));
 * assertEquals(store.get({ c: 10 }, train, test), undefined);
 * assertEquals(store.hits, 1);
 * ```
 */
export class FoldPredictions {
  #entries: Entry[] = [];
  /** How many `get`s found a stored prediction. */
  hits = 0;

  /**
   * The stored predictions of `test` by `setting` fitted on `train`, or
   * `undefined`. Rows must match in content and order.
   */
  get(
    setting: TuneParams,
    train: ArrayLike<number>,
    test: ArrayLike<number>,
  ): Float64Array | undefined {
    const found = this.#find(keyOf(setting), train, test);
    if (found !== undefined) this.hits++;
    return found?.yHat;
  }

  /**
   * Stores the predictions of `test` by `setting` fitted on `train`. Only
   * all-finite predictions are kept: a non-finite one is an error to every
   * reader, and refitting reproduces it.
   */
  set(
    setting: TuneParams,
    train: ArrayLike<number>,
    test: ArrayLike<number>,
    yHat: Float64Array,
  ): void {
    const key = keyOf(setting);
    if (!yHat.every(Number.isFinite)) return;
    if (this.#find(key, train, test) !== undefined) return;
    this.#entries.push({ setting: key, train, test, yHat });
  }

  /**
   * The stored predictions of `test` by `setting` fitted on `train`, else
   * `predict()`'s, stored.
   */
  recall(
    setting: TuneParams,
    train: ArrayLike<number>,
    test: ArrayLike<number>,
    predict: () => Float64Array,
  ): Float64Array {
    const known = this.get(setting, train, test);
    if (known !== undefined) return known;
    const yHat = predict();
    this.set(setting, train, test, yHat);
    return yHat;
  }

  #find(
    key: string,
    train: ArrayLike<number>,
    test: ArrayLike<number>,
  ): Entry | undefined {
    return this.#entries.find((e) =>
      e.setting === key && sameRows(e.test, test) && sameRows(e.train, train)
    );
  }
}
