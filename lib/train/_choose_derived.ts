/**
 * `--derived-features auto`'s choice (private to lib/train): a model
 * trained without and with derived features, kept by its blocked-CV MAE.
 *
 * @module
 */
import type { DerivedFeature } from "./derived_features.ts";
import { FitError } from "./model.ts";
import type { TrainedModel } from "./train_model_types.ts";
import { meanStd } from "./cross_validate.ts";
import { foldMaes, round2 } from "./cv_metadata.ts";

/**
 * The least relative gain in blocked-CV MAE that keeps derived features:
 * 1 %, so that a difference of rounding (or of a fold's luck) keeps the
 * simpler model.
 */
export const DERIVED_MIN_GAIN = 0.01;

/** Whether the derived variant wins on these folds' MAEs. */
function derivedWins(without: number, withDerived: number): boolean {
  return withDerived < without * (1 - DERIVED_MIN_GAIN);
}

/**
 * The blocked-CV MAE of the choice itself, nested: each fold is scored
 * with the variant the other folds choose (the choice never sees the fold
 * it is scored on), so the figure is not the better of two on the same
 * folds. Mean and spread over the folds, as `cv_mae` and `cv_mae_std`.
 *
 * @example
 * ```ts
 * import { nestedChoice } from "./_choose_derived.ts";
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * // fold 0: the others (2, 2 vs 1, 1) choose derived → 3; fold 1: the
 * // others (4, 2 vs 3, 1) choose derived → 1; fold 2: likewise → 1
 * assertEquals(nestedChoice([4, 2, 2], [3, 1, 1]).folds, [3, 1, 1]);
 * ```
 */
export function nestedChoice(
  without: readonly number[],
  withDerived: readonly number[],
): { folds: number[]; mean: number; std: number } {
  const others = (xs: readonly number[], f: number) =>
    xs.reduce((s, v, g) => g === f ? s : s + v, 0) / (xs.length - 1);
  const folds = without.map((w, f) =>
    derivedWins(others(without, f), others(withDerived, f))
      ? withDerived[f]!
      : w
  );
  return { folds, ...meanStd(folds) };
}

/**
 * Trains the model without derived features and, when some apply, with
 * them, and keeps the variant whose blocked-CV MAE is lower by at least
 * {@linkcode DERIVED_MIN_GAIN} (without, otherwise, when CV did not run or
 * when the derived fit failed). The chosen
 * model's metadata records `derived_features` (the chosen ones, `[]` for
 * none), `derived_features_tried`, `cv_mae_without_derived` and
 * `cv_mae_with_derived` (each variant's own blocked-CV MAE), their folds
 * (`cv_mae_folds_without_derived`, `cv_mae_folds_with_derived`), and
 * `cv_mae` / `cv_mae_std` of the choice, nested
 * ({@linkcode nestedChoice}), with `cv_derived_choice: "nested"`.
 *
 * @param tried The derived features that apply.
 * @param train Trains the model with the given derived features.
 * @returns The chosen model.
 */
export function chooseDerived(
  tried: readonly DerivedFeature[],
  train: (derived: readonly DerivedFeature[]) => TrainedModel,
): TrainedModel {
  const plain = train([]);
  if (tried.length === 0) return plain;
  let derived: TrainedModel | undefined;
  try {
    derived = train(tried);
  } catch (error) {
    if (!(error instanceof FitError || error instanceof RangeError)) {
      throw error;
    }
    plain.notes.push(
      `${plain.trainer} with derived features ${tried.join(", ")}: ${
        (error as Error).message
      }`,
    );
  }
  const without = plain.metadata.cv_mae;
  const withDerived = derived?.metadata.cv_mae;
  const better = derived !== undefined && typeof without === "number" &&
    typeof withDerived === "number" && derivedWins(without, withDerived);
  const chosen = better ? derived! : plain;
  const facts: Record<string, unknown> = {
    derived_features: better ? [...tried] : [],
    derived_features_tried: [...tried],
  };
  if (typeof without === "number") facts.cv_mae_without_derived = without;
  if (typeof withDerived === "number") {
    facts.cv_mae_with_derived = withDerived;
  }
  const a = foldMaes(plain.components);
  const b = derived === undefined ? undefined : foldMaes(derived.components);
  if (
    a !== undefined && b !== undefined && a.length === b.length && a.length > 1
  ) {
    const nested = nestedChoice(a, b);
    facts.cv_mae_folds_without_derived = a.map(round2);
    facts.cv_mae_folds_with_derived = b.map(round2);
    facts.cv_mae = round2(nested.mean);
    facts.cv_mae_std = round2(nested.std);
    facts.cv_derived_choice = "nested";
  }
  Object.assign(chosen.metadata, facts);
  return chosen;
}
