/**
 * What a training thread keeps from one fit or prediction to the next, so
 * that work done once is not done again (every kept result is the one a
 * fresh computation gives, bit for bit), and how to let go of it:
 *
 * - SVR's last kernel matrix (`lib/numeric/rbf_kernel.ts`, up to 200 MB);
 * - SVR's kernel values of the rows last predicted, while a model's
 *   components fit in lockstep (`_svr_predict.ts`, up to 20 MB);
 * - the boosting trainers' last bins (`lib/numeric/histogram.ts`);
 * - the curve fits' results by their inputs (`_fit_memo.ts`).
 *
 * A long-lived process lets go of them between training runs; a benchmark
 * before each timed fit, so that it times the work, not a recall.
 *
 * @module
 */
import { releaseKernelStorage } from "../../numeric/rbf_kernel.ts";
import { forgetKeptBins } from "../../numeric/histogram.ts";
import { keepingPredictions, releaseKeptPredictions } from "./_svr_predict.ts";
import { forgetFits } from "./_fit_memo.ts";

/**
 * Lets go of everything this thread keeps between fits.
 *
 * @returns The bytes of kernel storage let go of.
 *
 * @example
 * ```ts
 * import { releaseKept } from "./kept.ts";
 * import { exponentialRegression } from "./curve_fit.ts";
 * import { ok as assert } from "node:assert/strict";
 * const x = [Float64Array.of(1, 2, 3, 4)], y = Float64Array.of(2, 3, 5, 9);
 * exponentialRegression().fit(x, y, { mainFeature: 0 });
 * assert(releaseKept() >= 0);
 * ```
 */
export function releaseKept(): number {
  forgetFits();
  forgetKeptBins();
  return releaseKernelStorage() + releaseKeptPredictions();
}

/**
 * Runs `fn` (the fits of a model's several components, in lockstep) with
 * SVR's predictions kept for the next component's model on the same rows
 * (`_svr_predict.ts`). Outside it predictions keep nothing.
 *
 * @example
 * ```ts
 * import { sharingPredictions } from "./kept.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * assertEquals(sharingPredictions(() => 42), 42);
 * ```
 */
export function sharingPredictions<T>(fn: () => T): T {
  return keepingPredictions(fn);
}
